/**
 * OneLogin events, as an Event Webhook posts them (format "JSON Array": a JSON array; format
 * "SIEM (NDJSON)": one event per line, which the intake parses into the same array) or the
 * Events API returns them (`{"data": [...]}`, v1 `created_at`).
 *
 * Webhook events carry `event_timestamp` as `"2017-12-05 19:13:06 UTC"` and `uuid` (also as
 * `create._id`); the Events API carries `created_at` in ISO 8601 (`2016-06-09T21:12:20.000Z`,
 * some with more fraction digits) and a numeric `id`. Both forms are read strictly: a time that is
 * not calendar-valid, or that names no zone, is not a time.
 *
 * Only `event_type_id`s whose meaning OneLogin's Event Types list establishes are mapped (login
 * and app sign-ins, the Verify Factor API, OTP devices and authentication factors, locks,
 * unlocks and suspensions, password requests and changes, user assumption, privileges, policies,
 * API credentials, trusted IdPs); any other id is kept as `other` with its id as the raw event
 * type, never guessed.
 *
 * @see https://developers.onelogin.com/api-docs/1/events/webhooks
 * @see https://developers.onelogin.com/api-docs/1/events/event-resource
 * @see https://developers.onelogin.com/api-docs/1/events/event-types
 * @example {"uuid":"1f0…","event_timestamp":"2026-11-18 07:55:12 UTC","event_type_id":6,"user_id":4711,
 *   "user_name":"jo@example.com","ipaddr":"198.51.100.7","error_description":"Incorrect password"}
 */
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

const Str = lazy(() => z.string().nullish());
const Id = lazy(() => z.union([z.string(), z.number()]).nullish());
// A plain (stripping) object, not z.looseObject: webhook events carry every one of ~60 fields, most
// of them null, and copying the unread ones halved the normalizer's throughput (measured 45 % → 64 %
// of the JSON limit); `raw` keeps the vendor event whole anyway.
export const OneLoginEvent = lazy(() => z.object({
  id: built(Id),
  uuid: built(Str),
  create: z.looseObject({ _id: built(Str) }).nullish(),
  event_type_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  event_timestamp: built(Str),
  created_at: built(Str),
  user_id: built(Id), user_name: built(Str), login_name: built(Str),
  actor_user_id: built(Id), actor_user_name: built(Str),
  app_id: built(Id), app_name: built(Str),
  ipaddr: built(Str), user_agent: built(Str),
  otp_device_id: built(Id), otp_device_name: built(Str),
  authentication_factor_type: built(Id), authentication_factor_description: built(Str),
  privilege_id: built(Id), privilege_name: built(Str),
  role_id: built(Id), role_name: built(Str),
  policy_id: built(Id), policy_name: built(Str),
  api_credential_name: built(Str),
  trusted_idp_name: built(Str),
  error_description: built(Str), notes: built(Str),
  risk_score: z.number().nullish(),
}));
export type OneLoginEvent = z.infer<typeof OneLoginEvent>;

// ----- Time -----

/** The webhook and SIEM form: `2017-12-05 19:13:06 UTC` (fraction digits tolerated). */
const WEBHOOK_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) UTC$/;
/** The Events API form: ISO 8601 with `Z` or an offset. */
const API_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** A OneLogin time as documented → UTC milliseconds, or null (zone-less, epoch or calendar-invalid). */
export function oneLoginTime(value: string | null | undefined): string | null {
  const s = value?.trim();
  if (!s) return null;
  const m = WEBHOOK_TIME.exec(s);
  if (m) return toIsoMillis(`${m[1]}T${m[2]}Z`);
  return API_TIME.test(s) ? toIsoMillis(s) : null;
}

// ----- Event types -----

/** Who the event is about: the user, or no user (a policy, credential or trust change). */
type Subject = 'user' | 'none';
interface Row {
  category: Category;
  outcome: Outcome;
  change?: Change;
  target?: 'role' | 'policy' | 'token' | 'idp' | 'user';
  factor?: Factor;
  subject?: Subject;
}
const row = (category: Category, outcome: Outcome = 'success', extra: Omit<Row, 'category' | 'outcome'> = {}): Row => ({ category, outcome, ...extra });

/** `event_type_id` → meaning, from OneLogin's Event Types list (`GET /api/1/events/types`). */
const TYPES: Record<number, Row> = {
  5: row('login'), // USER_LOGGED_INTO_ONELOGIN
  6: row('login', 'failure'), // USER_FAILED_ONELOGIN_LOGIN
  7: row('logout'), // USER_LOGGED_OUT_OF_ONELOGIN
  8: row('sso'), // USER_LOGGED_INTO_APP
  9: row('sso', 'failure'), // USER_FAILED_APP_LOGIN
  90: row('sso', 'failure'), // USER_UNAUTHORIZED_APP_ACCESS
  68: row('login'), // USER_AUTHENTICATED_BY_RADIUS
  69: row('login', 'failure'), // USER_REJECTED_BY_RADIUS
  122: row('login'), // USER_AUTHENTICATED_BY_API
  123: row('login', 'failure'), // USER_REJECTED_BY_API
  550: row('logout'), // FORCE_LOGOUT_USER
  // The Verify Factor API: a challenge sent, then verified or not.
  539: row('mfa_challenge', 'challenge'), // API_TRIGGER_FACTOR
  528: row('mfa_verify'), // API_VERIFY_FACTOR
  527: row('mfa_verify', 'failure'), // API_VERIFY_FACTOR_FAILED
  950: row('mfa_verify', 'denied', { factor: 'push' }), // OL_OTP_PUSH_REJECT
  22: row('factor_enroll'), // USER_ADDED_OTP_DEVICE
  540: row('factor_enroll'), // API_ADDED_OTP_DEVICE
  537: row('factor_enroll'), // API_CONFIRM_FACTOR
  538: row('factor_enroll', 'failure'), // API_CONFIRM_FACTOR_FAILED
  24: row('factor_remove'), // USER_REMOVED_OTP_DEVICE
  172: row('factor_remove'), // AUTHENTICATION_FACTOR_DELETED
  19: row('lockout', 'failure'), // USER_LOCKED
  531: row('lockout', 'failure'), // API_LOCK_USER
  553: row('lockout', 'failure'), // USER_LOCKED_VIA_API
  551: row('lockout', 'failure'), // SUSPENDED_USER_VIA_API
  12: row('unlock'), // UNLOCKED_USER
  120: row('unlock'), // UNLOCKED_USER_IN_DIRECTORY
  554: row('unlock'), // UNLOCKED_USER_VIA_API
  10: row('password_reset'), // USER_REQUESTED_NEW_PASSWORD
  11: row('password_reset', 'success', { change: 'update', target: 'user' }), // USER_CHANGED_PASSWORD
  106: row('password_reset', 'failure', { target: 'user' }), // USER_CHANGE_PASSWORD_FAILED
  211: row('password_reset', 'success', { change: 'update', target: 'user' }), // ADMIN_CHANGED_USER_PASSWORD
  3: row('impersonation', 'success', { target: 'user' }), // USER_ASSUMED_USER
  555: row('impersonation', 'success', { target: 'user' }), // EXTERNAL_ASSUME_USER
  13: row('admin'), // CREATED_USER
  72: row('role_change', 'success', { change: 'grant', target: 'role' }), // PRIVILEGE_GRANTED_TO_USER
  73: row('role_change', 'success', { change: 'revoke', target: 'role' }), // PRIVILEGE_REVOKED_FROM_USER
  2106: row('role_change', 'success', { change: 'grant', target: 'role' }), // DELEGATED_PRIVILEGE_ASSIGNED_TO_USER_VIA_API
  2107: row('role_change', 'success', { change: 'grant', target: 'role' }), // DELEGATED_PRIVILEGE_ASSIGNED_TO_USER_BY_USER
  2108: row('role_change', 'success', { change: 'revoke', target: 'role' }), // DELEGATED_PRIVILEGE_REMOVED_FROM_USER_VIA_API
  2109: row('role_change', 'success', { change: 'revoke', target: 'role' }), // DELEGATED_PRIVILEGE_REMOVED_FROM_USER_BY_USER
  156: row('policy_change', 'success', { change: 'create', target: 'policy', subject: 'none' }), // POLICY_CREATED
  157: row('policy_change', 'success', { change: 'update', target: 'policy', subject: 'none' }), // POLICY_UPDATED
  158: row('policy_change', 'success', { change: 'delete', target: 'policy', subject: 'none' }), // POLICY_DELETED
  179: row('credential_change', 'success', { change: 'create', target: 'token', subject: 'none' }), // API_CREDENTIAL_CREATED
  180: row('credential_change', 'success', { change: 'delete', target: 'token', subject: 'none' }), // API_CREDENTIAL_DELETED
  181: row('credential_change', 'success', { change: 'activate', target: 'token', subject: 'none' }), // API_CREDENTIAL_ENABLED
  182: row('credential_change', 'success', { change: 'deactivate', target: 'token', subject: 'none' }), // API_CREDENTIAL_DISABLED
  74: row('idp_change', 'success', { change: 'create', target: 'idp', subject: 'none' }), // TRUSTED_IDP_ADDED
  75: row('idp_change', 'success', { change: 'delete', target: 'idp', subject: 'none' }), // TRUSTED_IDP_REMOVED
  76: row('idp_change', 'success', { change: 'update', target: 'idp', subject: 'none' }), // TRUSTED_IDP_MODIFIED
  112: row('idp_change', 'success', { change: 'update', target: 'idp', subject: 'none' }), // TRUSTED_IDP_MADE_DEFAULT
  119: row('idp_change', 'success', { change: 'update', target: 'idp', subject: 'none' }), // TRUSTED_IDP_REMOVED_AS_DEFAULT
};
/** Categories where the actor is the admin by definition (CONTRACT §4). */
const ADMIN_CHANGES = new Set<Category>(['admin', 'policy_change', 'role_change', 'credential_change', 'idp_change', 'impersonation']);

const FACTORS: [RegExp, Factor][] = [
  [/protect|push/i, 'push'], [/sms|text/i, 'sms'], [/voice|call/i, 'voice'], [/yubi|hardware|rsa/i, 'hardware_token'],
  [/webauthn|fido|security key|passkey/i, 'webauthn'], [/google auth|authenticator|totp|otp/i, 'totp'], [/email/i, 'email'],
];
const factorOf = (s: string | null): Factor | null => (s ? FACTORS.find(([re]) => re.test(s))?.[1] ?? 'other' : null);
const idText = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? null : String(v));

function target(r: Row | undefined, e: OneLoginEvent): { id: string | null; name: string | null } {
  switch (r?.target) {
    case 'role': return { id: idText(e.privilege_id) ?? idText(e.role_id), name: text(e.privilege_name) ?? text(e.role_name) };
    case 'policy': return { id: idText(e.policy_id), name: text(e.policy_name) };
    case 'token': return { id: null, name: text(e.api_credential_name) };
    case 'idp': return { id: null, name: text(e.trusted_idp_name) };
    case 'user': return { id: idText(e.user_id), name: text(e.user_name) };
    default: return { id: null, name: null };
  }
}

/** MFA verifications are MFA; a sign-in is when it names its second factor; changes and locks are not. */
function isMfa(category: Category, secondFactor: boolean): boolean | null {
  if (category === 'mfa_verify' || category === 'mfa_challenge') return true;
  if (category === 'login') return secondFactor;
  // An app sign-in through the portal rides on the OneLogin session; it does not say whether that had MFA.
  return category === 'sso' || category === 'other' ? (secondFactor || null) : false;
}

export function mapOneLogin(e: OneLoginEvent, original: unknown): ItemResult {
  const uid = text(e.uuid) ?? text(e.create?._id) ?? idText(e.id);
  if (!uid) return reject('onelogin event has neither "uuid" nor "id"');
  const time = oneLoginTime(e.event_timestamp) ?? oneLoginTime(e.created_at);
  if (!time) return reject(`onelogin event ${uid}: neither "event_timestamp" nor "created_at" is a time ("YYYY-MM-DD hh:mm:ss UTC" or ISO 8601 with a zone)`);
  const typeId = Number(e.event_type_id);
  const r = TYPES[typeId];
  const factorRaw = text(e.authentication_factor_description) ?? text(e.otp_device_name) ?? idText(e.authentication_factor_type);
  const secondFactor = !!(text(e.otp_device_name) || e.authentication_factor_type || text(e.authentication_factor_description));
  const category = r?.category ?? 'other';
  const adminChange = ADMIN_CHANGES.has(category);
  const actorId = idText(e.actor_user_id);
  const actorDiffers = actorId !== null && actorId !== idText(e.user_id);
  const showActor = actorDiffers || (adminChange && actorId !== null && category !== 'impersonation');
  const aboutUser = r?.subject !== 'none';
  const login = aboutUser ? text(e.user_name) ?? text(e.login_name) : null;
  const t = target(r, e);
  const factorish = category.startsWith('factor_') || category === 'mfa_verify' || category === 'mfa_challenge';
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: `event_type_id:${typeId}`,
    category,
    outcome: r?.outcome ?? 'unknown',
    reason: r?.outcome === 'failure' || r?.outcome === 'denied' ? (text(e.error_description) ?? text(e.notes)) : null,
    is_mfa: isMfa(category, secondFactor),
    factor: r?.factor ?? (category === 'login' ? (secondFactor ? factorOf(factorRaw) : null) : factorish ? factorOf(factorRaw) : null),
    factor_raw: factorRaw,
    user_id: aboutUser ? idText(e.user_id) : null,
    user_login: login,
    user_email: looksLikeEmail(login) ? login.toLowerCase() : null,
    actor_id: showActor ? actorId : null,
    actor_login: showActor ? text(e.actor_user_name) : null,
    src_ip: cleanIp(e.ipaddr),
    user_agent: text(e.user_agent),
    device_id: idText(e.otp_device_id),
    device_name: text(e.otp_device_name),
    app_id: idText(e.app_id),
    app_name: text(e.app_name),
    risk_level: typeof e.risk_score === 'number' ? String(e.risk_score) : null,
    target_type: r?.target ?? null,
    target_id: t.id,
    target_name: t.name,
    change: r?.change ?? null,
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const onelogin: Normalizer = {
  kind: 'onelogin',
  docs: 'https://developers.onelogin.com/api-docs/1/events/event-resource',
  unwrap(payload) {
    // JSON Array webhooks, and SIEM (NDJSON) bodies, which the intake parses into an array of lines.
    if (Array.isArray(payload)) return payload.flatMap((p) => onelogin.unwrap(p));
    if (isObject(payload) && Array.isArray(payload['data'])) return payload['data'];
    return [payload];
  },
  normalize(item) {
    const p = parseItem(OneLoginEvent, item, 'onelogin');
    return p.ok ? mapOneLogin(p.value, item) : p.result;
  },
};
