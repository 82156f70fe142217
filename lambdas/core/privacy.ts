/**
 * A tenant's privacy policy (config `tenants[].privacy`, README "Privacy"), applied to every
 * normalized event before anything is stored, so that the hot table, the archive, alerts, the
 * forwarders and exports only ever see what the policy lets through:
 *
 * - `pseudonymize`: each named field's value becomes `pn_` + 20 base32 characters (100 bits) of HMAC-SHA256 under
 *   the tenant's own key. The same value always gives the same pseudonym (logins and emails
 *   case-insensitively), in every field, so rules, queries and coverage work unchanged; without
 *   the key nobody can compute or confirm one.
 * - `ipTruncate`: the source address keeps only its network (IPv4 /24 or /16, IPv6 /48 or /32),
 *   before it is pseudonymized if it is both.
 * - `raw`: `keep`, `redact` (every value replaced above, wherever it appears in the vendor's
 *   payload, becomes its stored form, and the vendors' name and phone fields are blanked) or
 *   `drop` (no payload at all). The event's other text fields get the same replacement.
 *
 * Re-identification goes through the pseudonym vault: each pseudonym's clear value sealed with
 * AES-256-GCM under a key derived from the tenant's key (`sealClear`/`openSealed`), stored apart
 * from the events. Pure: no I/O, the caller brings the key.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { AuthEvent } from './event.ts';
import { ipParts, truncateIp } from './ip.ts';

/** The canonical fields a policy may pseudonymize: who, from where, on what device. */
export const PSEUDONYMIZABLE_FIELDS = [
  'user_id', 'user_login', 'user_email', 'actor_id', 'actor_login', 'src_ip', 'device_id', 'device_name',
  'user_agent', 'session_id', 'target_id', 'target_name',
] as const;
export type PseudonymizableField = (typeof PSEUDONYMIZABLE_FIELDS)[number];

export interface PrivacyPolicy {
  readonly pseudonymize: readonly PseudonymizableField[];
  readonly raw: 'keep' | 'redact' | 'drop';
  readonly ipTruncate: 24 | 16 | null;
}

/** What a pseudonym looks like. */
export const PSEUDONYM = /^pn_[a-z2-7]{20}$/;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** The first 100 bits of a digest as 20 lower-case base32 characters (lower case: the detector folds user keys to lower case). */
const base32 = (b: Buffer) => {
  let out = '';
  for (let bit = 0; bit < 100; bit += 5) {
    const byte = bit >> 3;
    const v = ((b[byte]! << 8) | (b[byte + 1] ?? 0)) >> (11 - (bit & 7));
    out += BASE32[v & 31];
  }
  return out;
};

/** Logins and emails are matched without case by every vendor; their pseudonyms are too. */
const CASELESS: ReadonlySet<string> = new Set(['user_login', 'user_email', 'actor_login']);

/** A value's pseudonym under a tenant's key. */
export function pseudonym(key: Buffer, value: string, caseless: boolean): string {
  return `pn_${base32(createHmac('sha256', key).update(caseless ? value.toLowerCase() : value).digest())}`;
}

/** Does the policy change anything? A tenant without one is stored as received. */
export const changesEvents = (p: PrivacyPolicy | undefined): p is PrivacyPolicy => !!p && (p.pseudonymize.length > 0 || p.ipTruncate !== null || p.raw !== 'keep');

/** Does it need the tenant's key? */
export const needsKey = (p: PrivacyPolicy | undefined): boolean => !!p && p.pseudonymize.length > 0;

/**
 * Vendor payload fields that hold a person's name or phone number, blanked by `raw: "redact"`
 * whatever their value (the canonical event does not carry them, so no replacement catches them).
 */
const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  'displayName', 'userDisplayName', 'firstName', 'lastName', 'givenName', 'familyName', 'fullName', 'full_name',
  'first_name', 'last_name', 'given_name', 'family_name', 'phone', 'phoneNumber', 'phone_number', 'mobilePhone',
  'mobile_phone', 'mobilePhoneNumber', 'user_name', 'actor_user_name', 'userName',
]);
export const REDACTED = '[redacted]';

/** Values shorter than this are replaced only where they are the whole string: a short id would otherwise match inside unrelated text. */
const MIN_SUBSTRING = 6;

interface Replacement { readonly clear: string; readonly stored: string; readonly caseless: boolean }

/** Every replacement applied to one string: whole matches first, then (long values only) occurrences inside it. */
function replaceIn(text: string, reps: readonly Replacement[]): string {
  for (const r of reps) {
    if (r.caseless ? text.toLowerCase() === r.clear.toLowerCase() : text === r.clear) return r.stored;
  }
  let out = text;
  for (const r of reps) {
    if (r.clear.length < MIN_SUBSTRING) continue;
    if (r.caseless) {
      const lower = r.clear.toLowerCase();
      let i = out.toLowerCase().indexOf(lower);
      while (i >= 0) {
        out = out.slice(0, i) + r.stored + out.slice(i + r.clear.length);
        i = out.toLowerCase().indexOf(lower, i + r.stored.length);
      }
    } else {
      out = out.split(r.clear).join(r.stored);
    }
  }
  return out;
}

/** Email addresses and IP addresses inside any text (validated: `10:00:00` is a time, not an address). */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g;
const IPV6 = /(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])/g;

/** The replacement of one text: known values, then any other email or address the policy covers (`agent`: a user agent, whose version numbers look like addresses). */
type Scrub = (text: string, agent?: boolean) => string;

/** Payload keys that hold a user agent. */
const AGENT_KEY = /agent/i;

/** The payload with every string scrubbed and the personal keys blanked. Depth was bounded at intake. */
function redactValue(v: unknown, scrub: Scrub, key?: string): unknown {
  if (typeof v === 'string') return key !== undefined && PERSONAL_KEYS.has(key) && v !== '' ? REDACTED : scrub(v, key !== undefined && AGENT_KEY.test(key));
  if (Array.isArray(v)) return v.map((x) => redactValue(x, scrub));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[scrub(k)] = redactValue(x, scrub, k);
    return out;
  }
  return v;
}

/** A raw payload (JSON text, or any text) redacted. */
export function redactRaw(raw: string, scrub: Scrub): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return scrub(raw);
  }
  return JSON.stringify(redactValue(parsed, scrub));
}

/**
 * The event's text fields a policy does not name are scrubbed too: a vendor's message may quote
 * a user, and an identity field left out (an admin's login) may hold an email the policy covers.
 */
const TEXT_FIELDS = ['reason', 'raw_event_type', 'factor_raw', 'app_name', 'correlation_id', 'geo_city', 'user_agent', ...PSEUDONYMIZABLE_FIELDS] as const;

/** Identity fields whose values are often email addresses: pseudonymizing any of them pseudonymizes every email in the event. */
const EMAIL_FIELDS: readonly PseudonymizableField[] = ['user_email', 'user_login', 'actor_login', 'user_id', 'actor_id', 'target_id', 'target_name'];

export class PrivacyKeyMissing extends Error {
  override name = 'PrivacyKeyMissing';
}

/**
 * The tenant's policy as a function of one event: the event as it may be stored, and the
 * pseudonyms it introduced with their clear values (for the vault). Never mutates its input.
 */
export function privacyApplier(policy: PrivacyPolicy, key: Buffer | null) {
  if (needsKey(policy) && !key) throw new PrivacyKeyMissing('the tenant pseudonymizes fields but its pseudonym key is not available');
  const fields = policy.pseudonymize;
  const emails = fields.some((f) => EMAIL_FIELDS.includes(f));
  const ips = fields.includes('src_ip') ? 'pseudonymize' : policy.ipTruncate !== null ? 'truncate' : null;
  const cut = (ip: string) => truncateIp(ip, policy.ipTruncate ?? 24, policy.ipTruncate === 16 ? 32 : 48);
  return (input: AuthEvent, vault: Map<string, string>): AuthEvent => {
    const e: Record<string, unknown> = { ...input };
    const pn = (v: string, caseless: boolean) => {
      const p = pseudonym(key!, v, caseless);
      if (!vault.has(p)) vault.set(p, v);
      return p;
    };
    // clear value → what is stored instead (a later entry for the same value wins: an address cut, then pseudonymized).
    const byClear = new Map<string, Replacement>();
    const replace = (clear: string, stored: string, caseless: boolean) => byClear.set(caseless ? clear.toLowerCase() : clear, { clear, stored, caseless });
    if (policy.ipTruncate !== null && input.src_ip) {
      const c = cut(input.src_ip);
      if (c !== null && c !== input.src_ip) {
        e['src_ip'] = c;
        replace(input.src_ip, c, false);
      }
    }
    for (const f of fields) {
      const v = e[f];
      if (typeof v !== 'string' || v === '' || PSEUDONYM.test(v)) continue;
      const p = pn(v, CASELESS.has(f));
      e[f] = p;
      // The original value (before an address was cut) is replaced too.
      const original = input[f];
      if (typeof original === 'string' && original !== v) replace(original, p, false);
      replace(v, p, CASELESS.has(f));
    }
    // Longest first: an email is replaced before the login inside it.
    const reps = [...byClear.values()].sort((a, b) => b.clear.length - a.clear.length);
    const ipOf = (m: string) => {
      if (!ipParts(m)) return m;
      if (ips === 'pseudonymize') return pn(cut(m) !== null && policy.ipTruncate !== null ? cut(m)! : m, false);
      return cut(m) ?? m;
    };
    const scrub: Scrub = (text, agent = false) => {
      let out = replaceIn(text, reps);
      if (emails) out = out.replace(EMAIL, (m) => pn(m, true));
      if (ips && !agent) out = out.replace(IPV4, ipOf).replace(IPV6, ipOf);
      return out;
    };
    if (reps.length || emails || ips) {
      for (const f of TEXT_FIELDS) {
        const v = e[f];
        if (typeof v === 'string' && !(fields as readonly string[]).includes(f)) e[f] = scrub(v, f === 'user_agent');
      }
    }
    if (policy.raw === 'drop') e['raw'] = null;
    else if (policy.raw === 'redact' && typeof input.raw === 'string') e['raw'] = redactRaw(input.raw, scrub);
    return e as AuthEvent;
  };
}

// ---- the pseudonym vault's sealing ----------------------------------------------------------

const vaultKey = (tenantKey: Buffer) => Buffer.from(hkdfSync('sha256', tenantKey, 'authtrail', 'pseudonym vault v1', 32));

/** A clear value sealed for the vault: AES-256-GCM, bound to its tenant and pseudonym (a sealed value copied to another entry does not open). */
export function sealClear(tenantKey: Buffer, tenant: string, pn: string, clear: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', vaultKey(tenantKey), iv);
  c.setAAD(Buffer.from(`${tenant}\n${pn}`));
  const body = Buffer.concat([c.update(clear, 'utf8'), c.final()]);
  return `v1.${Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url')}`;
}

/** The clear value of a sealed vault entry; throws when the key, tenant or pseudonym is not the one it was sealed with. */
export function openSealed(tenantKey: Buffer, tenant: string, pn: string, sealed: string): string {
  if (!sealed.startsWith('v1.')) throw new Error('not a sealed pseudonym value');
  const b = Buffer.from(sealed.slice(3), 'base64url');
  const d = createDecipheriv('aes-256-gcm', vaultKey(tenantKey), b.subarray(0, 12));
  d.setAAD(Buffer.from(`${tenant}\n${pn}`));
  d.setAuthTag(b.subarray(b.length - 16));
  return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8');
}

/** A new tenant key: 32 random bytes, hex (the form Secrets Manager and the local key file hold). */
export const newTenantKey = (): string => randomBytes(32).toString('hex');

/** A stored key's bytes (64 hex characters). */
export function tenantKeyBytes(text: string): Buffer {
  const t = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(t)) throw new Error('a pseudonym key is 64 hexadecimal characters');
  return Buffer.from(t, 'hex');
}
