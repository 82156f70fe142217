/**
 * PingOne audit activities, as a PingOne webhook (subscription, format `ACTIVITY`) posts them (a
 * JSON array of up to 500 activities; a single activity is read too) or the Audit Activities API
 * returns them (`{"_embedded": {"activities": [...]}}`). `action.type` is `<RESOURCE>.<ACTION>`
 * from PingOne's Audit Reporting Events list (USER.ACCESS_ALLOWED, OTP.CHECK_FAILED,
 * DEVICE.FRAUD_REPORTED, POLICY.UPDATED, ROLE_ASSIGNMENT.CREATED, …); `resources` names what
 * the action was on (the affected user, a sign-on policy, an application, an identity provider)
 * and `actors.user` / `actors.client` who acted.
 *
 * Schema version 2: sign-on policy, policy-action and MFA / risk policy changes are
 * `policy_change`; role assignments `role_change`; worker applications (PingOne's API
 * integrations) and application secrets `credential_change`; identity providers `idp_change`;
 * password resets and admin-set passwords `password_reset`. For these the admin is the actor and
 * the user only the USER resource, if any.
 *
 * @see https://developer.pingidentity.com/pingone-api/platform/audit-activities.html
 * @see https://developer.pingidentity.com/pingone-api/platform/reference/audit-reporting-events.html
 * @see https://developer.pingidentity.com/pingone-api/platform/subscriptions-webhooks.html
 * @see https://docs.pingidentity.com/pingone/integrations/p1_create_webhook.html
 * @example {"id":"9a…","recordedAt":"2026-11-20T10:00:00.123Z","correlationId":"f1…","action":{"type":"USER.ACCESS_ALLOWED"},
 *   "actors":{"user":{"id":"7c…","name":"jo@example.com","type":"USER"}},"resources":[{"type":"USER","id":"7c…","name":"jo@example.com"}],
 *   "result":{"status":"SUCCESS","description":"Passed role access control"}}
 */
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis, table } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

const Str = lazy(() => z.string().nullish());
const Named = lazy(() => z.looseObject({ id: built(Str), name: built(Str), type: built(Str) }));
export const PingOneActivity = lazy(() => z.looseObject({
  id: z.string().min(1),
  recordedAt: built(Str),
  createdAt: built(Str),
  correlationId: built(Str),
  action: z.looseObject({ type: z.string().min(1), description: built(Str) }),
  actors: z.looseObject({ user: built(Named).nullish(), client: built(Named).nullish() }).nullish(),
  resources: z.array(built(Named)).nullish(),
  result: z.looseObject({ status: built(Str), description: built(Str) }).nullish(),
  source: z.looseObject({ ipAddress: built(Str), userAgent: built(Str) }).nullish(),
}));
export type PingOneActivity = z.infer<typeof PingOneActivity>;

type Row = { category: Category; outcome?: Outcome; factor?: Factor; mfa?: boolean };
const ACTIONS = table<Row>({
  'USER.ACCESS_ALLOWED': { category: 'sso' },
  'USER.ACCESS_DENIED': { category: 'sso', outcome: 'failure' },
  'SESSION.CREATED': { category: 'login' },
  'SESSION.DELETED': { category: 'logout' },
  'USER.SLO_SUCCESS': { category: 'logout' },
  'USER.SLO_FAILURE': { category: 'logout', outcome: 'failure' },
  'PASSWORD.CHECK_SUCCEEDED': { category: 'login', outcome: 'success', factor: 'password' },
  'PASSWORD.CHECK_FAILED': { category: 'login', outcome: 'failure', factor: 'password' },
  'OTP.CHECK_SUCCESS': { category: 'mfa_verify', outcome: 'success', mfa: true },
  'OTP.CHECK_FAILED': { category: 'mfa_verify', outcome: 'failure', mfa: true },
  'OTP.CHECK_INVALID': { category: 'mfa_verify', outcome: 'failure', mfa: true },
  'ASSERTION.CHECK_SUCCESS': { category: 'mfa_verify', outcome: 'success', factor: 'webauthn', mfa: true },
  'ASSERTION.CHECK_FAILED': { category: 'mfa_verify', outcome: 'failure', factor: 'webauthn', mfa: true },
  'NOTIFICATION.CREATED': { category: 'mfa_challenge', outcome: 'challenge', mfa: true },
  'DEVICE.CREATED': { category: 'factor_enroll', outcome: 'challenge' },
  'DEVICE.ACTIVATED': { category: 'factor_enroll', outcome: 'success' },
  'DEVICE.ACTIVATION_FAILED': { category: 'factor_enroll', outcome: 'failure' },
  'DEVICE.ACTIVATION_OTP_FAILED': { category: 'factor_enroll', outcome: 'failure' },
  'DEVICE.ACTIVATION_OTP_INVALID': { category: 'factor_enroll', outcome: 'failure' },
  'DEVICE.DELETED': { category: 'factor_remove', outcome: 'success' },
  'DEVICE.FRAUD_REPORTED': { category: 'fraud_report', outcome: 'fraud', mfa: true },
  'DEVICE.LOCKED': { category: 'lockout', outcome: 'failure' },
  'DEVICE.UNLOCKED': { category: 'unlock', outcome: 'success' },
  'USER.LOCKED': { category: 'lockout', outcome: 'failure' },
  'USER.UNLOCKED': { category: 'unlock', outcome: 'success' },
  'PASSWORD.UNLOCKED': { category: 'unlock', outcome: 'success' },
  // A password reset through recovery or self-service, and a password set for the user (by an admin or an import).
  'PASSWORD.RESET': { category: 'password_reset' },
  'PASSWORD.SET': { category: 'password_reset' },
});

const FACTOR_WORDS: [RegExp, Factor][] = [
  [/push|mobile app/i, 'push'], [/sms|text message/i, 'sms'], [/voice|call/i, 'voice'], [/email/i, 'email'],
  [/totp|authenticator app/i, 'totp'], [/fido|webauthn|security key|platform/i, 'webauthn'], [/otp/i, 'totp'],
];
const wordFactor = (s: string | null): Factor | null => (s ? FACTOR_WORDS.find(([re]) => re.test(s))?.[1] ?? null : null);

const DECLINED = /reject|declin|denied by (the )?user/i;
/** PingOne's API integrations are WORKER applications ("… of type 'WORKER' …" in the description). */
const WORKER_APP = /type 'WORKER'/;
const ROLE_IN_DESCRIPTION = /for role '([^']+)'/;
const VERBS = table<Change>({ CREATED: 'create', UPDATED: 'update', DELETED: 'delete' });
/** Action prefixes that change how users must sign in; NOTIFICATION_POLICY (message templates) is not one. */
const POLICY_ACTIONS = new Set(['POLICY', 'SIGN_ON_POLICY', 'MFA_SETTINGS', 'PASSWORD_POLICY', 'RISK_POLICY_SET', 'DEVICE_AUTHENTICATION_POLICY', 'MFA_DEVICE_POLICY']);
const TARGET_TYPES = table<string>({
  SIGN_ON_POLICY: 'policy', MFA_SETTINGS: 'policy', PASSWORD_POLICY: 'policy', RISK_POLICY: 'policy', POLICYSET: 'policy',
  APPLICATION: 'app', IDENTITY_PROVIDER: 'idp', USER: 'user', GROUP: 'group', GATEWAY: 'app',
});

type Named = z.infer<typeof Named>;
interface Change2 { category: Category; change: Change | null; targetType: string | null; target: Named | undefined; roleId?: string | null }

/**
 * An admin change from the action type's resource and verb (schema version 2 where it is a
 * policy, role, credential or IdP change); null when the action is not an admin's change.
 */
function schemaV2(type: string, a: PingOneActivity, description: string | null): Change2 | null {
  const dot = type.indexOf('.');
  const resource = dot < 0 ? type : type.slice(0, dot);
  const verb = dot < 0 ? '' : type.slice(dot + 1);
  const first = a.resources?.find((r) => r.type?.toUpperCase() !== 'USER') ?? a.resources?.[0];
  const firstType = first?.type?.toUpperCase() ?? '';
  const targetType = TARGET_TYPES[firstType] ?? (firstType ? firstType.toLowerCase() : null);
  if (POLICY_ACTIONS.has(resource) || (resource === 'ACTION' && firstType === 'SIGN_ON_POLICY'))
    return { category: 'policy_change', change: VERBS[verb] ?? 'update', targetType: targetType ?? 'policy', target: first };
  if (resource === 'ROLE_ASSIGNMENT')
    return { category: 'role_change', change: verb === 'DELETED' ? 'revoke' : 'grant', targetType: 'role', target: undefined, roleId: description ? ROLE_IN_DESCRIPTION.exec(description)?.[1] ?? null : null };
  if (resource === 'IDENTITY_PROVIDER' || resource === 'IDP_ATTRIBUTE')
    return { category: 'idp_change', change: resource === 'IDP_ATTRIBUTE' ? 'update' : VERBS[verb] ?? 'update', targetType: 'idp', target: first };
  // A regenerated application secret is a new credential; reading one is not a change.
  if (resource === 'SECRET' && verb !== 'READ')
    return { category: 'credential_change', change: verb === 'DELETED' ? 'revoke' : 'create', targetType: 'app', target: first };
  if (resource === 'APPLICATION' && (verb === 'CREATED' || verb === 'DELETED') && description && WORKER_APP.test(description))
    return { category: 'credential_change', change: VERBS[verb]!, targetType: 'app', target: first };
  // Any other action of a user on a configuration resource (an application, a group, a key, …) is admin work.
  if (a.actors?.user?.id && first && firstType !== 'USER')
    return { category: 'admin', change: VERBS[verb] ?? null, targetType, target: first };
  return null;
}

export function mapPingOne(a: PingOneActivity, original: unknown): ItemResult {
  const time = toIsoMillis(a.recordedAt) ?? toIsoMillis(a.createdAt);
  if (!time) return reject(`pingone activity ${a.id}: neither "recordedAt" nor "createdAt" is a time`);
  const type = a.action.type.toUpperCase();
  const row = ACTIONS[type];
  const status = text(a.result?.status)?.toUpperCase();
  const failed = status === 'FAILED' || status === 'FAILURE';
  const description = text(a.result?.description) ?? text(a.action.description);
  let outcome: Outcome = row?.outcome ?? (status === 'SUCCESS' ? 'success' : failed ? 'failure' : 'unknown');
  if (row?.outcome === 'success' && failed) outcome = 'failure';
  // A push the user declined shows as a failed check whose description says so.
  if (outcome === 'failure' && row?.mfa && description && DECLINED.test(description)) outcome = 'denied';
  const userResource = a.resources?.find((r) => r.type?.toUpperCase() === 'USER');
  const actor = a.actors?.user;
  const v2 = row ? null : schemaV2(type, a, description);
  const adminActing = !!actor?.id && !!userResource?.id && actor.id !== userResource.id;
  const category = row?.category ?? v2?.category ?? (adminActing ? 'admin' : 'other');
  // For admin, policy and credential changes the admin (or the acting application) is the actor, always.
  const byAdmin = v2 !== null;
  const subject = byAdmin ? userResource : userResource ?? actor;
  const showActor = byAdmin || adminActing;
  const actorId = text(actor?.id) ?? (byAdmin ? text(a.actors?.client?.id) : null);
  const actorLogin = text(actor?.name) ?? (byAdmin ? text(a.actors?.client?.name) : null);
  const factor = row?.factor ?? (row && (row.mfa || category.startsWith('factor_')) ? wordFactor(description) ?? 'other' : null);
  const login = text(subject?.name);
  return event(canonical({
    event_uid: a.id,
    event_time: time,
    raw_event_type: a.action.type,
    category,
    outcome,
    reason: outcome === 'success' || outcome === 'challenge' ? null : description,
    // An access decision does not say whether MFA was part of it: unknown, not "no".
    is_mfa: row?.mfa ?? (row?.factor === 'password' || category.startsWith('factor_') || category === 'lockout' || category === 'unlock' || category === 'password_reset' || byAdmin ? false : null),
    factor,
    factor_raw: row?.mfa || category.startsWith('factor_') ? description : null,
    user_id: text(subject?.id),
    user_login: login,
    user_email: looksLikeEmail(login) ? login.toLowerCase() : null,
    actor_id: showActor ? actorId : null,
    actor_login: showActor ? actorLogin : null,
    src_ip: cleanIp(a.source?.ipAddress),
    user_agent: text(a.source?.userAgent),
    correlation_id: text(a.correlationId),
    app_id: text(a.actors?.client?.id),
    app_name: text(a.actors?.client?.name),
    target_type: v2?.targetType ?? null,
    target_id: v2 ? v2.roleId ?? text(v2.target?.id) : null,
    target_name: v2 ? text(v2.target?.name) : null,
    change: v2?.change ?? null,
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const pingone: Normalizer = {
  kind: 'pingone',
  docs: 'https://developer.pingidentity.com/pingone-api/platform/audit-activities.html',
  unwrap(payload) {
    // Webhooks post a JSON array of activities; the Audit Activities API wraps them in _embedded.
    if (Array.isArray(payload)) return payload.flatMap((p) => pingone.unwrap(p));
    if (isObject(payload) && isObject(payload['_embedded']) && Array.isArray(payload['_embedded']['activities'])) return payload['_embedded']['activities'];
    return [payload];
  },
  normalize(item) {
    const p = parseItem(PingOneActivity, item, 'pingone');
    return p.ok ? mapPingOne(p.value, item) : p.result;
  },
};
