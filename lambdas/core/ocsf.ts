/**
 * The OCSF 1.3.0 projection of the canonical event (CONTRACT §4): an export format, never the
 * storage schema. Pure: one `AuthEvent` in, one OCSF event (or a reason it has no OCSF class) out.
 *
 * Classes, each in category 3 Identity & Access Management:
 * - Authentication (3002): sign-ins, sign-outs, SSO, every MFA step, fraud reports and
 *   impersonation (an admin or vendor support signing in as the user: a logon whose actor is not
 *   the user).
 * - Account Change (3001): what happens to one user's account — factor enrolment and removal,
 *   password resets, lock and unlock, and an admin creating, enabling, disabling or deleting a
 *   user or attaching / detaching a policy to them.
 * - User Access Management (3005): `role_change` that names the user — a privilege (the role or
 *   privileged group) assigned to or revoked from them.
 * - Group Management (3006): an admin adding a user to or removing one from a group.
 * - Entity Management (3004): every other administrative change of a managed object — policies
 *   (`policy_change`), API tokens and client secrets (`credential_change`), identity providers
 *   (`idp_change`), roles changed without a user, apps and the rest of `admin`. OCSF's other IAM
 *   classes do not fit these: Authorize Session (3003) is about privileges of a session, not
 *   their administration.
 * - `other` and uncategorized events have no OCSF class and are not exported.
 *
 * Every class/category/activity/status/severity value below is the OCSF 1.3.0 enum value (schema
 * repository github.com/ocsf/ocsf-schema, tag 1.3.0); the tests validate every mapped event of
 * every vendor fixture against those definitions (test/fixtures/ocsf/ocsf-1.3.0-subset.json).
 */
import { isIP } from 'node:net';
import type { AuthEvent, Category, Outcome } from './event.ts';

export const OCSF_VERSION = '1.3.0';
export const IAM_CATEGORY = { uid: 3, name: 'Identity & Access Management' } as const;

/**
 * `source`: the Security Lake custom source of the class (one per class; at most 20 characters,
 * as Security Lake names the provider role after it).
 */
export const OCSF_CLASSES = {
  account_change: { uid: 3001, name: 'Account Change', source: 'authtrail-account' },
  authentication: { uid: 3002, name: 'Authentication', source: 'authtrail-auth' },
  entity_management: { uid: 3004, name: 'Entity Management', source: 'authtrail-entity' },
  user_access: { uid: 3005, name: 'User Access Management', source: 'authtrail-access' },
  group_management: { uid: 3006, name: 'Group Management', source: 'authtrail-group' },
} as const;
export type OcsfClass = keyof typeof OCSF_CLASSES;

const ACTIVITIES = {
  authentication: { 1: 'Logon', 2: 'Logoff' },
  account_change: { 1: 'Create', 2: 'Enable', 4: 'Password Reset', 5: 'Disable', 6: 'Delete', 7: 'Attach Policy', 8: 'Detach Policy', 9: 'Lock', 10: 'MFA Factor Enable', 11: 'MFA Factor Disable' },
  entity_management: { 1: 'Create', 3: 'Update', 4: 'Delete', 10: 'Activate', 11: 'Deactivate' },
  user_access: { 1: 'Assign Privileges', 2: 'Revoke Privileges' },
  group_management: { 3: 'Add User', 4: 'Remove User' },
} as const satisfies Record<OcsfClass, Record<number, string>>;

const STATUS = { 0: 'Unknown', 1: 'Success', 2: 'Failure', 99: 'Other' } as const;
const SEVERITY = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High' } as const;
const DEVICE_TYPE_UNKNOWN = 0;
const OS_TYPES: readonly [RegExp, number, string][] = [
  [/windows/i, 100, 'Windows'], [/android/i, 201, 'Android'], [/ipad/i, 302, 'iPadOS'], [/ios|iphone/i, 301, 'iOS'],
  [/mac ?os|os ?x|macintosh/i, 300, 'macOS'], [/linux|ubuntu|debian|fedora|red ?hat/i, 200, 'Linux'],
];
/** Managed Entity `type_id` for the target types that have an OCSF object of their own. */
const ENTITY_TYPES: Record<string, { id: number; name: string }> = {
  device: { id: 1, name: 'Device' }, user: { id: 2, name: 'User' }, group: { id: 3, name: 'Group' },
  organization: { id: 4, name: 'Organization' }, policy: { id: 5, name: 'Policy' }, policy_rule: { id: 5, name: 'Policy' },
};

export interface OcsfUser { uid?: string; name?: string; email_addr?: string }
export interface OcsfLocation { country?: string; region?: string; city?: string; lat?: number; long?: number }

/** What this module emits; the Parquet column types in `OCSF_PARQUET_COLUMNS` mirror it. */
export interface OcsfEvent {
  class_uid: number; class_name: string; category_uid: number; category_name: string;
  activity_id: number; activity_name: string; type_uid: number; type_name: string;
  time: number; severity_id: number; severity: string; status_id: number; status: string; status_detail?: string;
  message: string;
  metadata: {
    version: string; profiles: string[]; product: { name: string; vendor_name: string }; uid: string;
    original_time: string; logged_time: number; log_name: string; log_provider: string; tenant_uid: string;
    event_code?: string; correlation_uid?: string;
  };
  user?: OcsfUser;
  actor?: { user: OcsfUser };
  src_endpoint?: { ip: string; location?: OcsfLocation };
  device?: { uid?: string; name?: string; type_id: number; type: string; os?: { name: string; type_id: number; type: string } };
  http_request?: { user_agent: string };
  // Authentication
  is_mfa?: boolean;
  service?: { name?: string; uid?: string };
  session?: { uid: string };
  // Account Change
  policy?: { name?: string; uid?: string };
  // User Access Management, Group Management
  privileges?: string[];
  group?: { name?: string; uid?: string };
  // Entity Management
  entity?: { name?: string; uid?: string; type?: string; type_id?: number; user?: OcsfUser; group?: { name?: string; uid?: string }; policy?: { name?: string; uid?: string }; org?: { name?: string; uid?: string }; device?: { name?: string; uid?: string; type_id: number } };
  /** Canonical fields without an OCSF attribute. The second factor is here: 1.3.0's `auth_factor` needs exactly one of phone number, e-mail or security questions, which the canonical event does not carry. */
  unmapped: Record<string, string>;
}

export type OcsfResult =
  | { readonly kind: 'event'; readonly class: OcsfClass; readonly event: OcsfEvent }
  | { readonly kind: 'skip'; readonly reason: string };

const ms = (iso: string) => Date.parse(iso);
const def = <T>(v: T | null | undefined): T | undefined => (v === null || v === undefined || v === '' ? undefined : v);
/** Drops undefined members so the JSON (and the validator) sees only what is known. */
function compact<T extends object>(o: T): T | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return Object.keys(out).length ? out : undefined;
}

/**
 * OCSF's `email_t` pattern (dictionary.json, 1.3.0): a vendor's "email" field that is not an
 * address (some send the login name there) stays a name, never an invalid `email_addr`.
 */
const EMAIL = /^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;

const user = (uid: string | null, login: string | null, email: string | null): OcsfUser | undefined =>
  compact({ uid: def(uid), name: def(login) ?? def(email), email_addr: email && EMAIL.test(email) ? email : undefined });

/**
 * OCSF requires a user in Authentication, Account Change and User Access Management; a vendor
 * event may name none (a sign-in with a user name the IdP does not know). Rather than drop the
 * event, the user is named `unknown`, which the vendor's own event type and `raw` still explain.
 */
const UNKNOWN_USER: OcsfUser = { name: 'unknown' };

function statusOf(outcome: Outcome | null): { id: keyof typeof STATUS; label: string } {
  switch (outcome) {
    case 'success': return { id: 1, label: STATUS[1] };
    case 'failure': case 'denied': case 'fraud': case 'error': return { id: 2, label: STATUS[2] };
    // An MFA prompt sent is neither a success nor a failure (CONTRACT §4): Other, with the source's word.
    case 'challenge': return { id: 99, label: 'Challenge' };
    default: return { id: 0, label: STATUS[0] };
  }
}

/** Medium: the categories the alert rules watch (policy, role, credential and IdP changes, impersonation, bypasses, lockouts). */
const MEDIUM: ReadonlySet<Category> = new Set(['policy_change', 'role_change', 'credential_change', 'idp_change', 'impersonation', 'mfa_bypass', 'lockout']);

/** Informational by default; Low for a failed step; Medium for the changes and events the alert rules watch; High for a user's fraud report. */
function severityOf(e: AuthEvent): keyof typeof SEVERITY {
  if (e.category === 'fraud_report' || e.outcome === 'fraud') return 4;
  if (e.category && MEDIUM.has(e.category)) return 3;
  if (e.outcome === 'failure' || e.outcome === 'denied' || e.outcome === 'error') return 2;
  return 1;
}

function osOf(name: string): { name: string; type_id: number; type: string } {
  for (const [re, id, type] of OS_TYPES) if (re.test(name)) return { name, type_id: id, type };
  return { name, type_id: 0, type: 'Unknown' };
}

/** Which class and activity a canonical event becomes, or why none. */
export function classify(e: AuthEvent): { class: OcsfClass; activity: number; activityName?: string } | { skip: string } {
  const hasUser = !!(e.user_id || e.user_login || e.user_email);
  const c = e.category;
  switch (c) {
    case 'login': case 'sso': case 'mfa_challenge': case 'mfa_verify': case 'mfa_bypass': case 'fraud_report': case 'impersonation':
      return { class: 'authentication', activity: 1 };
    case 'logout': return { class: 'authentication', activity: 2 };
    case 'factor_enroll': return { class: 'account_change', activity: 10 };
    // A reset removes the enrolled factors and makes the user enrol again.
    case 'factor_remove': case 'factor_reset': return { class: 'account_change', activity: 11 };
    case 'password_reset': return { class: 'account_change', activity: 4 };
    case 'lockout': return { class: 'account_change', activity: 9 };
    // 1.3.0 has Lock but no Unlock: Other, named by its activity_name.
    case 'unlock': return { class: 'account_change', activity: 99, activityName: 'Unlock' };
    case 'role_change':
      if (hasUser && (e.change === 'grant' || e.change === 'revoke')) return { class: 'user_access', activity: e.change === 'grant' ? 1 : 2 };
      return { class: 'entity_management', ...entityActivity(e) };
    case 'admin':
      if (hasUser && e.target_type === 'group' && (e.change === 'grant' || e.change === 'revoke')) return { class: 'group_management', activity: e.change === 'grant' ? 3 : 4 };
      if (hasUser && e.target_type === 'policy' && (e.change === 'grant' || e.change === 'revoke')) return { class: 'account_change', activity: e.change === 'grant' ? 7 : 8 };
      if (hasUser && (e.target_type === 'user' || !e.target_type)) {
        const a = ({ create: 1, activate: 2, deactivate: 5, delete: 6 } as const)[e.change as 'create'];
        if (a) return { class: 'account_change', activity: a };
      }
      return { class: 'entity_management', ...entityActivity(e) };
    case 'policy_change': case 'credential_change': case 'idp_change':
      return { class: 'entity_management', ...entityActivity(e) };
    case 'other': return { skip: 'category other has no OCSF class' };
    default: return { skip: 'the event has no category' };
  }
}

function entityActivity(e: AuthEvent): { activity: number; activityName?: string } {
  switch (e.change) {
    case 'create': return { activity: 1 };
    // A grant or revoke on a role, app or token changes that object's assignments.
    case 'update': case 'grant': case 'revoke': return { activity: 3 };
    case 'delete': return { activity: 4 };
    case 'activate': return { activity: 10 };
    case 'deactivate': return { activity: 11 };
    default: return { activity: 99, activityName: def(e.raw_event_type) ?? 'Change' };
  }
}

const TARGET_FALLBACK: Partial<Record<Category, string>> = { policy_change: 'policy', credential_change: 'credential', idp_change: 'idp', role_change: 'role' };

function entityOf(e: AuthEvent): NonNullable<OcsfEvent['entity']> {
  const type = e.target_type ?? TARGET_FALLBACK[e.category!] ?? (e.user_id || e.user_login ? 'user' : undefined);
  const known = type ? ENTITY_TYPES[type] : undefined;
  const ref = compact({ name: def(e.target_name), uid: def(e.target_id) });
  const base = { type: known?.name ?? type, type_id: known?.id };
  if (known?.id === 2) {
    const u = user(e.user_id ?? e.target_id, e.user_login ?? e.target_name, e.user_email);
    if (u) return compact({ ...base, ...ref, user: u })!;
  }
  if (ref) {
    if (known?.id === 1) return compact({ ...base, device: { ...ref, type_id: DEVICE_TYPE_UNKNOWN } })!;
    if (known?.id === 3) return compact({ ...base, group: ref })!;
    if (known?.id === 4) return compact({ ...base, org: ref })!;
    if (known?.id === 5) return compact({ ...base, policy: ref })!;
    return compact({ ...base, ...ref })!;
  }
  // The vendor named no object: its event type is the only name there is.
  return compact({ ...base, name: e.raw_event_type ?? e.category ?? 'unknown' })!;
}

/** Canonical fields with no OCSF attribute in the chosen class, kept as strings. */
function unmappedOf(e: AuthEvent, used: { geo: boolean; target: boolean }): Record<string, string> {
  const u: Record<string, unknown> = {
    source: e.source, source_id: e.source_id, category: e.category, outcome: e.outcome, factor: e.factor, factor_raw: e.factor_raw,
    risk_level: e.risk_level, anonymizer: e.anonymizer, browser: e.browser, change: e.change,
  };
  if (!used.target) Object.assign(u, { target_type: e.target_type, target_id: e.target_id, target_name: e.target_name });
  if (!used.geo) Object.assign(u, { geo_country: e.geo_country, geo_region: e.geo_region, geo_city: e.geo_city, geo_lat: e.geo_lat, geo_lon: e.geo_lon });
  return Object.fromEntries(Object.entries(u).filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [k, String(v)]));
}

/** One canonical event → its OCSF 1.3.0 event, or the reason it has none. */
export function toOcsf(e: AuthEvent): OcsfResult {
  const k = classify(e);
  if ('skip' in k) return { kind: 'skip', reason: k.skip };
  const cls = OCSF_CLASSES[k.class];
  const activityName = k.activityName ?? (ACTIVITIES[k.class] as Record<number, string>)[k.activity]!;
  const status = statusOf(e.outcome);
  const sev = severityOf(e);
  const subject = user(e.user_id, e.user_login, e.user_email);
  const actor = user(e.actor_id, e.actor_login, null);
  const location = compact({ country: def(e.geo_country), region: def(e.geo_region), city: def(e.geo_city), lat: def(e.geo_lat), long: def(e.geo_lon) });
  // OCSF's location needs one of city, country, postal code or region; coordinates alone do not make one.
  const hasPlace = !!(location?.country || location?.region || location?.city);
  // `ip_t` is an address; anything else a vendor put there is kept in unmapped.
  const src = e.src_ip && isIP(e.src_ip) ? compact({ ip: e.src_ip, location: hasPlace ? location : undefined }) : undefined;
  const ev: OcsfEvent = {
    class_uid: cls.uid, class_name: cls.name, category_uid: IAM_CATEGORY.uid, category_name: IAM_CATEGORY.name,
    activity_id: k.activity, activity_name: activityName, type_uid: cls.uid * 100 + k.activity, type_name: `${cls.name}: ${activityName}`,
    time: ms(e.event_time), severity_id: sev, severity: SEVERITY[sev], status_id: status.id, status: status.label,
    message: `${e.source} ${e.raw_event_type ?? e.category}: ${e.outcome ?? 'unknown'}`,
    metadata: {
      version: OCSF_VERSION,
      // actor and device come from OCSF's host profile in some IAM classes.
      profiles: ['host'],
      product: { name: 'authtrail', vendor_name: 'authtrail' },
      uid: e.event_uid, original_time: e.event_time, logged_time: ms(e.ingest_time),
      log_name: e.source_id, log_provider: e.source, tenant_uid: e.tenant,
      ...(e.raw_event_type ? { event_code: e.raw_event_type } : {}), ...(e.correlation_id ? { correlation_uid: e.correlation_id } : {}),
    },
    unmapped: {},
  };
  if (e.reason) ev.status_detail = e.reason;
  if (actor) ev.actor = { user: actor };
  if (src) ev.src_endpoint = src;
  if (e.user_agent) ev.http_request = { user_agent: e.user_agent };
  if (e.device_id || e.device_name) {
    ev.device = compact({ uid: def(e.device_id), name: def(e.device_name), type_id: DEVICE_TYPE_UNKNOWN, type: 'Unknown', os: e.os ? osOf(e.os) : undefined })!;
  }
  let target = false;
  switch (k.class) {
    case 'authentication':
      ev.user = subject ?? UNKNOWN_USER;
      if (e.is_mfa !== null) ev.is_mfa = e.is_mfa;
      // The service signed in to: the app, or the identity provider itself when no app is named.
      ev.service = compact({ name: def(e.app_name) ?? (e.app_id ? undefined : e.source), uid: def(e.app_id) });
      if (e.session_id) ev.session = { uid: e.session_id };
      break;
    case 'account_change':
      ev.user = subject ?? UNKNOWN_USER;
      if (k.activity === 7 || k.activity === 8) { ev.policy = compact({ name: def(e.target_name), uid: def(e.target_id) }) ?? { name: e.raw_event_type ?? 'policy' }; target = true; }
      break;
    case 'user_access':
      ev.user = subject!;
      ev.privileges = [e.target_name ?? e.target_id ?? e.raw_event_type ?? 'unknown'];
      target = true;
      break;
    case 'group_management':
      ev.user = subject!;
      ev.group = compact({ name: def(e.target_name), uid: def(e.target_id) }) ?? { name: 'unknown' };
      target = true;
      break;
    case 'entity_management':
      ev.entity = entityOf(e);
      target = true;
      break;
  }
  ev.unmapped = unmappedOf(e, { geo: !!src?.location, target });
  if (!ev.device && e.os) ev.unmapped['os'] = e.os;
  if (e.src_ip && !src) ev.unmapped['src_ip'] = e.src_ip;
  if (e.user_email && !EMAIL.test(e.user_email)) ev.unmapped['user_email'] = e.user_email;
  if (k.class !== 'authentication' && e.is_mfa !== null) ev.unmapped['is_mfa'] = String(e.is_mfa);
  if (k.class !== 'authentication') {
    for (const [key, v] of [['app_id', e.app_id], ['app_name', e.app_name], ['session_id', e.session_id]] as const) if (v) ev.unmapped[key] = v;
  }
  // Entity Management has no user attribute: the affected user, when it is not the entity itself, is kept here.
  if (k.class === 'entity_management' && !ev.entity?.user) {
    for (const [key, v] of [['user_id', e.user_id], ['user_login', e.user_login], ['user_email', e.user_email]] as const) if (v) ev.unmapped[key] = v;
  }
  return { kind: 'event', class: k.class, event: ev };
}

/**
 * Parquet column types of each exported class (DuckDB type syntax): the same schema for every
 * file of a class whatever the events hold, as Security Lake's table for the source expects.
 * OCSF `timestamp_t` is epoch milliseconds (BIGINT); `unmapped` a string map.
 */
const USER = 'STRUCT(uid VARCHAR, name VARCHAR, email_addr VARCHAR)';
const REF = 'STRUCT(name VARCHAR, uid VARCHAR)';
const COMMON: [string, string][] = [
  ['time', 'BIGINT'], ['class_uid', 'INTEGER'], ['class_name', 'VARCHAR'], ['category_uid', 'INTEGER'], ['category_name', 'VARCHAR'],
  ['activity_id', 'INTEGER'], ['activity_name', 'VARCHAR'], ['type_uid', 'BIGINT'], ['type_name', 'VARCHAR'],
  ['severity_id', 'INTEGER'], ['severity', 'VARCHAR'], ['status_id', 'INTEGER'], ['status', 'VARCHAR'], ['status_detail', 'VARCHAR'], ['message', 'VARCHAR'],
  ['metadata', 'STRUCT(version VARCHAR, profiles VARCHAR[], product STRUCT(name VARCHAR, vendor_name VARCHAR), uid VARCHAR, original_time VARCHAR, logged_time BIGINT, log_name VARCHAR, log_provider VARCHAR, tenant_uid VARCHAR, event_code VARCHAR, correlation_uid VARCHAR)'],
  ['actor', `STRUCT("user" ${USER})`],
  ['src_endpoint', 'STRUCT(ip VARCHAR, location STRUCT(country VARCHAR, region VARCHAR, city VARCHAR, lat DOUBLE, long DOUBLE))'],
  ['device', 'STRUCT(uid VARCHAR, name VARCHAR, type_id INTEGER, type VARCHAR, os STRUCT(name VARCHAR, type_id INTEGER, type VARCHAR))'],
  ['http_request', 'STRUCT(user_agent VARCHAR)'],
];
const UNMAPPED: [string, string] = ['unmapped', 'MAP(VARCHAR, VARCHAR)'];

export const OCSF_PARQUET_COLUMNS: Record<OcsfClass, readonly [string, string][]> = {
  authentication: [...COMMON, ['user', USER], ['is_mfa', 'BOOLEAN'], ['service', REF], ['session', 'STRUCT(uid VARCHAR)'], UNMAPPED],
  account_change: [...COMMON, ['user', USER], ['policy', REF], UNMAPPED],
  user_access: [...COMMON, ['user', USER], ['privileges', 'VARCHAR[]'], UNMAPPED],
  group_management: [...COMMON, ['user', USER], ['group', REF], UNMAPPED],
  entity_management: [...COMMON, ['entity', `STRUCT(name VARCHAR, uid VARCHAR, type VARCHAR, type_id INTEGER, "user" ${USER}, "group" ${REF}, policy ${REF}, org ${REF}, device STRUCT(name VARCHAR, uid VARCHAR, type_id INTEGER))`], UNMAPPED],
};

/** `ext/<source>/region=<r>/accountId=<a>/eventDay=<yyyymmdd>/`: the Security Lake custom-source partition of an event. */
export const securityLakePrefix = (cls: OcsfClass, region: string, accountId: string, time: number) =>
  `ext/${OCSF_CLASSES[cls].source}/region=${region}/accountId=${accountId}/eventDay=${new Date(time).toISOString().slice(0, 10).replace(/-/g, '')}/`;
