/**
 * Duo logs → canonical events (pure; the poller is in `pull.ts`):
 * - authentication log v2 (`/admin/v2/logs/authentication`, `authlogs[]`): one entry per
 *   authentication or inline enrollment, with `result` (`success` `denied` `fraud` `error`),
 *   `reason` and `factor`;
 * - telephony log v2 (`/admin/v2/logs/telephony`, `items[]`) and its v1 form (`timestamp`, no id);
 * - administrator log (`/admin/v1/logs/administrator`, `response[]`): see `admin-log.ts`.
 *
 * `is_mfa` says whether a second factor was part of the event. Duo also logs sign-ins it allowed
 * without one — the user is not enrolled (`allow_unenrolled_user`), in bypass status
 * (`bypass_user`), on a trusted network, or let through by policy — and those are not MFA,
 * whatever `factor` says. A remembered device (`remembered_device`) carries an earlier 2FA, like
 * an MFA claim in a token, and counts as MFA.
 *
 * @see https://duo.com/docs/adminapi#authentication-logs
 * @see https://duo.com/docs/adminapi#telephony-logs
 * @see https://duo.com/docs/policy#authentication-policy
 * @see https://duo.com/docs/policy#remembered-devices
 * @example {"txid":"340a…","isotimestamp":"2026-11-20T10:00:00.351346+00:00","event_type":"authentication",
 *   "factor":"duo_push","result":"denied","reason":"user_cancelled","user":{"name":"jo"},"access_device":{"ip":"198.51.100.7"}}
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toCountryCode, toIsoMillis, table } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import { DuoAdminLog, mapDuoAdmin } from './admin-log.ts';

export { DuoAdminLog, mapDuoAdmin } from './admin-log.ts';

const Str = lazy(() => z.string().nullish());
const Location = lazy(() => z.object({ city: built(Str), state: built(Str), country: built(Str) }).nullish());
export const DuoAuthLog = lazy(() => z.object({
  txid: z.string().min(1),
  isotimestamp: built(Str),
  timestamp: z.number().nullish(),
  event_type: built(Str),
  factor: built(Str),
  result: built(Str),
  reason: built(Str),
  email: built(Str),
  alias: built(Str),
  user: z.object({ key: built(Str), name: built(Str) }).nullish(),
  application: z.object({ key: built(Str), name: built(Str) }).nullish(),
  access_device: z.object({
    ip: built(Str), hostname: built(Str), browser: built(Str), browser_version: built(Str), os: built(Str), os_version: built(Str), epkey: built(Str), location: built(Location),
  }).nullish(),
  auth_device: z.object({ ip: built(Str), name: built(Str), key: built(Str), location: built(Location) }).nullish(),
}));
export type DuoAuthLog = z.infer<typeof DuoAuthLog>;

/** Duo's factor names (and the spelled-out forms some entries carry, e.g. "WebAuthn Security Key"). */
const FACTORS = table<Factor | null>({
  duo_push: 'push', verified_duo_push: 'push', duo_mobile_passcode: 'totp', duo_mobile_passcode_hotp: 'totp', duo_mobile_passcode_totp: 'totp',
  phone_call: 'voice', sms_passcode: 'sms', sms_refresh: 'sms', passcode: 'totp', hardware_token: 'hardware_token',
  yubikey_passcode: 'hardware_token', yubikey_code: 'hardware_token', u2f_token: 'u2f', webauthn_security_key: 'webauthn',
  webauthn_credential: 'webauthn', webauthn_chrome_touchid: 'biometric', platform_authenticator: 'biometric',
  bypass_code: 'bypass_code', remembered_device: 'remembered_device', trusted_mobile_authenticator: 'other',
  digipass_go_7_token: 'hardware_token',
  // Not a factor: how Duo names "no second factor was used" (a trusted network, nothing available).
  trusted_network: null, not_available: null,
});
const SPACES = /[\s-]+/g;
const normalizeFactorName = (s: string) => s.trim().toLowerCase().replace(SPACES, '_');

/** Denials the user chose (`denied` in the contract) as opposed to denials by policy or error. */
const USER_DENIALS = new Set(['user_cancelled', 'user_declined', 'user_mistake']);
/**
 * Sign-ins Duo allowed without a second factor: unenrolled users, users in bypass status, trusted
 * networks or locations, and policies that allow access without 2FA.
 */
const ALLOWED_WITHOUT_MFA = new Set([
  'allow_unenrolled_user', 'allow_unenrolled_user_on_trusted_network', 'bypass_user', 'trusted_network', 'trusted_location', 'allowed_by_policy',
]);
/**
 * Denials by policy or by the state of the user, device or network, decided before any second
 * factor is verified: failed sign-ins, not failed second factors (whatever `factor` names).
 */
const DENIED_BEFORE_MFA = new Set([
  'deny_unenrolled_user', 'user_disabled', 'user_not_in_permitted_group', 'denied_by_policy', 'location_restricted', 'platform_restricted',
  'version_restricted', 'software_restricted', 'factor_restricted', 'rooted_device', 'no_screen_lock', 'touch_id_disabled', 'no_disk_encryption',
  'anonymous_ip', 'out_of_date', 'invalid_device', 'no_duo_certificate_present', 'user_provided_invalid_certificate',
  'could_not_determine_if_endpoint_was_trusted', 'invalid_management_certificate_collection_state', 'no_referring_hostname_provided',
  'invalid_referring_hostname_provided', 'no_web_referer_match', 'endpoint_failed_google_verification', 'endpoint_is_not_trusted',
  'endpoint_is_not_in_management_system', 'no_activated_duo_mobile_account',
]);

/** Category, outcome and `is_mfa` of an authentication log entry, from `event_type`, `result`, `reason` and the factor. */
export function duoVerdict(eventType: string | null, result: string | null, reason: string | null, factor: Factor | null): { category: Category; outcome: Outcome; isMfa: boolean } {
  let outcome: Outcome;
  if (result === 'success') outcome = 'success';
  else if (result === 'fraud' || reason === 'user_marked_fraud') outcome = 'fraud';
  else if (result === 'denied' && reason && USER_DENIALS.has(reason)) outcome = 'denied';
  else if (result === 'denied') outcome = 'failure';
  else if (result === 'error') outcome = 'error';
  else outcome = 'unknown';
  if (eventType === 'enrollment') return { category: 'factor_enroll', outcome, isMfa: false };
  if (reason && ALLOWED_WITHOUT_MFA.has(reason)) return { category: reason === 'bypass_user' ? 'mfa_bypass' : 'login', outcome, isMfa: false };
  // With no factor used (`not_available`, a denial before any prompt) the entry is a sign-in step without MFA.
  const performed = factor !== null;
  if (reason === 'locked_out') return { category: 'lockout', outcome, isMfa: performed };
  if (!performed || (reason !== null && DENIED_BEFORE_MFA.has(reason))) return { category: 'login', outcome, isMfa: false };
  return { category: factor === 'bypass_code' ? 'mfa_bypass' : 'mfa_verify', outcome, isMfa: true };
}

export function mapDuo(l: DuoAuthLog, original: unknown): ItemResult {
  const time = toIsoMillis(l.isotimestamp) ?? toIsoMillis(l.timestamp);
  if (!time) return reject(`duo log ${l.txid}: neither "isotimestamp" nor "timestamp" is a time`);
  const factorRaw = text(l.factor);
  const known = factorRaw ? FACTORS[normalizeFactorName(factorRaw)] : null;
  const factor = factorRaw ? (known === undefined ? 'other' : known) : null;
  const result = text(l.result)?.toLowerCase() ?? null;
  const reason = text(l.reason)?.toLowerCase() ?? null;
  const eventType = text(l.event_type)?.toLowerCase() ?? null;
  const v = duoVerdict(eventType, result, reason, factor);
  const loc = l.access_device?.location ?? l.auth_device?.location;
  const login = text(l.user?.name);
  const email = text(l.email);
  return event(canonical({
    event_uid: l.txid,
    event_time: time,
    raw_event_type: text(l.event_type) ?? 'authentication',
    category: v.category,
    outcome: v.outcome,
    reason,
    is_mfa: v.isMfa,
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
    // Duo's own risk verdict: a push it judged anomalous (Risk-Based Authentication) and denied.
    risk_level: reason === 'anomalous_push' ? 'anomalous_push' : null,
    // Duo denies sign-ins from anonymous networks (Tor, proxies, VPNs) with this reason.
    anonymizer: reason === 'anonymous_ip' ? true : null,
    raw: JSON.stringify(original),
  }));
}

/** Telephony log: an SMS or call Duo placed (v2 `telephony_id`/`ts`; v1 `timestamp` in seconds, no id). */
export const DuoTelephonyLog = lazy(() => z.looseObject({
  telephony_id: built(Str),
  ts: built(Str),
  timestamp: z.union([z.number(), z.string()]).nullish(),
  isotimestamp: built(Str),
  type: built(Str),
  context: built(Str),
  phone: built(Str),
  credits: z.union([z.number(), z.string()]).nullish(),
  txid: built(Str),
}));
export type DuoTelephonyLog = z.infer<typeof DuoTelephonyLog>;

/** An SMS or call placed to prompt for 2FA — a user's sign-in or an administrator's. */
const PROMPT_CONTEXTS = new Set(['authentication', 'administrator login']);

export function mapDuoTelephony(t: DuoTelephonyLog, original: unknown): ItemResult {
  const time = toIsoMillis(t.ts) ?? toIsoMillis(t.timestamp) ?? toIsoMillis(t.isotimestamp);
  if (!time) return reject(`duo telephony ${t.telephony_id ?? '(v1)'}: neither "ts" nor "timestamp" is a time`);
  const type = text(t.type)?.toLowerCase() ?? null;
  const context = text(t.context)?.toLowerCase() ?? null;
  const prompt = context !== null && PROMPT_CONTEXTS.has(context);
  const id = text(t.telephony_id)
    ?? `duo-telephony:${time}:${createHash('sha256').update(`${context ?? ''}\n${type ?? ''}\n${text(t.phone) ?? ''}\n${String(t.credits ?? '')}`).digest('hex').slice(0, 24)}`;
  return event(canonical({
    event_uid: id,
    event_time: time,
    raw_event_type: `telephony:${context ?? 'unknown'}`,
    // A prompt placed while signing in is a challenge; enrollment texts enrol; other contexts (`verify`) are not sign-in events.
    category: prompt ? 'mfa_challenge' : context === 'enrollment' ? 'factor_enroll' : 'other',
    outcome: prompt ? 'challenge' : 'success',
    is_mfa: prompt ? true : null,
    factor: type === 'sms' ? 'sms' : type === 'phone' || type === 'voice' ? 'voice' : null,
    factor_raw: text(t.type),
    device_name: text(t.phone),
    correlation_id: text(t.txid),
    app_name: context === 'administrator login' ? 'Duo Admin Panel' : null,
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
      // The administrator log (and v1 telephony) answer `{"stat":"OK","response":[…]}`.
      if (Array.isArray(payload['response'])) return payload['response'];
      const response = isObject(payload['response']) ? payload['response'] : payload;
      if (Array.isArray(response['authlogs'])) return response['authlogs'];
      for (const k of ['telephony', 'items']) if (Array.isArray(response[k])) return response[k] as unknown[];
    }
    return [payload];
  },
  normalize(item) {
    if (isObject(item) && typeof item['txid'] !== 'string' && typeof item['action'] === 'string') {
      const a = parseItem(DuoAdminLog, item, 'duo');
      return a.ok ? mapDuoAdmin(a.value, item) : a.result;
    }
    if (isObject(item) && ('telephony_id' in item || (!('txid' in item) && 'context' in item && 'phone' in item))) {
      const t = parseItem(DuoTelephonyLog, item, 'duo');
      return t.ok ? mapDuoTelephony(t.value, item) : t.result;
    }
    const p = parseItem(DuoAuthLog, item, 'duo');
    return p.ok ? mapDuo(p.value, item) : p.result;
  },
};
