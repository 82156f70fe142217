/**
 * Keycloak user and admin events, in every shape Keycloak and its listeners deliver them:
 *
 * - **Event hooks** (Keycloak's own HTTP targets, `EventHookPayloadBuilder`): user events
 *   `{"sourceType":"USER","eventId","realmId","time","eventType","clientId","userId","sessionId",
 *   "ipAddress","error","details"}`, admin events `{"sourceType":"ADMIN","eventId","realmId","time",
 *   "operationType","resourceType","resourcePath","error","details","auth":{realmId,clientId,userId,
 *   ipAddress},"representation"}` (the representation parsed into JSON when it is JSON), delivered
 *   SINGLE (one object per request) or BULK (`{"events":[…]}`).
 * - **Admin REST API** `GET /admin/realms/{realm}/events` and `/admin-events`
 *   (`EventRepresentation` `id`/`type`, `AdminEventRepresentation` `id`/`authDetails`, the
 *   representation as a JSON string), a JSON array.
 * - **Event listener SPI providers** (community webhook listeners): the same representations, one
 *   event, an array or `{"events":[…]}`, some with prefixed types (`access.LOGIN`,
 *   `admin.USER-DELETE`) or `authDetails.username`.
 *
 * Events without an id get a deterministic one (SHA-256 of the event), so redeliveries still
 * deduplicate. Admin events become schema-version-2 changes where the resource says what changed
 * (role mappings and group membership, identity providers, authentication flows and realm
 * policies, client secrets and initial access tokens, password resets, impersonation, unlocks).
 *
 * @see https://github.com/keycloak/keycloak/blob/main/docs/documentation/server_admin/topics/events/hooks.adoc
 * @see https://github.com/keycloak/keycloak/blob/main/services/src/main/java/org/keycloak/events/hooks/EventHookPayloadBuilder.java
 * @see https://www.keycloak.org/docs-api/latest/javadocs/org/keycloak/events/EventType.html
 * @see https://www.keycloak.org/docs-api/latest/javadocs/org/keycloak/events/admin/ResourceType.html
 * @see https://www.keycloak.org/docs-api/latest/rest-api/index.html#_realms_admin
 * @example {"sourceType":"USER","eventId":"0b0e…","realmId":"acme","time":1763632800123,"eventType":"LOGIN_ERROR",
 *   "clientId":"portal","userId":"5c1…","sessionId":null,"ipAddress":"198.51.100.7","error":"invalid_user_credentials",
 *   "details":{"username":"jo","credential_type":"otp"}}
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis, table } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer, type ChangeVerdict } from '../../core/normalizer.ts';

const Str = lazy(() => z.string().nullish());
/** `auth` (event hooks) and `authDetails` (Admin REST, SPI listeners): who made an admin change. */
const AuthDetails = lazy(() => z.looseObject({ realmId: built(Str), clientId: built(Str), userId: built(Str), ipAddress: built(Str), username: built(Str) }));
export const KeycloakEvent = lazy(() => z.looseObject({
  sourceType: built(Str),
  id: built(Str), uid: built(Str), eventId: built(Str),
  time: z.union([z.number(), z.string()]),
  type: built(Str), eventType: built(Str),
  realmId: built(Str), realmName: built(Str), clientId: built(Str), userId: built(Str), sessionId: built(Str), ipAddress: built(Str), error: built(Str),
  // Read key by key where used: validating every detail (and copying the map) costs more than the mapping.
  details: z.unknown().optional(),
  operationType: built(Str), resourceType: built(Str), resourcePath: built(Str),
  authDetails: built(AuthDetails).nullish(),
  auth: built(AuthDetails).nullish(),
  /** A JSON string (Admin REST, SPI listeners) or the parsed JSON (event hooks). */
  representation: z.unknown().optional(),
}));
export type KeycloakEvent = z.infer<typeof KeycloakEvent>;

const CREDENTIAL: [RegExp, Factor][] = [[/otp/i, 'totp'], [/webauthn|passkey/i, 'webauthn'], [/password/i, 'password'], [/recovery/i, 'bypass_code']];
const credentialFactor = (raw: string | null): Factor | null => (raw ? CREDENTIAL.find(([re]) => re.test(raw))?.[1] ?? 'other' : null);

type UserRow = { category: Category; outcome: Outcome };
const ok = (category: Category): UserRow => ({ category, outcome: 'success' });
const failed = (category: Category): UserRow => ({ category, outcome: 'failure' });
/** `EventType` names; each `X_ERROR` is the failure of `X`. */
const USER_EVENTS = table<UserRow>({
  LOGIN: ok('login'), LOGIN_ERROR: failed('login'),
  LOGOUT: ok('logout'), LOGOUT_ERROR: failed('logout'),
  IDENTITY_PROVIDER_LOGIN: ok('login'), IDENTITY_PROVIDER_LOGIN_ERROR: failed('login'),
  IDENTITY_PROVIDER_FIRST_LOGIN: ok('login'), IDENTITY_PROVIDER_FIRST_LOGIN_ERROR: failed('login'),
  UPDATE_TOTP: ok('factor_enroll'), UPDATE_TOTP_ERROR: failed('factor_enroll'),
  REMOVE_TOTP: ok('factor_remove'), REMOVE_TOTP_ERROR: failed('factor_remove'),
  UPDATE_CREDENTIAL: ok('factor_enroll'), UPDATE_CREDENTIAL_ERROR: failed('factor_enroll'),
  REMOVE_CREDENTIAL: ok('factor_remove'), REMOVE_CREDENTIAL_ERROR: failed('factor_remove'),
  // A password set by the user (required action, account console, or the end of a reset flow).
  UPDATE_PASSWORD: ok('password_reset'), UPDATE_PASSWORD_ERROR: failed('password_reset'),
  SEND_RESET_PASSWORD: ok('password_reset'), SEND_RESET_PASSWORD_ERROR: failed('password_reset'),
  RESET_PASSWORD: ok('password_reset'), RESET_PASSWORD_ERROR: failed('password_reset'),
  IMPERSONATE: ok('impersonation'), IMPERSONATE_ERROR: failed('impersonation'),
  USER_DISABLED_BY_TEMPORARY_LOCKOUT: failed('lockout'),
  USER_DISABLED_BY_PERMANENT_LOCKOUT: failed('lockout'),
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Type prefixes some SPI listeners add: `access.LOGIN`, `admin.USER-DELETE`. */
const ACCESS_PREFIX = /^access\./i;
const ADMIN_PREFIX = /^admin\./i;

export function mapKeycloak(e: KeycloakEvent, uid: string, original: unknown): ItemResult {
  const time = toIsoMillis(e.time);
  if (!time) return reject(`keycloak event ${uid}: "time" is not a time`);
  const rawType = text(e.eventType) ?? text(e.type);
  const isAdmin = text(e.sourceType)?.toUpperCase() === 'ADMIN' || !!text(e.operationType) || ADMIN_PREFIX.test(rawType ?? '');
  return isAdmin ? mapAdmin(e, uid, time, rawType, original) : mapUser(e, uid, time, rawType?.replace(ACCESS_PREFIX, '') ?? null, original);
}

const NO_DETAILS = table<unknown>({});

function mapUser(e: KeycloakEvent, uid: string, time: string, type: string | null, original: unknown): ItemResult {
  const details = isObject(e.details) ? e.details : NO_DETAILS;
  const row = type ? USER_EVENTS[type] : undefined;
  const credentialRaw = text(details['credential_type']) ?? (type?.includes('TOTP') ? 'otp' : null);
  let factor = credentialFactor(credentialRaw) ?? (type?.includes('PASSWORD') ? 'password' : null);
  let category: Category = row?.category ?? 'other';
  const outcome: Outcome = row?.outcome ?? (type?.endsWith('_ERROR') ? 'failure' : type ? 'success' : 'unknown');
  const error = text(e.error);
  if (type === 'LOGIN_ERROR' && error === 'user_temporarily_disabled') category = 'lockout';
  // A failed second step (OTP or WebAuthn) is an MFA verification, not a password failure.
  if (type === 'LOGIN_ERROR' && factor && factor !== 'password') category = 'mfa_verify';
  // Setting a password is a password change, not a factor enrolment (Keycloak 24+ logs it as UPDATE_CREDENTIAL too).
  if (category.startsWith('factor_') && factor === 'password') category = 'password_reset';
  if (type?.startsWith('IDENTITY_PROVIDER')) factor = 'external_idp';
  // Brokered sign-ins may name only the identity at the provider.
  const username = text(details['username']) ?? text(details['identity_provider_identity']);
  const impersonation = category === 'impersonation';
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: type,
    category,
    outcome,
    reason: error,
    is_mfa: userIsMfa(category, factor),
    factor,
    factor_raw: credentialRaw,
    user_id: text(e.userId),
    user_login: username,
    user_email: looksLikeEmail(username) ? username.toLowerCase() : null,
    // IMPERSONATE names the impersonated user; the admin is in its details (Details.IMPERSONATOR).
    actor_id: impersonation ? text(details['impersonator_id']) : null,
    actor_login: impersonation ? text(details['impersonator']) : null,
    src_ip: cleanIp(e.ipAddress),
    session_id: text(e.sessionId),
    correlation_id: text(details['code_id']),
    app_id: text(e.clientId),
    app_name: text(e.clientId),
    target_type: impersonation ? 'user' : null,
    target_id: impersonation ? text(e.userId) : null,
    raw: JSON.stringify(original),
  }));
}

/**
 * A sign-in is MFA when its credential was a second factor; Keycloak names the credential only
 * for some flows (`credential_type` on OTP / WebAuthn steps), so without it the answer is unknown
 * (null), not "no". Brokered sign-ins are decided at the identity provider: null.
 */
function userIsMfa(category: Category, factor: Factor | null): boolean | null {
  if (category === 'mfa_verify') return true;
  if (category === 'login') return factor === null || factor === 'external_idp' ? null : factor !== 'password';
  return category === 'other' ? null : false;
}

// ----- Admin events -----

type AdminChange = ChangeVerdict;

const VERB = table<Change>({ CREATE: 'create', UPDATE: 'update', DELETE: 'delete', ACTION: 'update' });
const GRANT = table<Change>({ CREATE: 'grant', DELETE: 'revoke' });
/** Authentication flows, their steps and required actions decide whether a sign-in asks for a second factor. */
const POLICY_RESOURCES = new Set(['AUTH_FLOW', 'AUTH_EXECUTION_FLOW', 'AUTH_EXECUTION', 'AUTHENTICATOR_CONFIG', 'REQUIRED_ACTION']);

function mapAdmin(e: KeycloakEvent, uid: string, time: string, rawType: string | null, original: unknown): ItemResult {
  const op = (text(e.operationType) ?? rawType?.replace(ADMIN_PREFIX, '') ?? '').toUpperCase();
  const resource = text(e.resourceType)?.toUpperCase() ?? '';
  const path = (text(e.resourcePath) ?? '').split('/');
  const c = adminChange(op, resource, path, e);
  const actor = e.auth ?? e.authDetails;
  return event(canonical({
    event_uid: uid, event_time: time, raw_event_type: `${op} ${text(e.resourceType) ?? ''}`.trim(),
    category: c.category, outcome: e.error ? 'failure' : 'success', reason: text(e.error), is_mfa: false,
    user_id: c.user_id !== undefined ? c.user_id : path[0] === 'users' ? text(path[1]) : null,
    actor_id: text(actor?.userId), actor_login: text(actor?.username),
    src_ip: cleanIp(actor?.ipAddress), app_id: text(actor?.clientId),
    target_type: c.target_type ?? null, target_id: c.target_id ?? null, target_name: c.target_name ?? null, change: c.change ?? null,
    raw: JSON.stringify(original),
  }));
}

/** What an admin event changed, from its resource type and path (`users/{id}/role-mappings/realm`, …). */
function adminChange(op: string, resource: string, path: string[], e: KeycloakEvent): AdminChange {
  const [root, id, sub, subId] = path;
  if (resource === 'REALM_ROLE_MAPPING' || resource === 'CLIENT_ROLE_MAPPING') {
    const roles = representationList(e.representation);
    return {
      category: 'role_change', change: GRANT[op] ?? 'update', target_type: 'role',
      target_id: joined(roles, 'id'), target_name: joined(roles, 'name'),
      // A role mapped onto a group reaches its members, but names no user.
      user_id: root === 'users' ? text(id) : null,
    };
  }
  if (resource === 'GROUP_MEMBERSHIP') {
    const group = representationObject(e.representation);
    return { category: 'role_change', change: GRANT[op] ?? 'update', target_type: 'group', target_id: text(subId), target_name: text(group?.['path']) ?? text(group?.['name']) };
  }
  if (resource === 'IDENTITY_PROVIDER' || resource === 'IDENTITY_PROVIDER_MAPPER') {
    const idp = representationObject(e.representation);
    const alias = root === 'identity-provider' ? text(subId) ?? text(idp?.['alias']) : text(idp?.['alias']);
    return { category: 'idp_change', change: VERB[op] ?? 'update', target_type: 'idp', target_id: alias, target_name: text(idp?.['displayName']) ?? alias, user_id: null };
  }
  if (POLICY_RESOURCES.has(resource)) {
    const p = representationObject(e.representation);
    // An execution set to DISABLED (an OTP or WebAuthn step taken out of a flow) or a required action switched off.
    const off = op === 'UPDATE' && (p?.['requirement'] === 'DISABLED' || p?.['enabled'] === false);
    return {
      category: 'policy_change', change: off ? 'deactivate' : VERB[op] ?? 'update', target_type: 'policy', target_id: text(p?.['id']) ?? text(path[path.length - 1]),
      target_name: text(p?.['alias']) ?? text(p?.['displayName']) ?? text(p?.['name']) ?? text(p?.['providerId']), user_id: null,
    };
  }
  // The realm holds the password, OTP, WebAuthn and brute-force policies.
  if (resource === 'REALM' && op === 'UPDATE')
    return { category: 'policy_change', change: 'update', target_type: 'realm', target_id: text(e.realmId), target_name: text(e.realmName) ?? text(representationObject(e.representation)?.['realm']), user_id: null };
  if (resource === 'CLIENT' && root === 'clients') return clientChange(op, text(id), sub, subId, e);
  if (resource === 'CLIENT_INITIAL_ACCESS_MODEL') return { category: 'credential_change', change: op === 'DELETE' ? 'revoke' : 'create', target_type: 'token', target_id: text(id), user_id: null };
  if (resource === 'USER_LOGIN_FAILURE' && op === 'DELETE') return { category: 'unlock', user_id: root === 'attack-detection' ? text(path[3]) ?? null : null };
  if (root === 'users') return userChange(op, text(id), sub, e);
  return { category: 'admin' };
}

function clientChange(op: string, clientId: string | null, sub: string | undefined, subId: string | undefined, e: KeycloakEvent): AdminChange {
  const app = { target_type: 'app', target_id: clientId, user_id: null };
  // POST clients/{id}/client-secret issues a new secret; DELETE …/client-secret/rotated revokes the previous one.
  if (sub === 'client-secret') return { category: 'credential_change', change: subId === 'rotated' && op === 'DELETE' ? 'revoke' : 'create', ...app };
  if (sub === 'registration-access-token') return { category: 'credential_change', change: 'create', ...app };
  const rep = representationObject(e.representation);
  // A client with a service account is an API integration: creating it issues a credential.
  if (!sub && op === 'CREATE' && rep?.['serviceAccountsEnabled'] === true)
    return { category: 'credential_change', change: 'create', ...app, target_name: text(rep['clientId']) ?? text(rep['name']) };
  return { category: 'admin', target_type: 'app', target_id: clientId };
}

function userChange(op: string, userId: string | null, sub: string | undefined, e: KeycloakEvent): AdminChange {
  const user = { target_type: 'user', target_id: userId };
  if (sub === 'credentials' && op === 'DELETE') return { category: 'factor_remove' };
  // PUT users/{id}/reset-password sets the password; the e-mail actions only start a reset.
  if (sub === 'reset-password') return { category: 'password_reset', change: 'update', ...user };
  if (sub === 'reset-password-email') return { category: 'password_reset', ...user };
  if (sub === 'execute-actions-email' && representationList(e.representation).some((a) => a === 'UPDATE_PASSWORD')) return { category: 'password_reset', ...user };
  if (sub === 'impersonation') return { category: 'impersonation', ...user };
  return { category: 'admin' };
}

/** Representations are bounded before parsing: only a few resource types need one. */
const MAX_REPRESENTATION = 65_536;
function representation(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (v.length > MAX_REPRESENTATION) return null;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return null;
  }
}
const representationObject = (v: unknown) => { const r = representation(v); return isObject(r) ? r : null; };
const representationList = (v: unknown): unknown[] => { const r = representation(v); return Array.isArray(r) ? r : isObject(r) ? [r] : []; };
/** `["admin","auditor"]` from a list of role representations → `admin,auditor`. */
function joined(items: unknown[], key: string): string | null {
  const values = items.flatMap((i) => { const t = isObject(i) ? text(i[key]) : null; return t ? [t] : []; });
  return values.length ? values.join(',') : null;
}

export const keycloak: Normalizer = {
  kind: 'keycloak',
  docs: 'https://www.keycloak.org/docs/latest/server_admin/#auditing-and-events',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => keycloak.unwrap(p));
    // Event hooks in BULK mode and SPI listeners that batch: {"events": [...]}.
    if (isObject(payload) && Array.isArray(payload['events'])) return payload['events'];
    return [payload];
  },
  normalize(item) {
    const p = parseItem(KeycloakEvent, item, 'keycloak');
    if (!p.ok) return p.result;
    const v = p.value;
    if (!text(v.eventType) && !text(v.type) && !text(v.operationType))
      return reject('keycloak event has no event type ("eventType", "type") and no "operationType"');
    const uid = text(v.eventId) ?? text(v.id) ?? text(v.uid) ?? `sha256:${createHash('sha256').update(JSON.stringify(item)).digest('hex')}`;
    return mapKeycloak(v, uid, item);
  },
};
