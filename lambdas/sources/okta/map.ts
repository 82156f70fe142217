/**
 * Okta System Log events (LogEvent), from every way Okta delivers them:
 * - Event Hooks: `{"eventType":"com.okta.event_hook", "data": {"events": [LogEvent, ...]}}`
 * - EventBridge log streaming: an EventBridge envelope whose `detail` is one LogEvent
 * - the System Log API `GET /api/v1/logs`: a JSON array of LogEvents (one page; client in `pull.ts`)
 * Classic Engine and Identity Engine orgs send the same LogEvent; they differ in event types
 * (`user.authentication.auth_via_mfa` with `debugData.factor` vs `user.authentication.verify` with
 * an `AuthenticatorEnrollment` target) and are told apart here by what the event carries.
 *
 * @see https://developer.okta.com/docs/reference/api/system-log/#logevent-object
 * @see https://developer.okta.com/docs/reference/api/event-types/
 * @see https://developer.okta.com/docs/concepts/event-hooks/
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/LogStream/
 * @example {"uuid":"9f0c…","published":"2026-11-21T08:59:58.123Z","eventType":"user.authentication.auth_via_mfa",
 *   "actor":{"id":"00u1…","type":"User","alternateId":"jo@example.com"},"outcome":{"result":"SUCCESS"},
 *   "client":{"ipAddress":"198.51.100.7","geographicalContext":{"country":"Germany"}},
 *   "securityContext":{"isProxy":false},"debugContext":{"debugData":{"factor":"OKTA_VERIFY_PUSH"}}}
 */
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, lat, lon, looksLikeEmail, text, toCountryCode, toIsoMillis, table } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

const Str = lazy(() => z.string().nullish());
const Geo = lazy(() => z.object({
  city: built(Str), state: built(Str), country: built(Str), postalCode: built(Str),
  geolocation: z.object({ lat: z.number().nullish(), lon: z.number().nullish() }).nullish(),
}).nullish());
const Entity = lazy(() => z.object({
  id: built(Str), type: built(Str), alternateId: built(Str), displayName: built(Str),
  detailEntry: z.record(z.string(), z.unknown()).nullish(),
}));
type Entity = z.infer<typeof Entity>;

/** Only the fields the mapping reads are declared; everything else is kept verbatim in `raw`. */
export const OktaLogEvent = lazy(() => z.object({
  uuid: z.string().min(1),
  published: z.string().min(1),
  eventType: z.string().min(1),
  displayMessage: built(Str),
  legacyEventType: built(Str),
  actor: built(Entity).nullish(),
  client: z.object({
    ipAddress: built(Str), device: built(Str), id: built(Str), zone: built(Str),
    userAgent: z.object({ rawUserAgent: built(Str), os: built(Str), browser: built(Str) }).nullish(),
    geographicalContext: built(Geo),
  }).nullish(),
  device: z.object({ id: built(Str), name: built(Str), os_platform: built(Str), os_version: built(Str) }).nullish(),
  outcome: z.object({ result: built(Str), reason: built(Str) }).nullish(),
  authenticationContext: z.object({
    credentialType: built(Str), credentialProvider: built(Str), externalSessionId: built(Str), rootSessionId: built(Str),
    authenticationProvider: built(Str),
  }).nullish(),
  // Only `isProxy` is read, and only a boolean counts: a malformed context must not cost the event.
  securityContext: z.object({ isProxy: z.unknown().optional() }).nullish().catch(null),
  debugContext: z.object({ debugData: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  transaction: z.object({ id: built(Str), type: built(Str) }).nullish(),
  request: z.object({ ipChain: z.array(z.object({ ip: built(Str), geographicalContext: built(Geo) })).nullish() }).nullish(),
  target: z.array(built(Entity)).nullish(),
}));
export type OktaLogEvent = z.infer<typeof OktaLogEvent>;

interface EventTypeInfo {
  category: Category;
  /** An outcome the event type itself implies; it wins over `outcome.result`. */
  outcome?: Outcome;
  mfa?: boolean;
  factor?: Factor;
  change?: Change;
  /** The category when the actor changed their own account (no admin involved). */
  selfCategory?: Category;
}

const lifecycle = (category: Category, prefix: string, verbs: Record<string, Change>) =>
  Object.fromEntries(Object.entries(verbs).map(([verb, change]) => [`${prefix}.${verb}`, { category, change }])) as Record<string, EventTypeInfo>;
const CRUD = { create: 'create', update: 'update', activate: 'activate', deactivate: 'deactivate', delete: 'delete' } as const;

/** eventType → category (and what else the type alone says). Types not listed are `other` (or `admin`, see below). */
const EVENT_TYPES = table<EventTypeInfo>({
  'user.session.start': { category: 'login' },
  'user.session.end': { category: 'logout' },
  'user.session.clear': { category: 'logout' },
  'user.authentication.authenticate': { category: 'login' },
  'user.authentication.auth_via_richclient': { category: 'login' },
  'user.authentication.auth_via_radius': { category: 'login' },
  'user.authentication.auth_via_IDP': { category: 'login' },
  'user.authentication.auth_via_social': { category: 'login' },
  'user.authentication.auth_via_inbound_SAML': { category: 'login' },
  'user.authentication.sso': { category: 'sso' },
  'user.authentication.slo': { category: 'logout' },
  'user.authentication.auth_via_mfa': { category: 'mfa_verify', mfa: true },
  'user.authentication.verify': { category: 'mfa_verify', mfa: true },
  'system.push.send_factor_verify_push': { category: 'mfa_challenge', outcome: 'challenge', mfa: true, factor: 'push' },
  'system.sms.send_factor_verify_message': { category: 'mfa_challenge', outcome: 'challenge', mfa: true, factor: 'sms' },
  'system.voice.send_mfa_challenge_call': { category: 'mfa_challenge', outcome: 'challenge', mfa: true, factor: 'voice' },
  'system.email.mfa_challenge.sent_message': { category: 'mfa_challenge', outcome: 'challenge', mfa: true, factor: 'email' },
  'user.mfa.okta_verify.deny_push': { category: 'mfa_verify', outcome: 'denied', mfa: true, factor: 'push' },
  'user.mfa.okta_verify.deny_push_upgrade_needed': { category: 'mfa_verify', outcome: 'denied', mfa: true, factor: 'push' },
  'user.mfa.attempt_bypass': { category: 'mfa_bypass', mfa: true, factor: 'bypass_code' },
  'user.mfa.factor.activate': { category: 'factor_enroll' },
  'user.mfa.factor.deactivate': { category: 'factor_remove' },
  'user.mfa.factor.reset_all': { category: 'factor_reset' },
  'user.mfa.factor.update': { category: 'admin' },
  // A suspended factor cannot be used until it is unsuspended: out of service, and back.
  'user.mfa.factor.suspend': { category: 'factor_remove', change: 'deactivate' },
  'user.mfa.factor.unsuspend': { category: 'factor_enroll', change: 'activate' },
  'user.account.lock': { category: 'lockout' },
  'user.account.lock.limit': { category: 'lockout' },
  'user.account.unlock': { category: 'unlock' },
  'user.account.unlock_by_admin': { category: 'unlock' },
  'user.account.unlock_token': { category: 'unlock' },
  'user.account.report_suspicious_activity_by_enduser': { category: 'fraud_report', outcome: 'fraud' },
  // An admin's reset (email sent), or self-service recovery completed (actor: Okta system).
  'user.account.reset_password': { category: 'password_reset' },
  // An admin setting a (temporary) password is a reset; a user changing their own is not.
  'user.account.update_password': { category: 'password_reset', selfCategory: 'other' },
  'system.email.password_reset.sent_message': { category: 'password_reset' },
  'system.sms.send_password_reset_message': { category: 'password_reset' },
  ...lifecycle('policy_change', 'policy.lifecycle', CRUD),
  ...lifecycle('policy_change', 'policy.rule', { add: 'create', update: 'update', activate: 'activate', deactivate: 'deactivate', delete: 'delete' }),
  // A factor (Classic) or authenticator (Identity Engine) switched on or off for the whole org: what MFA can require.
  ...lifecycle('policy_change', 'system.mfa.factor', { activate: 'activate', deactivate: 'deactivate' }),
  ...lifecycle('policy_change', 'security.authenticator.lifecycle', { create: 'create', update: 'update', activate: 'activate', deactivate: 'deactivate' }),
  ...lifecycle('role_change', 'user.account.privilege', { grant: 'grant', revoke: 'revoke' }),
  ...lifecycle('role_change', 'group.privilege', { grant: 'grant', revoke: 'revoke' }),
  ...lifecycle('credential_change', 'system.api_token', { create: 'create', revoke: 'revoke' }),
  // A client secret or JWK of an OAuth client, Okta API scopes granted to a client, an OIN API service integration.
  ...lifecycle('credential_change', 'app.oauth2.credentials.lifecycle', { create: 'create', activate: 'activate', deactivate: 'deactivate', delete: 'delete' }),
  ...lifecycle('credential_change', 'app.oauth2.client.privilege', { grant: 'grant', revoke: 'revoke' }),
  ...lifecycle('credential_change', 'integration.api_service.lifecycle', { authorize: 'grant', revoke: 'revoke' }),
  ...lifecycle('idp_change', 'system.idp.lifecycle', CRUD),
  ...lifecycle('impersonation', 'user.session.impersonation', { grant: 'grant', initiate: 'activate', extend: 'update', end: 'deactivate', revoke: 'revoke' }),
});

/** Admin, policy and credential changes: the actor is always the admin, the user the affected user or none. */
const CHANGE_CATEGORIES = new Set<Category>(['admin', 'policy_change', 'role_change', 'credential_change', 'idp_change']);

const RESULTS = table<Outcome>({
  SUCCESS: 'success', ALLOW: 'success', FAILURE: 'failure', DENY: 'failure', CHALLENGE: 'challenge',
  UNANSWERED: 'failure', ABANDONED: 'failure', RATE_LIMIT: 'failure', SKIPPED: 'unknown',
  UNKNOWN: 'unknown', DEFERRED: 'unknown', SCHEDULED: 'unknown',
});

/** Classic-engine factor ids (`debugData.factor`) and OIE authenticator names (`methodTypeUsed`). */
const FACTORS: [RegExp, Factor][] = [
  [/PUSH/i, 'push'],
  [/SIGNED_NONCE|FASTPASS/i, 'biometric'],
  [/WEBAUTHN|FIDO|SECURITY KEY/i, 'webauthn'],
  [/U2F/i, 'u2f'],
  [/SMS/i, 'sms'],
  [/CALL|VOICE/i, 'voice'],
  [/EMAIL/i, 'email'],
  [/YUBIKEY|HARDWARE|RSA|SYMANTEC|HOTP/i, 'hardware_token'],
  [/TOTP|OTP|GOOGLE.?AUTH|OKTA.?VERIFY|TOKEN:SOFTWARE/i, 'totp'],
  [/QUESTION/i, 'security_question'],
  [/PASSWORD/i, 'password'],
  [/CERT|SMARTCARD|PIV/i, 'certificate'],
  [/ASSERTION|IDP|SAML|SOCIAL/i, 'external_idp'],
  [/DUO|CUSTOM|CLAIMS/i, 'other'],
];

export function oktaFactor(raw: string | null): Factor | null {
  if (!raw) return null;
  for (const [re, f] of FACTORS) if (re.test(raw)) return f;
  return 'other';
}

/** `User suspended SIGNED_NONCE factor`: factor changes name the factor only in their reason. */
const REASON_FACTOR = /\b([A-Z][A-Z0-9_:]{2,})\s+factor\b/;
const RISK_LEVEL = /level=([A-Z_]+)/i;
const IDP_TARGET = /identityprovider|idp/i;

function debugString(d: Record<string, unknown> | null | undefined, key: string): string | null {
  return d ? text(d[key]) : null;
}

const THREAT_LEVELS = ['LOW', 'MEDIUM', 'HIGH'];
/**
 * ThreatInsight's `security.threat.detected` ("request from suspicious actor"): `threatDetections`
 * is JSON, detection → level; the event's level is the highest. ThreatInsight logs only requests
 * it judged malicious, so one without levels is HIGH.
 */
function threatLevel(d: Record<string, unknown> | null | undefined): string {
  const raw = debugString(d, 'threatDetections');
  let best = -1;
  if (raw) {
    try {
      const v = JSON.parse(raw) as unknown;
      if (v && typeof v === 'object') for (const l of Object.values(v)) best = Math.max(best, THREAT_LEVELS.indexOf(String(l).toUpperCase()));
    } catch { /* not JSON: no levels */ }
  }
  return best < 0 ? 'HIGH' : THREAT_LEVELS[best]!;
}

/** `risk` is `{level=HIGH, reasons=…}`; `logOnlySecurityData` is JSON with `risk.level`. */
function riskLevel(d: Record<string, unknown> | null | undefined): string | null {
  const risk = debugString(d, 'risk');
  const m = risk ? RISK_LEVEL.exec(risk) : null;
  if (m) return m[1]!.toUpperCase();
  const sec = debugString(d, 'logOnlySecurityData');
  if (sec) {
    try {
      const level = (JSON.parse(sec) as { risk?: { level?: unknown } }).risk?.level;
      if (typeof level === 'string') return level.toUpperCase();
    } catch { /* not JSON: no risk level */ }
  }
  return null;
}

interface Target { type: string; id: string | null; name: string | null }
const entity = (type: string, t: Entity | undefined): Target | null =>
  t ? { type, id: text(t.id), name: text(t.displayName) ?? text(t.alternateId) } : null;
const ofType = (targets: Entity[], ...types: string[]) => targets.find((t) => !!t.type && types.includes(t.type));

/** The object a schema-v2 change acted on (CONTRACT §4 `target_*`), from the event's `target[]`. */
function changeTarget(category: Category, eventType: string, targets: Entity[], debug: Record<string, unknown> | null | undefined): Target | null {
  switch (category) {
    case 'policy_change': {
      if (eventType.startsWith('system.mfa.factor.') || eventType.startsWith('security.authenticator.')) {
        return entity('authenticator', ofType(targets, 'Authenticator', 'AuthenticatorEntity') ?? targets.find((t) => t.type !== 'User')) ?? { type: 'authenticator', id: null, name: debugString(debug, 'factor') };
      }
      const rule = ofType(targets, 'PolicyRule');
      const policy = ofType(targets, 'PolicyEntity', 'Policy');
      return eventType.startsWith('policy.rule.') && rule ? entity('policy_rule', rule) : entity('policy', policy) ?? entity('policy_rule', rule);
    }
    case 'role_change': {
      // The role is named in debugData (`privilegeGranted: "Super administrator, …"`); else the grantee.
      const role = debugString(debug, 'privilegeGranted') ?? debugString(debug, 'privilegeRevoked');
      if (role) return { type: 'role', id: null, name: role };
      return entity('group', ofType(targets, 'UserGroup')) ?? entity('user', ofType(targets, 'User'));
    }
    case 'credential_change':
      return entity('token', ofType(targets, 'Token')) ?? entity('app', ofType(targets, 'AppInstance', 'PublicClientApp', 'Client'))
        ?? entity('app', targets.find((t) => t.type !== 'User'));
    case 'idp_change':
      return entity('idp', targets.find((t) => !!t.type && IDP_TARGET.test(t.type)) ?? targets.find((t) => t.type !== 'User'));
    case 'impersonation':
    case 'password_reset':
      return entity('user', ofType(targets, 'User'));
    case 'factor_enroll':
    case 'factor_remove':
      return entity('factor', ofType(targets, 'AuthenticatorEnrollment', 'Factor'));
    default:
      return null;
  }
}

export function mapOktaEvent(e: OktaLogEvent, original: unknown = e): ItemResult {
  const eventTime = toIsoMillis(e.published);
  if (!eventTime) return reject(`okta event ${e.uuid}: "published" is not a time: ${JSON.stringify(e.published).slice(0, 64)}`);
  const type = EVENT_TYPES[e.eventType];
  const debug = e.debugContext?.debugData;
  const targets = e.target ?? [];
  const actor = e.actor;
  const actorIsUser = actor?.type === 'User';

  // The subject is the affected user: a User target that is not the actor (an admin acting on
  // someone), else the actor itself when the actor is a user. For admin, policy and credential
  // changes the actor is always the admin and the subject only a User target.
  const targetUser = targets.find((t) => t.type === 'User' && t.id && t.id !== actor?.id);
  let category: Category = type?.category ?? (e.eventType.startsWith('user.lifecycle.') || e.eventType.startsWith('group.') ? 'admin' : 'other');
  if (type?.selfCategory && !targetUser) category = type.selfCategory;
  // Support access granted with no user named (`user.session.impersonation.grant`) is given to the org: the actor is the admin, no user is affected.
  const isChange = CHANGE_CATEGORIES.has(category) || (category === 'impersonation' && !targetUser);
  const subject = isChange ? ofType(targets, 'User') : targetUser ?? (actorIsUser ? actor : ofType(targets, 'User'));
  const admin = isChange ? actor : subject && actor && subject.id !== actor.id ? actor : null;

  const app = ofType(targets, 'AppInstance');
  const enrollment = ofType(targets, 'AuthenticatorEnrollment', 'Authenticator');
  const methodUsed = text(enrollment?.detailEntry?.['methodTypeUsed']);
  const isFactorChange = category.startsWith('factor_');
  const reasonText = text(e.outcome?.reason);
  const factorRaw = debugString(debug, 'factor') ?? methodUsed ?? text(enrollment?.displayName) ?? text(e.authenticationContext?.credentialType)
    ?? (isFactorChange && reasonText ? REASON_FACTOR.exec(reasonText)?.[1] ?? null : null);
  let factor = type?.factor ?? oktaFactor(factorRaw);

  const result = text(e.outcome?.result)?.toUpperCase() ?? null;
  const outcome: Outcome = type?.outcome ?? (result ? RESULTS[result] ?? 'unknown' : 'unknown');
  let isMfa: boolean | null = null;
  if (type?.mfa) isMfa = true;
  // A sign-in through an external identity provider: whether it used MFA is decided (and logged) there.
  else if (category === 'login' || category === 'sso') isMfa = factor === 'external_idp' ? null : factor !== null && factor !== 'password';
  else if (type && category !== 'other') isMfa = false;

  // Verification events are MFA only when the factor was a second one. A password is never one
  // (Identity Engine logs `user.authentication.verify` for the Password authenticator too), and a
  // Classic `verify` without any factor is the primary `/api/v1/authn` step unless it went
  // through a factor endpoint.
  if (category === 'mfa_verify' && !type?.outcome) {
    if (factor === 'password') { category = 'login'; isMfa = false; }
    else if (factor === null && e.eventType === 'user.authentication.verify') {
      if (debugString(debug, 'requestUri')?.includes('/factors/')) factor = 'unknown';
      else { category = 'login'; isMfa = null; }
    }
  }

  const client = e.client;
  const hop = e.request?.ipChain?.[0];
  const geo = client?.geographicalContext ?? hop?.geographicalContext;
  const login = text(subject?.alternateId);
  const target = type?.change || category === 'password_reset' || category === 'impersonation' || isChange
    ? changeTarget(category, e.eventType, targets, debug) : null;
  const proxy = e.securityContext?.isProxy;

  return event(canonical({
    event_uid: e.uuid,
    event_time: eventTime,
    raw_event_type: e.eventType,
    category,
    outcome,
    reason: reasonText ?? (result && result !== 'SUCCESS' && result !== 'ALLOW' ? result : null),
    is_mfa: isMfa,
    factor,
    factor_raw: factorRaw,
    user_id: text(subject?.id),
    user_login: login,
    user_email: looksLikeEmail(login) ? login.toLowerCase() : null,
    actor_id: text(admin?.id),
    actor_login: text(admin?.alternateId),
    src_ip: cleanIp(client?.ipAddress) ?? cleanIp(hop?.ip),
    user_agent: text(client?.userAgent?.rawUserAgent),
    os: text(client?.userAgent?.os) ?? text(e.device?.os_platform),
    browser: text(client?.userAgent?.browser),
    device_id: text(e.device?.id) ?? debugString(debug, 'deviceFingerprint'),
    // `client.device` is a device class ("Computer", "Mobile"), not a name.
    device_name: text(e.device?.name),
    geo_country: toCountryCode(geo?.country),
    geo_region: text(geo?.state),
    geo_city: text(geo?.city),
    geo_lat: lat(geo?.geolocation?.lat),
    geo_lon: lon(geo?.geolocation?.lon),
    session_id: text(e.authenticationContext?.externalSessionId) ?? text(e.authenticationContext?.rootSessionId),
    correlation_id: text(e.transaction?.id),
    app_id: text(app?.id),
    app_name: text(app?.displayName) ?? text(app?.alternateId),
    risk_level: e.eventType === 'security.threat.detected' ? threatLevel(debug) : riskLevel(debug),
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    target_name: target?.name ?? null,
    change: type?.change ?? null,
    // Okta's `securityContext.isProxy`: the request came through a known proxy, Tor exit or anonymizer.
    anonymizer: typeof proxy === 'boolean' ? proxy : null,
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const okta: Normalizer = {
  kind: 'okta',
  docs: 'https://developer.okta.com/docs/reference/api/system-log/',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => okta.unwrap(p));
    if (isObject(payload)) {
      const data = payload['data'];
      if (isObject(data) && Array.isArray(data['events'])) return data['events'];
      // EventBridge log streaming: the LogEvent is the envelope's `detail`.
      if ('detail' in payload && 'detail-type' in payload) return [payload['detail']];
    }
    return [payload];
  },
  normalize(item) {
    const parsed = parseItem(OktaLogEvent, item, 'okta');
    return parsed.ok ? mapOktaEvent(parsed.value, item) : parsed.result;
  },
};
