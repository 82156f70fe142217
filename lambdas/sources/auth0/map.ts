/**
 * Auth0 tenant logs, from a custom webhook log stream (a JSON array, NDJSON or a single object
 * of `{"log_id", "data": {...}}`), from the Amazon EventBridge log stream (`detail` is the same
 * object) and from the Management API `GET /api/v2/logs` (flat log objects).
 *
 * Log type codes follow Auth0's list (sign-ins, Guardian MFA, token exchanges with an MFA
 * challenge, password changes, blocks). Management API operations (`sapi` / `fapi`) are read from
 * `details.request` (method, path, body; the caller in `auth.user`): role assignments are
 * `role_change`, client secrets, client credentials, client grants and new machine-to-machine
 * clients `credential_change`, connections `idp_change`, Guardian factors and policies and attack
 * protection `policy_change`, password-change tickets and passwords set by an admin
 * `password_reset`, removed authenticators `factor_remove`, user blocks `lockout` / `unlock`. For
 * these the caller is the actor and the user only the one the path or body names.
 *
 * @see https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes
 * @see https://github.com/auth0/auth0-log-schemas
 * @see https://auth0.com/docs/customize/log-streams/custom-log-streams
 * @see https://auth0.com/docs/customize/log-streams/amazon-eventbridge
 * @see https://auth0.com/docs/api/management/v2
 * @example {"log_id":"90020261120…","data":{"date":"2026-11-20T10:00:00.123Z","type":"gd_auth_rejected",
 *   "user_id":"auth0|6543…","user_name":"jo@example.com","ip":"198.51.100.7","client_name":"Payroll"}}
 */
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, lat, lon, looksLikeEmail, text, toCountryCode, toIsoMillis, table } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer, type ChangeVerdict } from '../../core/normalizer.ts';

const Str = lazy(() => z.string().nullish());
export const Auth0Log = lazy(() => z.looseObject({
  date: z.string().min(1),
  type: z.string().min(1),
  description: built(Str),
  log_id: built(Str),
  _id: built(Str),
  client_id: built(Str), client_name: built(Str),
  ip: built(Str), user_agent: built(Str),
  user_id: built(Str), user_name: built(Str),
  connection: built(Str), strategy: built(Str), strategy_type: built(Str),
  hostname: built(Str),
  // Read key by key where used: validating every detail (and copying the map) costs more than the mapping.
  details: z.unknown().optional(),
  location_info: z.looseObject({
    country_code: built(Str), country_name: built(Str), city_name: built(Str), subdivision_name: built(Str),
    latitude: z.union([z.number(), z.string()]).nullish(), longitude: z.union([z.number(), z.string()]).nullish(),
  }).nullish(),
}));
export type Auth0Log = z.infer<typeof Auth0Log>;

type Row = { category: Category; outcome: Outcome; factor?: Factor; mfa?: boolean };
/** Event codes that matter for sign-in and MFA audits; others keep their code as `other`. */
const CODES = table<Row>({
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
  // Token exchanges that carried an MFA challenge (Resource Owner Password + OTP / out-of-band).
  seotpft: { category: 'mfa_verify', outcome: 'success', factor: 'totp', mfa: true },
  feotpft: { category: 'mfa_verify', outcome: 'failure', factor: 'totp', mfa: true },
  fepotpft: { category: 'mfa_verify', outcome: 'failure', factor: 'totp', mfa: true },
  seoobft: { category: 'mfa_verify', outcome: 'success', mfa: true },
  feoobft: { category: 'mfa_verify', outcome: 'failure', mfa: true },
  gd_webauthn_challenge_failed: { category: 'mfa_verify', outcome: 'failure', factor: 'webauthn', mfa: true },
  // Password changes and change requests (the reset e-mail or ticket).
  scp: { category: 'password_reset', outcome: 'success', factor: 'password' },
  fcp: { category: 'password_reset', outcome: 'failure', factor: 'password' },
  scpr: { category: 'password_reset', outcome: 'success', factor: 'password' },
  fcpr: { category: 'password_reset', outcome: 'failure', factor: 'password' },
  reset_pwd_leak: { category: 'password_reset', outcome: 'failure', factor: 'password' },
  // Guardian (MFA) settings of the tenant changed.
  gd_tenant_update: { category: 'policy_change', outcome: 'success' },
});

const NO_DETAILS = table<unknown>({});

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

const MFA_PROMPT = /mfa|guardian|otp|webauthn/i;
/** Successful logins that ran an MFA prompt say so in `details.prompts` (its name, or `mfa` in its performed AMR). */
function promptsHadMfa(details: Record<string, unknown> | null | undefined): boolean {
  const prompts = details?.['prompts'];
  return Array.isArray(prompts) && prompts.some((p) => {
    if (!isObject(p)) return false;
    const amr = p['performed_amr'];
    return MFA_PROMPT.test(String(p['name'] ?? '')) || (Array.isArray(amr) && amr.includes('mfa'));
  });
}

/** Where the sign-in's first factor was checked, from the connection's strategy type. */
function firstFactor(l: Auth0Log): Factor | null {
  const type = text(l.strategy_type)?.toLowerCase();
  if (type === 'social' || type === 'enterprise') return 'external_idp';
  if (type === 'passwordless') return text(l.strategy)?.toLowerCase() === 'sms' ? 'sms' : 'email';
  return 'password';
}

export function mapAuth0(l: Auth0Log, uid: string, original: unknown): ItemResult {
  const time = toIsoMillis(l.date);
  if (!time) return reject(`auth0 log ${uid}: "date" is not a time`);
  if (l.type === 'sapi' || l.type === 'fapi') return mapManagementApi(l, uid, time, original);
  const row = CODES[l.type];
  const details = isObject(l.details) ? l.details : NO_DETAILS;
  const factorRaw = detailFactor(details);
  let factor = row?.factor ?? auth0Factor(factorRaw);
  let category = row?.category ?? 'other';
  const outcome = row?.outcome ?? (l.type.startsWith('f') ? 'failure' : l.type.startsWith('s') ? 'success' : 'unknown');
  let isMfa = row?.mfa ?? (category === 'login' || category === 'sso' ? promptsHadMfa(details) : category === 'other' ? null : false);
  // A Guardian authenticator used as the first factor (passwordless) is a sign-in step, not MFA.
  if (row?.mfa && details['first_factor'] === true) { category = 'login'; isMfa = false; }
  if (category === 'login' && outcome === 'success' && !isMfa && !factor) {
    factor = firstFactor(l);
    // A social or enterprise sign-in is decided at that identity provider, whose own events say whether it asked for MFA.
    if (factor === 'external_idp') isMfa = null;
  }
  // A tenant-settings change names the admin who made it as its user: the actor, with no user affected.
  const byAdmin = category === 'policy_change';
  const userName = byAdmin ? null : text(l.user_name);
  const loc = l.location_info;
  const risk = isObject(details['riskAssessment']) ? details['riskAssessment'] : l.type === 'mfar' ? details : null;
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: l.type,
    category,
    outcome,
    reason: outcome === 'success' || outcome === 'challenge' ? null : (text(l.description) ?? text(details['error']) ?? null),
    is_mfa: isMfa,
    factor,
    factor_raw: factorRaw,
    user_id: byAdmin ? null : text(l.user_id),
    user_login: userName,
    user_email: looksLikeEmail(userName) ? userName.toLowerCase() : null,
    actor_id: byAdmin ? text(l.user_id) : null,
    actor_login: byAdmin ? text(l.user_name) : null,
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
    // Adaptive MFA's overall confidence (low / medium / high / neutral) in the sign-in; a sign-in
    // attempt with a password Auth0 knows from a breach is `leaked_password`.
    risk_level: l.type === 'pwd_leak' ? 'leaked_password' : risk ? text(risk['confidence']) : null,
    target_type: byAdmin ? 'policy' : null,
    target_name: byAdmin ? 'guardian' : null,
    change: byAdmin ? 'update' : null,
    raw: JSON.stringify(original),
  }));
}

// ----- Management API operations (sapi / fapi) -----

type ApiChange = ChangeVerdict;

const API_PREFIX = /^\/api\/v2\//;
const WRITE_VERBS = table<Change>({ post: 'create', put: 'update', patch: 'update', delete: 'delete' });
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.flatMap((x) => { const t = text(x); return t ? [t] : []; }) : []);
const joinedIds = (v: unknown) => { const l = asList(v); return l.length ? l.join(',') : null; };
/** `auth0%7C123` in a path → `auth0|123`. */
const pathId = (s: string | undefined) => { if (!s) return null; try { return text(decodeURIComponent(s)); } catch { return text(s); } };

/** What a Management API call changed, from its method, path and body. */
export function managementApiChange(method: string, path: string, body: Record<string, unknown>, response: Record<string, unknown>, accessedSecrets: string[], list?: readonly unknown[]): ApiChange {
  const seg = path.replace(API_PREFIX, '').split('?')[0]!.split('/');
  const [root, id, sub, subId, subSub] = seg;
  const verb = WRITE_VERBS[method] ?? null;
  const grant: Change | null = method === 'post' ? 'grant' : method === 'delete' ? 'revoke' : null;
  switch (root) {
    case 'users': {
      const user = pathId(id);
      if (sub === 'roles') return { category: 'role_change', change: grant, target_type: 'role', target_id: joinedIds(body['roles']), user_id: user };
      if (sub === 'permissions') return { category: 'role_change', change: grant, target_type: 'permission', target_id: joinedIds(asPermissionNames(body['permissions'])), user_id: user };
      if ((sub === 'authenticators' || sub === 'authentication-methods') && method === 'delete')
        return { category: subId ? 'factor_remove' : 'factor_reset', user_id: user };
      if (sub === 'multifactor' && method === 'delete') return { category: 'factor_remove', user_id: user };
      if (sub === 'recovery-code-regeneration') return { category: 'factor_reset', user_id: user };
      if (!sub && method === 'patch' && 'password' in body) return { category: 'password_reset', change: 'update', target_type: 'user', target_id: user, user_id: user };
      if (!sub && method === 'patch' && typeof body['blocked'] === 'boolean') return { category: body['blocked'] ? 'lockout' : 'unlock', user_id: user };
      return { category: 'admin', change: verb, target_type: 'user', target_id: user, user_id: user };
    }
    case 'user-blocks':
      return method === 'delete' ? { category: 'unlock', user_id: pathId(id) } : { category: 'admin', user_id: pathId(id) };
    case 'roles':
      if (sub === 'users') { const users = asList(body['users']); return { category: 'role_change', change: grant, target_type: 'role', target_id: pathId(id), user_id: users.length === 1 ? users[0]! : null }; }
      return { category: 'admin', change: verb, target_type: 'role', target_id: pathId(id), target_name: text(body['name']) };
    case 'organizations':
      if (sub === 'members' && subSub === 'roles') return { category: 'role_change', change: grant, target_type: 'role', target_id: joinedIds(body['roles']), user_id: pathId(subId) };
      return { category: 'admin', change: verb, target_type: 'organization', target_id: pathId(id) };
    case 'clients': {
      const app = { target_type: 'app', target_id: pathId(id) ?? text(response['client_id']), target_name: text(response['name']) ?? text(body['name']) };
      if (sub === 'rotate-secret') return { category: 'credential_change', change: 'create', ...app };
      if (sub === 'credentials') return { category: 'credential_change', change: method === 'delete' ? 'revoke' : verb, ...app };
      // A new client that was issued a secret (a machine-to-machine or confidential client) is a new API credential.
      if (!id && method === 'post' && (accessedSecrets.includes('client_secret') || 'client_secret' in response))
        return { category: 'credential_change', change: 'create', ...app };
      return { category: 'admin', change: verb, ...app };
    }
    case 'client-grants':
      return { category: 'credential_change', change: verb, target_type: 'app', target_id: text(body['client_id']) ?? text(response['client_id']) ?? pathId(id), target_name: text(body['audience']) ?? text(response['audience']) };
    case 'connections':
      return { category: 'idp_change', change: verb, target_type: 'idp', target_id: pathId(id) ?? text(response['id']), target_name: text(body['name']) ?? text(response['name']) };
    case 'guardian':
      if (id === 'enrollments' && method === 'delete') return { category: 'factor_remove' };
      // `PUT /guardian/policies` with `[]` is "never require MFA"; `["all-applications"]` or `["confidence-score"]` require it.
      if (id === 'policies' && method === 'put' && list) return { category: 'policy_change', change: list.length ? 'activate' : 'deactivate', target_type: 'policy', target_id: 'policies', target_name: 'policies' };
      return { category: 'policy_change', change: toggled(body) ?? verb, target_type: 'policy', target_id: [id, sub].filter(Boolean).join('/') || null, target_name: text(sub) ?? text(id) };
    case 'attack-protection':
      return { category: 'policy_change', change: toggled(body) ?? verb, target_type: 'policy', target_id: id ? `attack-protection/${id}` : 'attack-protection', target_name: text(id) };
    case 'tickets':
      if (id === 'password-change') return { category: 'password_reset', target_type: 'user', target_id: text(body['user_id']), user_id: text(body['user_id']) };
      return { category: 'admin', user_id: text(body['user_id']) };
    default:
      return { category: 'admin', change: verb };
  }
}
/** `{"enabled": false}` turns a factor or a protection off. */
const toggled = (body: Record<string, unknown>): Change | null => (typeof body['enabled'] === 'boolean' ? (body['enabled'] ? 'activate' : 'deactivate') : null);
/** Permission bodies are `[{"permission_name","resource_server_identifier"}]`. */
const asPermissionNames = (v: unknown): unknown[] => (Array.isArray(v) ? v.map((p) => (isObject(p) ? p['permission_name'] : p)) : []);

function mapManagementApi(l: Auth0Log, uid: string, time: string, original: unknown): ItemResult {
  const details = isObject(l.details) ? l.details : NO_DETAILS;
  const request = isObject(details['request']) ? details['request'] : {};
  const response = isObject(details['response']) ? details['response'] : {};
  const body = isObject(request['body']) ? request['body'] : {};
  const c = managementApiChange(String(request['method'] ?? '').toLowerCase(), String(request['path'] ?? ''), body,
    isObject(response['body']) ? response['body'] : {}, asList(details['accessedSecrets']), Array.isArray(request['body']) ? request['body'] : undefined);
  // The caller: a dashboard or API user, else the machine-to-machine client that called.
  const caller = isObject(request['auth']) && isObject(request['auth']['user']) ? request['auth']['user'] : {};
  const failed = l.type === 'fapi';
  const answer = isObject(response['body']) ? response['body'] : {};
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: l.type,
    category: c.category,
    outcome: failed ? 'failure' : 'success',
    reason: failed ? text(answer['message']) ?? text(answer['error']) ?? text(l.description) : null,
    is_mfa: false,
    user_id: c.user_id ?? null,
    actor_id: text(caller['user_id']) ?? text(l.user_id) ?? text(l.client_id),
    actor_login: text(caller['email']) ?? text(caller['name']) ?? text(l.user_name) ?? text(l.client_name),
    src_ip: cleanIp(l.ip),
    user_agent: text(l.user_agent),
    correlation_id: text(request['id']),
    app_id: text(l.client_id),
    app_name: text(l.client_name),
    target_type: c.target_type ?? null,
    target_id: c.target_id ?? null,
    target_name: c.target_name ?? null,
    change: c.change ?? null,
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
