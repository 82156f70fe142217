/**
 * Okta System Log events (LogEvent), from every way Okta delivers them:
 * - Event Hooks: `{"eventType":"com.okta.event_hook", "data": {"events": [LogEvent, ...]}}`
 * - EventBridge log streaming: an EventBridge envelope whose `detail` is one LogEvent
 * - the System Log API `GET /api/v1/logs`: a JSON array of LogEvents (one page)
 *
 * @see https://developer.okta.com/docs/reference/api/system-log/#logevent-object
 * @see https://developer.okta.com/docs/reference/api/event-types/
 * @see https://developer.okta.com/docs/concepts/event-hooks/
 * @example {"uuid":"9f0c…","published":"2026-11-21T08:59:58.123Z","eventType":"user.authentication.auth_via_mfa",
 *   "actor":{"id":"00u1…","type":"User","alternateId":"jo@example.com"},"outcome":{"result":"SUCCESS"},
 *   "client":{"ipAddress":"198.51.100.7","geographicalContext":{"country":"Germany"}},
 *   "debugContext":{"debugData":{"factor":"OKTA_VERIFY_PUSH"}}}
 */
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, lat, lon, looksLikeEmail, text, toCountryCode, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import type { Puller } from '../../core/pull.ts';

const Str = z.string().nullish();
const Geo = z.object({
  city: Str, state: Str, country: Str, postalCode: Str,
  geolocation: z.object({ lat: z.number().nullish(), lon: z.number().nullish() }).nullish(),
}).nullish();
const Entity = z.object({
  id: Str, type: Str, alternateId: Str, displayName: Str,
  detailEntry: z.record(z.string(), z.unknown()).nullish(),
});

/** Only the fields the mapping reads are declared; everything else is kept verbatim in `raw`. */
export const OktaLogEvent = z.object({
  uuid: z.string().min(1),
  published: z.string().min(1),
  eventType: z.string().min(1),
  displayMessage: Str,
  legacyEventType: Str,
  actor: Entity.nullish(),
  client: z.object({
    ipAddress: Str, device: Str, id: Str, zone: Str,
    userAgent: z.object({ rawUserAgent: Str, os: Str, browser: Str }).nullish(),
    geographicalContext: Geo,
  }).nullish(),
  device: z.object({ id: Str, name: Str, os_platform: Str, os_version: Str }).nullish(),
  outcome: z.object({ result: Str, reason: Str }).nullish(),
  authenticationContext: z.object({
    credentialType: Str, credentialProvider: Str, externalSessionId: Str, rootSessionId: Str,
    authenticationProvider: Str,
  }).nullish(),
  debugContext: z.object({ debugData: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  transaction: z.object({ id: Str, type: Str }).nullish(),
  request: z.object({ ipChain: z.array(z.object({ ip: Str, geographicalContext: Geo })).nullish() }).nullish(),
  target: z.array(Entity).nullish(),
});
export type OktaLogEvent = z.infer<typeof OktaLogEvent>;

/** eventType → category, and an outcome that the event type itself implies (it wins over `outcome.result`). */
const EVENT_TYPES: Record<string, { category: Category; outcome?: Outcome; mfa?: boolean; factor?: Factor }> = {
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
  'user.mfa.factor.suspend': { category: 'admin' },
  'user.mfa.factor.unsuspend': { category: 'admin' },
  'user.account.lock': { category: 'lockout' },
  'user.account.lock.limit': { category: 'lockout' },
  'user.account.unlock': { category: 'unlock' },
  'user.account.unlock_by_admin': { category: 'unlock' },
  'user.account.unlock_token': { category: 'unlock' },
  'user.account.report_suspicious_activity_by_enduser': { category: 'fraud_report', outcome: 'fraud' },
  'user.account.reset_password': { category: 'admin' },
  'user.account.update_password': { category: 'admin' },
};

const RESULTS: Record<string, Outcome> = {
  SUCCESS: 'success', ALLOW: 'success', FAILURE: 'failure', DENY: 'failure', CHALLENGE: 'challenge',
  UNANSWERED: 'failure', ABANDONED: 'failure', RATE_LIMIT: 'failure', SKIPPED: 'unknown',
  UNKNOWN: 'unknown', DEFERRED: 'unknown', SCHEDULED: 'unknown',
};

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

function debugString(d: Record<string, unknown> | null | undefined, key: string): string | null {
  return d ? text(d[key]) : null;
}

/** `risk` is `{level=HIGH, reasons=…}`; `logOnlySecurityData` is JSON with `risk.level`. */
function riskLevel(d: Record<string, unknown> | null | undefined): string | null {
  const risk = debugString(d, 'risk');
  const m = risk ? /level=([A-Z_]+)/i.exec(risk) : null;
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

export function mapOktaEvent(e: OktaLogEvent, original: unknown = e): ItemResult {
  const eventTime = toIsoMillis(e.published);
  if (!eventTime) return reject(`okta event ${e.uuid}: "published" is not a time: ${JSON.stringify(e.published).slice(0, 64)}`);
  const type = EVENT_TYPES[e.eventType];
  const debug = e.debugContext?.debugData;
  const targets = e.target ?? [];
  const actor = e.actor;

  // The subject is the affected user: a User target that is not the actor (an admin acting on
  // someone) or else the actor itself when the actor is a user.
  const targetUser = targets.find((t) => t.type === 'User' && t.id && t.id !== actor?.id);
  const actorIsUser = actor?.type === 'User';
  const subject = targetUser ?? (actorIsUser ? actor : targets.find((t) => t.type === 'User'));
  const admin = subject && actor && subject.id !== actor.id ? actor : null;

  const app = targets.find((t) => t.type === 'AppInstance');
  const enrollment = targets.find((t) => t.type === 'AuthenticatorEnrollment' || t.type === 'Authenticator');
  const methodUsed = text(enrollment?.detailEntry?.['methodTypeUsed']);
  const factorRaw = debugString(debug, 'factor') ?? methodUsed ?? text(enrollment?.displayName) ?? text(e.authenticationContext?.credentialType);
  const factor = type?.factor ?? oktaFactor(factorRaw);

  const result = text(e.outcome?.result)?.toUpperCase() ?? null;
  const outcome: Outcome = type?.outcome ?? (result ? RESULTS[result] ?? 'unknown' : 'unknown');
  let isMfa: boolean | null = null;
  if (type?.mfa) isMfa = true;
  else if (type?.category === 'login' || type?.category === 'sso') isMfa = factor !== null && factor !== 'password' && factor !== 'external_idp';
  else if (type) isMfa = false;

  const client = e.client;
  const hop = e.request?.ipChain?.[0];
  const geo = client?.geographicalContext ?? hop?.geographicalContext;
  const login = text(subject?.alternateId);

  return event(canonical({
    event_uid: e.uuid,
    event_time: eventTime,
    raw_event_type: e.eventType,
    category: type?.category ?? (e.eventType.startsWith('user.lifecycle.') || e.eventType.startsWith('group.') ? 'admin' : 'other'),
    outcome,
    reason: text(e.outcome?.reason) ?? (result && result !== 'SUCCESS' && result !== 'ALLOW' ? result : null),
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
    risk_level: riskLevel(debug),
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

// ----- System Log API pull (`GET /api/v1/logs`), a reconciler for what Event Hooks miss -----

export const OktaPullSettings = z.object({
  baseUrl: z.url(),
  apiToken: z.string().min(1),
  lookbackSeconds: z.number().int().positive().max(90 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(1000).default(1000),
});
export type OktaPullSettings = z.infer<typeof OktaPullSettings>;

/** `Link: <https://…/api/v1/logs?after=…>; rel="next"` → the next URL. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1]!;
  }
  return null;
}

export const oktaPuller: Puller<OktaPullSettings> = {
  kind: 'okta',
  settings: OktaPullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const base = new URL(s.baseUrl);
    // The `next` link is an opaque polling cursor; stay on the configured host whatever it says.
    let url: URL;
    if (typeof cursor?.['next'] === 'string') {
      const next = new URL(cursor['next']);
      url = new URL(`${next.pathname}${next.search}`, base.origin);
    } else {
      url = new URL('/api/v1/logs', base.origin);
      url.searchParams.set('since', new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString());
      url.searchParams.set('sortOrder', 'ASCENDING');
      url.searchParams.set('limit', String(s.pageSize));
    }
    const res = await ctx.http(url.toString(), { headers: { authorization: `SSWS ${s.apiToken}`, accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`okta /api/v1/logs: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const items = (await res.json()) as unknown[];
    const next = nextLink(res.headers.get('link'));
    // Okta always returns a next link when polling; an empty page means "caught up for now".
    return { items: Array.isArray(items) ? items : [], cursor: next ? { next } : (cursor ?? {}), done: !next || !items.length };
  },
};
