/**
 * Duo authentication logs (Admin API v2 `GET /admin/v2/logs/authentication`) and the request
 * signing Duo's own clients use (signature v5: HMAC-SHA512 over date, method, host, path,
 * sorted parameters, body hash and `X-Duo-*` header hash). Duo publishes events with a ~2 minute
 * lag, so a window ends two minutes before now.
 *
 * @see https://duo.com/docs/adminapi#authentication-logs
 * @see https://duo.com/docs/adminapi#authentication
 * @example {"txid":"340a…","isotimestamp":"2026-11-20T10:00:00.351346+00:00","event_type":"authentication",
 *   "factor":"duo_push","result":"denied","reason":"user_cancelled","user":{"name":"jo"},"access_device":{"ip":"198.51.100.7"}}
 */
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toCountryCode, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import type { Puller } from '../../core/pull.ts';

const Str = z.string().nullish();
const Location = z.looseObject({ city: Str, state: Str, country: Str }).nullish();
export const DuoAuthLog = z.looseObject({
  txid: z.string().min(1),
  isotimestamp: Str,
  timestamp: z.number().nullish(),
  event_type: Str,
  factor: Str,
  result: Str,
  reason: Str,
  email: Str,
  alias: Str,
  user: z.looseObject({ key: Str, name: Str }).nullish(),
  application: z.looseObject({ key: Str, name: Str }).nullish(),
  access_device: z.looseObject({
    ip: Str, hostname: Str, browser: Str, browser_version: Str, os: Str, os_version: Str, epkey: Str, location: Location,
  }).nullish(),
  auth_device: z.looseObject({ ip: Str, name: Str, key: Str, location: Location }).nullish(),
});
export type DuoAuthLog = z.infer<typeof DuoAuthLog>;

const FACTORS: Record<string, Factor> = {
  duo_push: 'push', verified_duo_push: 'push', duo_mobile_passcode: 'totp', duo_mobile_passcode_hotp: 'totp', duo_mobile_passcode_totp: 'totp',
  phone_call: 'voice', sms_passcode: 'sms', sms_refresh: 'sms', passcode: 'totp', hardware_token: 'hardware_token',
  yubikey_passcode: 'hardware_token', yubikey_code: 'hardware_token', u2f_token: 'u2f', webauthn_security_key: 'webauthn',
  webauthn_credential: 'webauthn', webauthn_chrome_touchid: 'biometric', platform_authenticator: 'biometric',
  bypass_code: 'bypass_code', remembered_device: 'remembered_device', trusted_network: 'other', trusted_mobile_authenticator: 'other',
  digipass_go_7_token: 'hardware_token', not_available: 'unknown',
};
const normalizeFactorName = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Denials the user chose (`denied` in the contract) as opposed to denials by policy or error. */
const USER_DENIALS = new Set(['user_cancelled', 'user_declined', 'user_mistake']);

export function mapDuo(l: DuoAuthLog, original: unknown): ItemResult {
  const time = toIsoMillis(l.isotimestamp) ?? toIsoMillis(l.timestamp);
  if (!time) return reject(`duo log ${l.txid}: neither "isotimestamp" nor "timestamp" is a time`);
  const factorRaw = text(l.factor);
  const factor = factorRaw ? FACTORS[normalizeFactorName(factorRaw)] ?? 'other' : null;
  const result = text(l.result)?.toLowerCase() ?? null;
  const reason = text(l.reason)?.toLowerCase() ?? null;
  let category: Category = l.event_type === 'enrollment' ? 'factor_enroll' : factor === 'bypass_code' ? 'mfa_bypass' : 'mfa_verify';
  let outcome: Outcome;
  if (result === 'success') outcome = 'success';
  else if (result === 'fraud' || reason === 'user_marked_fraud') outcome = 'fraud';
  else if (result === 'denied' && reason && USER_DENIALS.has(reason)) outcome = 'denied';
  else if (result === 'denied') outcome = 'failure';
  else if (result === 'error') outcome = 'error';
  else outcome = 'unknown';
  if (reason === 'locked_out') category = 'lockout';
  if (reason === 'bypass_user' && outcome === 'success') category = 'mfa_bypass';
  const loc = l.access_device?.location ?? l.auth_device?.location;
  const login = text(l.user?.name);
  const email = text(l.email);
  return event(canonical({
    event_uid: l.txid,
    event_time: time,
    raw_event_type: text(l.event_type) ?? 'authentication',
    category,
    outcome,
    reason,
    is_mfa: category !== 'factor_enroll',
    factor,
    factor_raw: factorRaw,
    user_id: text(l.user?.key),
    user_login: login,
    user_email: looksLikeEmail(email) ? email.toLowerCase() : looksLikeEmail(login) ? login.toLowerCase() : null,
    src_ip: cleanIp(l.access_device?.ip),
    os: [text(l.access_device?.os), text(l.access_device?.os_version)].filter(Boolean).join(' ') || null,
    browser: [text(l.access_device?.browser), text(l.access_device?.browser_version)].filter(Boolean).join(' ') || null,
    device_id: text(l.auth_device?.key),
    device_name: text(l.auth_device?.name),
    geo_country: toCountryCode(loc?.country),
    geo_region: text(loc?.state),
    geo_city: text(loc?.city),
    correlation_id: l.txid,
    app_id: text(l.application?.key),
    app_name: text(l.application?.name),
    raw: JSON.stringify(original),
  }));
}

/** Telephony log (`/admin/v2/logs/telephony`): an SMS or call Duo placed, e.g. an MFA prompt. */
export const DuoTelephonyLog = z.looseObject({
  telephony_id: z.string().min(1),
  ts: z.string().min(1),
  type: Str,
  context: Str,
  phone: Str,
  credits: z.number().nullish(),
  txid: Str,
});
export type DuoTelephonyLog = z.infer<typeof DuoTelephonyLog>;

export function mapDuoTelephony(t: DuoTelephonyLog, original: unknown): ItemResult {
  const time = toIsoMillis(t.ts);
  if (!time) return reject(`duo telephony ${t.telephony_id}: "ts" is not a time`);
  const type = text(t.type)?.toLowerCase() ?? null;
  const context = text(t.context)?.toLowerCase() ?? null;
  return event(canonical({
    event_uid: t.telephony_id,
    event_time: time,
    raw_event_type: `telephony:${context ?? 'unknown'}`,
    // An SMS or call placed while authenticating is a prompt; other contexts (enrollment, admin tests) are not sign-in events.
    category: context === 'authentication' ? 'mfa_challenge' : context === 'enrollment' ? 'factor_enroll' : 'other',
    outcome: context === 'authentication' ? 'challenge' : 'success',
    is_mfa: context === 'authentication' ? true : null,
    factor: type === 'sms' ? 'sms' : type === 'phone' || type === 'voice' ? 'voice' : null,
    factor_raw: text(t.type),
    device_name: text(t.phone),
    correlation_id: text(t.txid),
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const duo: Normalizer = {
  kind: 'duo',
  docs: 'https://duo.com/docs/adminapi#authentication-logs',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => duo.unwrap(p));
    if (isObject(payload)) {
      const response = isObject(payload['response']) ? payload['response'] : payload;
      if (Array.isArray(response['authlogs'])) return response['authlogs'];
      for (const k of ['telephony', 'items']) if (Array.isArray(response[k])) return response[k] as unknown[];
    }
    return [payload];
  },
  normalize(item) {
    if (isObject(item) && 'telephony_id' in item) {
      const t = parseItem(DuoTelephonyLog, item, 'duo');
      return t.ok ? mapDuoTelephony(t.value, item) : t.result;
    }
    const p = parseItem(DuoAuthLog, item, 'duo');
    return p.ok ? mapDuo(p.value, item) : p.result;
  },
};

// ----- Admin API request signing, as Duo's clients do it (signature version 5) -----

/** RFC 3986 encoding, as Python's `quote(s, '~')`: only letters, digits and `-_.~` stay. */
export const duoQuote = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function canonParams(params: Readonly<Record<string, string>>): string {
  return Object.entries(params).map(([k, v]) => [duoQuote(k), duoQuote(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
}

/** `email.utils.formatdate()`: `Tue, 21 Aug 2012 17:29:18 -0000`. */
export function duoDate(d: Date): string {
  return d.toUTCString().replace('GMT', '-0000');
}

export interface DuoRequest { ikey: string; skey: string; method: string; host: string; path: string; params: Record<string, string>; date: string; body?: string }

/**
 * Version 2 (HMAC-SHA1 over date, method, host, path, params) is the form Duo's published test
 * vectors cover; version 5, what current Duo clients send, adds the SHA-512 of the body and of
 * the `X-Duo-*` headers (none here) and signs with HMAC-SHA512.
 */
export function duoCanonical(o: DuoRequest, version: 2 | 5): string {
  const sha512 = (s: string) => createHash('sha512').update(s).digest('hex');
  const lines = [o.date, o.method.toUpperCase(), o.host.toLowerCase(), o.path, canonParams(o.params)];
  if (version === 5) lines.push(sha512(o.body ?? ''), sha512(''));
  return lines.join('\n');
}

export function duoSign(o: DuoRequest, version: 2 | 5 = 5): string {
  const sig = createHmac(version === 5 ? 'sha512' : 'sha1', o.skey).update(duoCanonical(o, version)).digest('hex');
  return `Basic ${Buffer.from(`${o.ikey}:${sig}`).toString('base64')}`;
}

export const DuoPullSettings = z.object({
  baseUrl: z.url(),
  integrationKey: z.string().min(1),
  secretKey: z.string().min(1),
  /** How far back the first run reaches (Duo keeps 180 days). */
  lookbackSeconds: z.number().int().positive().max(180 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(1000).default(1000),
});
export type DuoPullSettings = z.infer<typeof DuoPullSettings>;

/** Duo makes events available about two minutes after they happen. */
export const DUO_LAG_MS = 2 * 60_000;
/** Each new window starts this much before the last one ended; the overlap is deduplicated. */
const OVERLAP_MS = 5 * 60_000;

/** The logs a Duo source polls, in turn, each with its own window and cursor. */
const DUO_LOGS = [
  { name: 'auth', path: '/admin/v2/logs/authentication', items: (r: Record<string, unknown>) => r['authlogs'] },
  { name: 'telephony', path: '/admin/v2/logs/telephony', items: (r: Record<string, unknown>) => r['items'] ?? r['telephony'] },
] as const;

export const duoPuller: Puller<DuoPullSettings> = {
  kind: 'duo',
  settings: DuoPullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const url = new URL(s.baseUrl);
    const phase = DUO_LOGS.findIndex((l) => l.name === (cursor?.['phase'] ?? 'auth'));
    const log = DUO_LOGS[Math.max(0, phase)]!;
    const own = (cursor?.[log.name] ?? {}) as Record<string, unknown>;
    const maxtime = Number(own['maxtime'] ?? ctx.now.getTime() - DUO_LAG_MS);
    const mintime = Number(own['mintime'] ?? ctx.now.getTime() - s.lookbackSeconds * 1000);
    const params: Record<string, string> = { mintime: String(mintime), maxtime: String(maxtime), limit: String(s.pageSize), sort: 'ts:asc' };
    if (typeof own['next_offset'] === 'string') params['next_offset'] = own['next_offset'];
    const date = duoDate(ctx.now);
    const res = await ctx.http(`${url.origin}${log.path}?${canonParams(params)}`, {
      headers: { date, authorization: duoSign({ ikey: s.integrationKey, skey: s.secretKey, method: 'GET', host: url.host, path: log.path, params, date }) },
    });
    const body = (await res.json()) as { stat?: string; message?: string; response?: Record<string, unknown> };
    if (res.status !== 200 || body.stat !== 'OK') throw new Error(`duo ${log.path}: HTTP ${res.status} ${body.message ?? ''}`.trim());
    const response = body.response ?? {};
    const items = (log.items(response) as unknown[] | undefined) ?? [];
    const next = (response['metadata'] as { next_offset?: unknown } | undefined)?.next_offset;
    const nextOffset = Array.isArray(next) ? (next.length ? next.map(String).join(',') : null) : typeof next === 'string' && next ? next : null;
    if (nextOffset) return { items, cursor: { ...cursor, phase: log.name, [log.name]: { mintime, maxtime, next_offset: nextOffset } }, done: false };
    // This log's window is drained: the next window starts just before its end.
    const drained = { ...cursor, [log.name]: { mintime: Math.max(mintime, maxtime - OVERLAP_MS) } };
    const following = DUO_LOGS[DUO_LOGS.indexOf(log) + 1];
    return following ? { items, cursor: { ...drained, phase: following.name }, done: false } : { items, cursor: { ...drained, phase: 'auth' }, done: true };
  },
};
