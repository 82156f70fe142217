/**
 * JumpCloud Directory Insights events, as the Directory Insights API returns them (a JSON array
 * per page; client in `pull.ts`) or as an export posts them: one flat object per event whose
 * fields depend on its `service` — `directory` (Admin and User Portal logins, admin changes),
 * `sso`, `radius`, `ldap`, `systems` (device logins), `mdm`, `password_manager`, …
 *
 * Who is who: `initiated_by` is whoever acted (`type` `admin`, `user`/`systemuser`, …) and
 * `resource` the object the event changed or that attempted the login (`systemuser`, `admin`,
 * `policy`, `user_group`, …). A sign-in's subject is its resource or initiator; an admin change has
 * the admin as actor and the affected user (a user or admin resource) as subject, or no subject.
 *
 * @see https://docs.jumpcloud.com/api/insights/directory/1.0/index.html (Schemas, Event Types)
 * @see https://github.com/TheJumpCloud/jcapi-powershell (SDKs/PowerShell/JumpCloud.SDK.DirectoryInsights/custom/JumpCloud.SDK.DirectoryInsights.json)
 * @see https://jumpcloud.com/support/use-directory-insights-api
 * @example {"id":"64f…","timestamp":"2026-11-20T10:00:00.123Z","event_type":"sso_auth","service":"sso","success":true,
 *   "mfa":true,"mfa_meta":{"type":"totp"},"initiated_by":{"type":"user","username":"jo"},"client_ip":"198.51.100.7"}
 */
import * as z from 'zod';
import { lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, lat, lon, looksLikeEmail, text, toCountryCode, toIsoMillis, table } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

/**
 * Only what identifies an event is required. Every other field varies by service (and JumpCloud
 * documents some loosely: `mfa_meta` as a string, `geoip.latitude` as a string in MTP events,
 * `initiated_by` as a list in alert events), so they are read defensively, never rejected.
 */
export const JumpCloudEvent = lazy(() => z.looseObject({
  id: z.union([z.string().min(1), z.number()]),
  timestamp: z.union([z.string().min(1), z.number()]),
  event_type: z.string().min(1),
}));
/** The fields the mapping reads; every one optional and of any type (see above). */
type Loose = Partial<Record<'service' | 'success' | 'sso_token_success' | 'mfa' | 'mfa_meta' | 'auth_method' | 'auth_context' | 'auth_meta'
  | 'error_message' | 'message' | 'username' | 'client_ip' | 'src_ip' | 'initiated_by' | 'resource' | 'changes' | 'correlation'
  | 'application' | 'system' | 'geoip' | 'useragent' | 'user_agent' | 'outer' | 'auth_type' | 'eap_type', unknown>>;
export type JumpCloudEvent = z.infer<typeof JumpCloudEvent> & Loose;

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null);
const str = (o: Obj | null, key: string): string | null => (o ? text(o[key]) : null);
const lower = (o: Obj | null, key: string): string => str(o, key)?.toLowerCase() ?? '';

interface EventTypeInfo { category: Category; change?: Change; factor?: Factor; selfCategory?: Category }

/** The documented event types (Directory Insights API, "Event Types"), by what they mean for an audit. */
const EVENT_TYPES = table<EventTypeInfo>({
  // Sign-ins: Admin Portal, User Portal, SSO apps, RADIUS (documented `radius_auth`; tenants emit
  // `radius_auth_attempt`), LDAP binds, device logins.
  admin_login_attempt: { category: 'login' },
  user_login_attempt: { category: 'login' },
  sso_auth: { category: 'sso' },
  radius_auth: { category: 'login' },
  radius_auth_attempt: { category: 'login' },
  ldap_bind: { category: 'login' },
  login_attempt: { category: 'login' },
  password_manager_unlock: { category: 'login' },
  // Unlocking the password manager's vault on a device is not an account unlock.
  passwordmanager_app_unlock: { category: 'other' },
  passwordmanager_extension_unlock: { category: 'other' },
  // TOTP: an enrollment counts when finished; starting one changes nothing yet.
  totp_start_enrollment: { category: 'other' },
  admin_totp_start_enrollment: { category: 'other' },
  totp_finish_enrollment: { category: 'factor_enroll', factor: 'totp' },
  admin_totp_finish_enrollment: { category: 'factor_enroll', factor: 'totp' },
  totp_delete_enrollment: { category: 'factor_remove', factor: 'totp' },
  admin_totp_disable: { category: 'factor_remove', factor: 'totp' },
  user_lockout: { category: 'lockout' },
  admin_lockout: { category: 'lockout' },
  user_unlocked: { category: 'unlock' },
  user_password_reset_request: { category: 'password_reset' },
  admin_password_reset_request: { category: 'password_reset' },
  // A password changed by someone else (an admin) is a reset; by its owner it is not.
  user_password_change: { category: 'password_reset', selfCategory: 'other' },
  admin_password_change: { category: 'password_reset', selfCategory: 'other' },
  // Admin accounts and privileges: an admin created is admin access granted.
  admin_create: { category: 'role_change', change: 'grant' },
  admin_delete: { category: 'role_change', change: 'revoke' },
  user_group_admin_grant: { category: 'role_change', change: 'grant' },
  user_group_admin_revoke: { category: 'role_change', change: 'revoke' },
  user_admin_granted: { category: 'role_change', change: 'grant' },
  user_admin_revoked: { category: 'role_change', change: 'revoke' },
  // Device policies and conditional access (authentication) policies.
  policy_create: { category: 'policy_change' },
  policy_update: { category: 'policy_change' },
  policy_delete: { category: 'policy_change' },
  authnpolicy_create: { category: 'policy_change' },
  authnpolicy_update: { category: 'policy_change' },
  authnpolicy_delete: { category: 'policy_change' },
  authpolicy_update: { category: 'policy_change' },
  // Identity sources JumpCloud can delegate authentication to (AD, AD Bridge, Google, M365).
  activedirectory_create: { category: 'idp_change' },
  activedirectory_delete: { category: 'idp_change' },
  idsource_create: { category: 'idp_change' },
  idsource_update: { category: 'idp_change' },
  idsource_delete: { category: 'idp_change' },
  gsuite_directory_create: { category: 'idp_change' },
  gsuite_directory_update: { category: 'idp_change' },
  gsuite_directory_delete: { category: 'idp_change' },
  o365_directory_create: { category: 'idp_change' },
  o365_directory_update: { category: 'idp_change' },
  o365_directory_delete: { category: 'idp_change' },
  // An admin's remote-assist session on a user's device.
  remote_session_start: { category: 'impersonation', change: 'activate' },
  remote_session_end: { category: 'impersonation', change: 'deactivate' },
});

/** Categories whose initiator is the actor even when no user is affected. */
const ACTOR_CATEGORIES = new Set<Category>(['admin', 'policy_change', 'role_change', 'credential_change', 'idp_change', 'impersonation']);
const LOGIN_CATEGORIES = new Set<Category>(['login', 'sso']);
/** `<object>_<verb>` event types: the verb is the change. */
const VERB_CHANGES = table<Change>({
  create: 'create', add: 'create', include: 'create', update: 'update', patch: 'update', change: 'update',
  delete: 'delete', remove: 'delete', exclude: 'delete', activate: 'activate', unsuspend: 'activate',
  deactivate: 'deactivate', suspended: 'deactivate', grant: 'grant', granted: 'grant', revoke: 'revoke', revoked: 'revoke',
});
/** JumpCloud resource types → canonical `target_type`. */
const TARGET_TYPES = table<string>({
  systemuser: 'user', user: 'user', admin: 'admin', user_group: 'group', usergroup: 'group', group: 'group',
  system_group: 'group', policy: 'policy', authnpolicy: 'policy', authpolicy: 'policy', application: 'app',
  system: 'device', radiusserver: 'radius_server', iplist: 'ip_list',
});
const USER_RESOURCES = new Set(['systemuser', 'user', 'admin']);

// Unknown event types: factor changes and lockouts recognized by name (removal checked first:
// `totp_delete_enrollment` names an enrollment but removes it).
const FACTOR_REMOVE = /(totp|mfa|webauthn|factor).*(reset|delete|remove|disable)/i;
const FACTOR_ENROLL = /(totp|mfa|webauthn|factor).*(enroll|setup|create|add)|(enroll|setup).*(totp|mfa|webauthn)/i;
const LOCKOUT = /lockout|locked/i;
const UNLOCK = /unlock/i;
const DENIAL = /deni|reject|declin/i;
const ROLE_FIELD = /role/i;
const RESET = /reset/i;

const FACTORS: [RegExp, Factor][] = [
  [/protect|push/i, 'push'], [/totp|otp/i, 'totp'], [/webauthn|fido|security.?key|u2f/i, 'webauthn'],
  [/duo/i, 'other'], [/email/i, 'email'], [/sms/i, 'sms'], [/password/i, 'password'], [/cert|tls/i, 'certificate'],
];
const jcFactor = (raw: string | null): Factor | null => (raw ? FACTORS.find(([re]) => re.test(raw))?.[1] ?? null : null);

function categoryOf(type: string, info: EventTypeInfo | undefined, initiatorIsAdmin: boolean): Category {
  if (info) return info.category;
  if (FACTOR_REMOVE.test(type)) return RESET.test(type) ? 'factor_reset' : 'factor_remove';
  if (FACTOR_ENROLL.test(type)) return 'factor_enroll';
  if (LOCKOUT.test(type)) return 'lockout';
  if (UNLOCK.test(type)) return 'unlock';
  return initiatorIsAdmin ? 'admin' : 'other';
}

/** `mfa_meta.type`, documented as an object and as a JSON string. */
function mfaType(meta: unknown): string | null {
  if (typeof meta === 'string' && meta.startsWith('{')) {
    try { return text((JSON.parse(meta) as Obj)['type']); } catch { return null; }
  }
  return str(rec(meta), 'type');
}

/** The second factor that succeeded, from `auth_context.auth_methods` (portal logins) or `auth_meta.auth_methods` (LDAP). */
function passedSecondFactor(e: JumpCloudEvent): string | null {
  const methods = rec(rec(e.auth_context)?.['auth_methods']) ?? rec(rec(e.auth_meta)?.['auth_methods']);
  if (!methods) return null;
  for (const name in methods) if (name !== 'password' && rec(methods[name])?.['success'] === true) return name;
  return null;
}

/** A login's factor: the MFA method when MFA was used, else the primary credential when the event says it. */
function loginFactor(e: JumpCloudEvent, mfa: boolean | null, second: string | null, metaType: string | null): Factor | null {
  if (mfa) return jcFactor(metaType) ?? jcFactor(second) ?? 'other';
  const meta = rec(e.auth_meta);
  if (meta?.['user_cert_enabled'] === true || text(e.eap_type)?.toUpperCase() === 'TLS') return 'certificate';
  return jcFactor(text(e.auth_method)) ?? (text(e.auth_type) || e.event_type === 'ldap_bind' ? 'password' : null);
}

const sameAccount = (a: Obj, b: Obj) => {
  const ida = str(a, 'id');
  if (ida && ida === str(b, 'id')) return true;
  const ea = str(a, 'email') ?? str(a, 'username');
  return !!ea && ea === (str(b, 'email') ?? str(b, 'username'));
};

interface Target { type: string | null; id: string | null; name: string | null }

/** The object a schema-v2 change acted on: the event's `resource` (or, for a role change, the role). */
function changeTarget(e: JumpCloudEvent, category: Category, resource: Obj | null): Target | null {
  if (category === 'role_change') {
    const roleChange = Array.isArray(e.changes) ? e.changes.map(rec).find((c) => !!c && ROLE_FIELD.test(String(c['field']))) : null;
    const role = str(resource, 'roleName') ?? str(resource, 'role') ?? str(roleChange ?? null, 'to');
    if (role) return { type: 'role', id: str(resource, 'roleId'), name: role };
  }
  if (!resource) return null;
  const raw = lower(resource, 'type');
  const type = category === 'idp_change' ? 'idp' : category === 'policy_change' ? 'policy' : TARGET_TYPES[raw] ?? (raw || null);
  return {
    type,
    id: str(resource, 'id') ?? str(resource, 'object_id'),
    name: str(resource, 'name') ?? str(resource, 'display_label') ?? str(resource, 'displayName') ?? str(resource, 'username') ?? str(resource, 'email'),
  };
}

export function mapJumpCloud(e: JumpCloudEvent, original: unknown): ItemResult {
  const time = toIsoMillis(e.timestamp);
  if (!time) return reject(`jumpcloud event ${String(e.id)}: "timestamp" is not a time`);
  const type = e.event_type;
  const info = EVENT_TYPES[type];
  const initiator = rec(e.initiated_by);
  const resource = rec(e.resource);
  const initiatorIsAdmin = lower(initiator, 'type') === 'admin';
  const affected = resource && USER_RESOURCES.has(lower(resource, 'type')) ? resource : null;
  const byOther = !!(affected && initiator && !sameAccount(initiator, affected));
  let category = categoryOf(type, info, initiatorIsAdmin);
  if (info?.selfCategory && !byOther) category = info.selfCategory;
  // An admin account updated: a role change when the role is among the changes (the new role granted).
  const roleChanged = type === 'admin_update' && Array.isArray(e.changes) && e.changes.some((c) => ROLE_FIELD.test(String(rec(c)?.['field'])));
  if (roleChanged) category = 'role_change';

  // The subject: whoever signed in (the resource that attempted the login, else the initiator);
  // for anything else the affected user, else — for self-service events — the initiator.
  const isLogin = LOGIN_CATEGORIES.has(category);
  const actorCategory = ACTOR_CATEGORIES.has(category);
  const subject = isLogin ? affected ?? initiator : affected ?? (actorCategory ? null : initiator);
  const actor = isLogin ? null : actorCategory ? initiator : byOther ? initiator : null;

  const mfa = typeof e.mfa === 'boolean' ? e.mfa : null;
  const metaType = mfaType(e.mfa_meta);
  const second = isLogin ? passedSecondFactor(e) : null;
  const usedMfa = mfa ?? (second ? true : null);
  // `auth_method` is a credential on sign-ins (`password`, LDAP `simple`) but `session`/`api-key` on admin changes.
  const authMethod = text(e.auth_method);
  const factorRaw = metaType ?? (usedMfa ? second : null) ?? (isLogin || jcFactor(authMethod) ? authMethod : null);
  const isFactorChange = category.startsWith('factor_');
  const factor = isLogin ? loginFactor(e, usedMfa, second, metaType) : isFactorChange ? info?.factor ?? jcFactor(factorRaw ?? type) ?? 'other' : null;

  // SSO events may carry only `sso_token_success` (whether JumpCloud issued the assertion).
  const ok = typeof e.success === 'boolean' ? e.success : typeof e.sso_token_success === 'boolean' ? e.sso_token_success : null;
  const failure = text(e.error_message) ?? text(e.message) ?? str(rec(e.outer), 'error_message');
  // A push the user turned down is a denial, not a wrong password.
  const denied = ok === false && factor === 'push' && !!failure && DENIAL.test(failure);
  const outcome: Outcome = denied ? 'denied' : ok === true ? 'success' : ok === false ? 'failure' : 'unknown';

  const login = str(subject, 'username') ?? (subject === initiator || isLogin ? text(e.username) : null) ?? str(subject, 'email');
  const email = str(subject, 'email') ?? str(subject, 'recipient_email');
  const isChange = actorCategory || category === 'password_reset';
  const target = isChange ? changeTarget(e, category, resource) : null;
  const verb = type.slice(type.lastIndexOf('_') + 1);
  const system = rec(e.system) ?? rec(rec(e.auth_context)?.['system']);
  const geo = rec(e.geoip);
  const ua = rec(e.useragent) ?? rec(e.user_agent);
  const app = rec(e.application);
  const isSystems = text(e.service) === 'systems';

  return event(canonical({
    event_uid: String(e.id),
    event_time: time,
    raw_event_type: type,
    category,
    outcome,
    reason: ok === false ? failure : null,
    is_mfa: isLogin ? usedMfa : category === 'other' || category === 'admin' ? null : false,
    factor,
    factor_raw: factorRaw ?? (isFactorChange ? type : null),
    user_id: str(subject, 'id'),
    user_login: login,
    user_email: looksLikeEmail(email) ? email.toLowerCase() : looksLikeEmail(login) ? login.toLowerCase() : null,
    actor_id: str(actor, 'id'),
    actor_login: str(actor, 'email') ?? str(actor, 'username'),
    // A device login's `src_ip` is where the user came from; `client_ip` is the agent's.
    src_ip: isSystems ? cleanIp(e.src_ip) ?? cleanIp(e.client_ip) : cleanIp(e.client_ip) ?? cleanIp(e.src_ip),
    os: str(ua, 'os_full') ?? str(ua, 'os') ?? str(ua, 'os_name'),
    browser: [str(ua, 'name'), str(ua, 'major')].filter(Boolean).join(' ') || null,
    device_id: str(system, 'id'),
    device_name: str(system, 'displayName') ?? str(system, 'hostname'),
    geo_country: toCountryCode(geo?.['country_code'] ?? geo?.['country_code2']),
    geo_region: str(geo, 'region_name'),
    geo_lat: lat(geo?.['latitude']),
    geo_lon: lon(geo?.['longitude']),
    correlation_id: str(rec(e.correlation), 'id'),
    app_id: str(app, 'id'),
    app_name: str(app, 'display_label') ?? str(app, 'name'),
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    target_name: target?.name ?? null,
    change: actorCategory ? info?.change ?? (roleChanged ? 'grant' : VERB_CHANGES[verb] ?? null) : null,
    raw: JSON.stringify(original),
  }));
}

export const jumpcloud: Normalizer = {
  kind: 'jumpcloud',
  docs: 'https://docs.jumpcloud.com/api/insights/directory/1.0/index.html',
  unwrap(payload) {
    return Array.isArray(payload) ? payload.flatMap((p) => jumpcloud.unwrap(p)) : [payload];
  },
  normalize(item) {
    const p = parseItem(JumpCloudEvent, item, 'jumpcloud');
    return p.ok ? mapJumpCloud(p.value, item) : p.result;
  },
};
