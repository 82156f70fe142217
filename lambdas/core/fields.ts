/**
 * Small, pure field converters every normalizer shares: times to UTC milliseconds, IPs without
 * ports, countries to ISO alpha-2. Vendors differ in exactly these details.
 */
// The package's Node entry registers all 80 locales (~1 MB); its plain entry registers none, and
// only English names are needed to read vendors' country names.
import countries from 'i18n-iso-countries/index.js';
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import { isIP } from 'node:net';
// ua-parser-js, loaded on first use.
import lazyLibraries from './lazy-libraries.cts';

countries.registerLocale(en);

const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * ISO 8601 (any fraction length, `Z` or an offset `+hh:mm` / `+hhmm`; no zone means UTC; a space
 * may stand for `T`) or epoch seconds / milliseconds / microseconds, as a number or a numeric
 * string → `YYYY-MM-DDTHH:mm:ss.SSSZ` (fraction truncated), or null if it is not a time.
 *
 * Only calendar-valid times pass: `Date.UTC` would silently carry Feb 30 into March or 10:15:60
 * into 10:16, moving an event to another instant (and another `dt` partition) without a trace.
 * Null sends the event to the quarantine with a reason, where a fixed normalizer can replay it.
 * Offsets are those in use on Earth: at most ±14:00, minutes below 60.
 *
 * Leap seconds: `23:59:60` is accepted where one may fall — the last second of a UTC month
 * (RFC 3339 §5.7, ITU-R TF.460) after applying the offset — and read as `23:59:59.999` of that
 * day. JavaScript time has no leap seconds; this keeps the event on its own day and at the end
 * of the second before, instead of quarantining a real vendor timestamp or moving it into the
 * next day (and year). `:60` anywhere else is junk and gives null.
 */
export function toIsoMillis(value: unknown): string | null {
  if (typeof value === 'number') return fromEpoch(value, String(value));
  if (typeof value !== 'string') return null;
  // Fast path: already the stored form (most vendors send it), with a valid date and no leap second.
  if (value.length === 24 && CANONICAL.test(value) && canonicalIsValid(value)) return value;
  const s = value.trim();
  if (/^\d{9,16}(\.\d+)?$/.test(s)) return fromEpoch(Number(s), s);
  const m = ISO_LIKE.exec(s);
  if (!m) return null;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]), h = Number(m[4]), mi = Number(m[5]), se = Number(m[6]);
  const frac = m[7] ?? '';
  // Date.UTC reads years 0–99 as 1900–1999; nothing before 1969 can land in the accepted range.
  if (y < 1969 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || se > 60) return null;
  const offset = offsetMinutes(m[8] ?? 'Z');
  if (offset === null) return null;
  const leap = se === 60;
  let t = Date.UTC(y, mo - 1, d, h, mi, leap ? 59 : se, leap ? 0 : Number((frac + '000').slice(0, 3))) - offset * 60_000;
  if (leap) {
    if (!isLastSecondOfMonth(t)) return null;
    t += 999;
  }
  return isoOrNull(t);
}

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const digits = (s: string, at: number, n: number) => {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
};
/** `YYYY-MM-DDTHH:MM:SS.mmmZ` with a real calendar date and time, 1970–9999, no `:60`. */
function canonicalIsValid(s: string): boolean {
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  return y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && digits(s, 11, 2) <= 23 && digits(s, 14, 2) <= 59 && digits(s, 17, 2) <= 59;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysInMonth = (y: number, mo: number) => (mo === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[mo - 1]!);

/** `Z` → 0; `+hh:mm` / `-hhmm` → signed minutes east of UTC; beyond ±14:00 or minutes ≥ 60 → null. */
function offsetMinutes(zone: string): number | null {
  if (zone.toUpperCase() === 'Z') return 0;
  const z = zone.replace(':', '');
  const hh = Number(z.slice(1, 3));
  const mm = Number(z.slice(3, 5));
  if (mm > 59 || hh * 60 + mm > 14 * 60) return null;
  return (z.startsWith('-') ? -1 : 1) * (hh * 60 + mm);
}

/** Whether `t` (whole seconds) is 23:59:59 UTC on the last day of a month: the slot a leap second follows. */
function isLastSecondOfMonth(t: number): boolean {
  const d = new Date(t);
  return d.getUTCHours() === 23 && d.getUTCMinutes() === 59 && d.getUTCSeconds() === 59 && new Date(t + 1000).getUTCDate() === 1;
}

/** `decimal` is the number as written (a numeric string, or `String(n)`: the shortest decimal that reads back as n). */
function fromEpoch(n: number, decimal: string): string | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  // Pick the unit by magnitude: seconds until year 5138, then milliseconds, then microseconds.
  if (n < 1e11) {
    // Fractional seconds are read from their decimal digits: in binary, 4394263500.676 * 1000
    // is …675.9995, one millisecond early.
    const m = /^(\d+)(?:\.(\d+))?$/.exec(decimal);
    return isoOrNull(m ? Number(m[1]) * 1000 + Number(((m[2] ?? '') + '000').slice(0, 3)) : Math.floor(n * 1000));
  }
  return isoOrNull(Math.floor(n < 1e14 ? n : n / 1000));
}

const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** An instant from 1970 through 9999 in the stored form; anything else null. */
function isoOrNull(ms: number): string | null {
  return ms >= 0 && ms <= LAST_MS ? new Date(ms).toISOString() : null;
}

/**
 * A client address as vendors send it → the address alone, validated by `node:net` `isIP`, IPv6
 * in lower case; anything that is not an address → null.
 *
 * - `198.51.100.7:443` and `[2001:db8::1]:443` lose the port (0–65535; another number is junk).
 * - X-Forwarded-For lists (`a, b, c`) give their first valid entry: the client, past any
 *   `unknown` a proxy wrote in front.
 * - Some vendors glue the port onto an unbracketed IPv6 address
 *   (`2001:db8:4b3f:e800:9c3d:1c1a:6fc6:ab12:1234`). The port is stripped only where the shape
 *   alone proves it is one, whatever its value: nine groups whose first eight form a valid
 *   address (`::` standing for at least one group, as in `2001:db8::1:2:3:4:5:443`), or a port
 *   after an embedded dotted quad (`::ffff:198.51.100.7:443`). A shorter address with a port
 *   glued on (`2001:db8::1:443`) is itself a valid address and is kept as written: nothing can
 *   tell the two apart, and stripping only the ports that happen to be invalid groups (`:50000`)
 *   would make the result depend on the port's value.
 * - Zone ids (`fe80::1%eth0`, `%25eth0` in URLs) are dropped: they name an interface of the host
 *   that logged the address, are only meaningful there, and would make one address compare
 *   unequal to itself.
 * - IPv4-mapped IPv6 (`::ffff:198.51.100.7`) is kept as given: it is the address the vendor saw
 *   on a dual-stack socket, the `raw` event says the same, and folding it into IPv4 without
 *   canonicalizing every other IPv6 spelling as well would only be half of a comparison rule.
 */
export function cleanIp(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  for (const part of value.split(',')) {
    const ip = cleanOneIp(part.trim());
    if (ip) return ip;
  }
  return null;
}

const PORT = /^\d{1,5}$/;
const isPort = (s: string) => PORT.test(s) && Number(s) <= 65_535;

function cleanOneIp(s: string): string | null {
  if (!s) return null;
  const family = isIP(s);
  if (family === 4) return s;
  if (family === 6) return v6(s);
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(s);
  if (bracketed) return isIP(bracketed[1]!) === 6 && (bracketed[2] === undefined || isPort(bracketed[2])) ? v6(bracketed[1]!) : null;
  const cut = s.lastIndexOf(':');
  if (cut < 0) return null;
  const host = s.slice(0, cut);
  if (!isPort(s.slice(cut + 1))) return null;
  const hostFamily = isIP(host);
  if (hostFamily === 4) return host;
  // Seven or eight groups written out (or a dotted quad last): with one more, no IPv6 address
  // could be read (`::` stands for at least one group), so it is a port whatever its value.
  if (hostFamily === 6 && (host.split(':').filter(Boolean).length >= 7 || /\.\d{1,3}$/.test(host))) return v6(host);
  return null;
}

/** Lower case, without a zone id. */
function v6(s: string): string {
  const zone = s.indexOf('%');
  return (zone < 0 ? s : s.slice(0, zone)).toLowerCase();
}

/**
 * A lookup table keyed by vendor strings, without a prototype: a key such as `toString`,
 * `constructor` or `__proto__` in a vendor's event finds nothing instead of `Object.prototype`'s
 * members.
 */
export function table<V>(entries: Record<string, V>): Readonly<Record<string, V>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, V>, entries));
}

const COUNTRY_ALIASES = table<string>({
  'south korea': 'KR', 'north korea': 'KP', russia: 'RU', 'czech republic': 'CZ', 'ivory coast': 'CI',
  uk: 'GB', 'great britain': 'GB', england: 'GB', scotland: 'GB', wales: 'GB', 'northern ireland': 'GB',
  vietnam: 'VN', laos: 'LA', syria: 'SY', iran: 'IR', taiwan: 'TW', bolivia: 'BO', venezuela: 'VE',
  tanzania: 'TZ', moldova: 'MD', 'hong kong': 'HK', macau: 'MO', 'the netherlands': 'NL', turkey: 'TR',
});

const countryCache = new Map<string, string | null>();

/** A country as any vendor sends it (`US`, `USA`, `840`, `United States`) → ISO alpha-2, or null. */
export function toCountryCode(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // The library scans every name per lookup; vendors repeat a few hundred values at most.
  const hit = countryCache.get(value);
  if (hit !== undefined) return hit;
  const code = lookupCountry(value);
  if (countryCache.size < 4096) countryCache.set(value, code);
  return code;
}

function lookupCountry(value: string): string | null {
  const s = value.trim();
  if (!s || /^(unknown|null|n\/a|-)$/i.test(s)) return null;
  if (/^[A-Za-z]{2}$/.test(s)) return countries.isValid(s.toUpperCase()) ? s.toUpperCase() : null;
  if (/^[A-Za-z]{3}$/.test(s)) return countries.alpha3ToAlpha2(s.toUpperCase()) ?? null;
  if (/^\d{3}$/.test(s)) return countries.numericToAlpha2(s) ?? null;
  return COUNTRY_ALIASES[s.toLowerCase()] ?? countries.getAlpha2Code(s, 'en') ?? null;
}

/** A trimmed non-empty string, or null (vendors send "", "null", "UNKNOWN" for nothing). */
export function text(value: unknown): string | null {
  if (typeof value === 'string') {
    const s = value.trim();
    return s && !/^(null|undefined|unknown)$/i.test(s) ? s : null;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function num(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

export const looksLikeEmail = (s: string | null): s is string => !!s && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s);

export const lat = (v: unknown) => { const n = num(v); return n !== null && n >= -90 && n <= 90 ? n : null; };
export const lon = (v: unknown) => { const n = num(v); return n !== null && n >= -180 && n <= 180 ? n : null; };

const agentCache = new Map<string, { os: string | null; browser: string | null }>();

/**
 * OS and browser from a raw user agent, for vendors that send only the string (AWS, Keycloak
 * listeners, OneLogin, Entra Graph without device detail). ua-parser-js 1.x (MIT); the results
 * are cached because a tenant's users share a few hundred agents.
 */
export function parseUserAgent(ua: string): { os: string | null; browser: string | null } {
  const hit = agentCache.get(ua);
  if (hit) return hit;
  const r = new (lazyLibraries.uaParser())(ua).getResult();
  const os = [r.os.name, r.os.version].filter(Boolean).join(' ') || null;
  const browser = [r.browser.name, r.browser.major].filter(Boolean).join(' ') || null;
  const out = { os, browser };
  if (agentCache.size < 4096) agentCache.set(ua, out);
  return out;
}
