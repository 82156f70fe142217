/**
 * Auth0 tenant logs, from a custom webhook log stream (a JSON array, NDJSON or a single object
 * of `{"log_id", "data": {...}}`), from the Amazon EventBridge log stream (`detail` is the same
 * object) and from the Management API `GET /api/v2/logs` (flat log objects).
 *
 * @see https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes
 * @see https://auth0.com/docs/customize/log-streams/custom-log-streams
 * @see https://auth0.com/docs/customize/log-streams/amazon-eventbridge
 * @example {"log_id":"90020261120…","data":{"date":"2026-11-20T10:00:00.123Z","type":"gd_auth_rejected",
 *   "user_id":"auth0|6543…","user_name":"jo@example.com","ip":"198.51.100.7","client_name":"Payroll"}}
 */
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, lat, lon, looksLikeEmail, text, toCountryCode, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

const Str = z.string().nullish();
export const Auth0Log = z.looseObject({
  date: z.string().min(1),
  type: z.string().min(1),
  description: Str,
  log_id: Str,
  _id: Str,
  client_id: Str, client_name: Str,
  ip: Str, user_agent: Str,
  user_id: Str, user_name: Str,
  connection: Str, strategy: Str,
  hostname: Str,
  details: z.record(z.string(), z.unknown()).nullish(),
  location_info: z.looseObject({
    country_code: Str, country_name: Str, city_name: Str, subdivision_name: Str,
    latitude: z.union([z.number(), z.string()]).nullish(), longitude: z.union([z.number(), z.string()]).nullish(),
  }).nullish(),
});
export type Auth0Log = z.infer<typeof Auth0Log>;

type Row = { category: Category; outcome: Outcome; factor?: Factor; mfa?: boolean };
/** Event codes that matter for sign-in and MFA audits; others keep their code as `other`. */
const CODES: Record<string, Row> = {
  s: { category: 'login', outcome: 'success' },
  f: { category: 'login', outcome: 'failure' },
  fp: { category: 'login', outcome: 'failure', factor: 'password' },
  fu: { category: 'login', outcome: 'failure' },
  fc: { category: 'login', outcome: 'failure' },
  fco: { category: 'login', outcome: 'failure' },
  fcoa: { category: 'login', outcome: 'failure' },
  fens: { category: 'login', outcome: 'failure', factor: 'external_idp' },
  pwd_leak: { category: 'login', outcome: 'failure', factor: 'password' },
  ssa: { category: 'sso', outcome: 'success' },
  fsa: { category: 'sso', outcome: 'failure' },
  slo: { category: 'logout', outcome: 'success' },
  flo: { category: 'logout', outcome: 'failure' },
  mfar: { category: 'mfa_challenge', outcome: 'challenge', mfa: true },
  gd_start_auth: { category: 'mfa_challenge', outcome: 'challenge', mfa: true },
  gd_send_pn: { category: 'mfa_challenge', outcome: 'challenge', factor: 'push', mfa: true },
  gd_send_sms: { category: 'mfa_challenge', outcome: 'challenge', factor: 'sms', mfa: true },
  gd_send_voice: { category: 'mfa_challenge', outcome: 'challenge', factor: 'voice', mfa: true },
  gd_send_email: { category: 'mfa_challenge', outcome: 'challenge', factor: 'email', mfa: true },
  gd_send_pn_failure: { category: 'mfa_challenge', outcome: 'error', factor: 'push', mfa: true },
  gd_send_sms_failure: { category: 'mfa_challenge', outcome: 'error', factor: 'sms', mfa: true },
  gd_auth_succeed: { category: 'mfa_verify', outcome: 'success', mfa: true },
  gd_auth_failed: { category: 'mfa_verify', outcome: 'failure', mfa: true },
  gd_auth_rejected: { category: 'mfa_verify', outcome: 'denied', factor: 'push', mfa: true },
  gd_otp_rate_limit_exceed: { category: 'mfa_verify', outcome: 'failure', factor: 'totp', mfa: true },
  gd_recovery_succeed: { category: 'mfa_bypass', outcome: 'success', factor: 'bypass_code', mfa: true },
  gd_recovery_failed: { category: 'mfa_bypass', outcome: 'failure', factor: 'bypass_code', mfa: true },
  gd_recovery_rate_limit_exceed: { category: 'mfa_bypass', outcome: 'failure', factor: 'bypass_code', mfa: true },
  gd_start_enroll: { category: 'factor_enroll', outcome: 'challenge' },
  gd_start_enroll_failed: { category: 'factor_enroll', outcome: 'failure' },
  gd_enrollment_complete: { category: 'factor_enroll', outcome: 'success' },
  gd_webauthn_enrollment_failed: { category: 'factor_enroll', outcome: 'failure', factor: 'webauthn' },
  gd_unenroll: { category: 'factor_remove', outcome: 'success' },
  gd_user_delete: { category: 'factor_reset', outcome: 'success' },
  limit_wc: { category: 'lockout', outcome: 'failure' },
  limit_sul: { category: 'lockout', outcome: 'failure' },
  limit_mu: { category: 'lockout', outcome: 'failure' },
  ublkdu: { category: 'unlock', outcome: 'success' },
  sapi: { category: 'admin', outcome: 'success' },
  fapi: { category: 'admin', outcome: 'failure' },
};

/** Guardian / MFA authenticator names in `details` → canonical factor. */
function detailFactor(details: Record<string, unknown> | null | undefined): string | null {
  if (!details) return null;
  const a = details['authenticator'];
  const candidates = [details['mfa_type'], details['factor'], details['authenticator_type'], typeof a === 'object' && a ? (a as Record<string, unknown>)['type'] : a];
  for (const c of candidates) { const t = text(c); if (t) return t; }
  return null;
}
const FACTOR_NAMES: [RegExp, Factor][] = [
  [/push|guardian/i, 'push'], [/sms/i, 'sms'], [/voice|phone/i, 'voice'], [/otp|totp/i, 'totp'],
  [/webauthn|roaming|fido/i, 'webauthn'], [/platform|biometric/i, 'biometric'], [/email/i, 'email'], [/recovery/i, 'bypass_code'],
];
const auth0Factor = (raw: string | null): Factor | null => (raw ? FACTOR_NAMES.find(([re]) => re.test(raw))?.[1] ?? 'other' : null);

/** Successful logins that ran an MFA prompt say so in `details.prompts`. */
function promptsHadMfa(details: Record<string, unknown> | null | undefined): boolean {
  const prompts = details?.['prompts'];
  return Array.isArray(prompts) && prompts.some((p) => typeof p === 'object' && p !== null && /mfa|guardian|otp|webauthn/i.test(String((p as Record<string, unknown>)['name'] ?? '')));
}

export function mapAuth0(l: Auth0Log, uid: string, original: unknown): ItemResult {
  const time = toIsoMillis(l.date);
  if (!time) return reject(`auth0 log ${uid}: "date" is not a time`);
  const row = CODES[l.type];
  const factorRaw = detailFactor(l.details);
  const factor = row?.factor ?? auth0Factor(factorRaw);
  const category = row?.category ?? 'other';
  const outcome = row?.outcome ?? (l.type.startsWith('f') ? 'failure' : l.type.startsWith('s') ? 'success' : 'unknown');
  const isMfa = row?.mfa ?? (category === 'login' || category === 'sso' ? promptsHadMfa(l.details) : category === 'other' ? null : false);
  const userName = text(l.user_name);
  const loc = l.location_info;
  const details = l.details ?? {};
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: l.type,
    category,
    outcome,
    reason: outcome === 'success' || outcome === 'challenge' ? null : (text(l.description) ?? text(details['error']) ?? null),
    is_mfa: isMfa,
    factor: factor ?? (category === 'login' && outcome === 'success' && !isMfa ? 'password' : null),
    factor_raw: factorRaw,
    user_id: text(l.user_id),
    user_login: userName,
    user_email: looksLikeEmail(userName) ? userName.toLowerCase() : null,
    src_ip: cleanIp(l.ip),
    user_agent: text(l.user_agent),
    geo_country: toCountryCode(loc?.country_code) ?? toCountryCode(loc?.country_name),
    geo_region: text(loc?.subdivision_name),
    geo_city: text(loc?.city_name),
    geo_lat: lat(loc?.latitude),
    geo_lon: lon(loc?.longitude),
    session_id: text(details['session_id']),
    correlation_id: text((details['request'] as Record<string, unknown> | undefined)?.['id']) ?? null,
    app_id: text(l.client_id),
    app_name: text(l.client_name),
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const auth0: Normalizer = {
  kind: 'auth0',
  docs: 'https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => auth0.unwrap(p));
    if (isObject(payload) && 'detail' in payload && 'detail-type' in payload) return [payload['detail']];
    return [payload];
  },
  normalize(item) {
    if (!isObject(item)) return reject('auth0 log is not a JSON object');
    // Log streams wrap the log in `data` next to `log_id`; the Management API returns it flat.
    const inner = isObject(item['data']) ? item['data'] : item;
    const p = parseItem(Auth0Log, inner, 'auth0');
    if (!p.ok) return p.result;
    const uid = text(item['log_id']) ?? text(p.value.log_id) ?? text(p.value._id);
    if (!uid) return reject('auth0 log has no log_id');
    return mapAuth0(p.value, uid, item);
  },
};
