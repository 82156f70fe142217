/**
 * Microsoft Entra ID sign-in and audit logs:
 * - diagnostic settings (Event Hubs / storage forwarding): `{"records": [{time, category,
 *   operationName, resultType, properties: {...signIn or directoryAudit}}]}`
 * - Microsoft Graph `auditLogs/signIns` / `auditLogs/directoryAudits` pages: `{"value": [...]}`
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/signin
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-azure-monitor-sign-ins-log-schema
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 * @example {"records":[{"time":"2026-11-20T10:00:00.1234567Z","category":"SignInLogs","resultType":"500121",
 *   "properties":{"id":"6f…","userPrincipalName":"jo@example.com","status":{"errorCode":500121}}}]}
 */
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, lat, lon, looksLikeEmail, num, text, toCountryCode, toIsoMillis } from '../../core/fields.ts';
import { event, ignore, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import type { PullContext, Puller } from '../../core/pull.ts';
import { oauthToken } from '../oauth-token.ts';

const Str = z.string().nullish();

const AuthDetail = z.looseObject({
  authenticationMethod: Str, authenticationMethodDetail: Str, succeeded: z.boolean().nullish(),
  authenticationStepResultDetail: Str, authenticationStepRequirement: Str,
});

export const EntraSignIn = z.looseObject({
  id: z.string().min(1),
  createdDateTime: z.string().min(1),
  userId: Str, userPrincipalName: Str, userDisplayName: Str,
  appId: Str, appDisplayName: Str, ipAddress: Str, userAgent: Str, correlationId: Str, sessionId: Str,
  clientAppUsed: Str, isInteractive: z.boolean().nullish(),
  authenticationRequirement: Str,
  status: z.looseObject({ errorCode: z.union([z.number(), z.string()]).nullish(), failureReason: Str, additionalDetails: Str }).nullish(),
  deviceDetail: z.looseObject({ deviceId: Str, displayName: Str, operatingSystem: Str, browser: Str }).nullish(),
  location: z.looseObject({
    city: Str, state: Str, countryOrRegion: Str,
    geoCoordinates: z.looseObject({ latitude: z.number().nullish(), longitude: z.number().nullish() }).nullish(),
  }).nullish(),
  authenticationDetails: z.array(AuthDetail).nullish(),
  mfaDetail: z.looseObject({ authMethod: Str, authDetail: Str }).nullish(),
  riskLevelDuringSignIn: Str, riskLevelAggregated: Str,
});
export type EntraSignIn = z.infer<typeof EntraSignIn>;

const Party = z.looseObject({ id: Str, userPrincipalName: Str, displayName: Str, ipAddress: Str }).nullish();
export const EntraAudit = z.looseObject({
  id: z.string().min(1),
  activityDateTime: z.string().min(1),
  activityDisplayName: z.string().min(1),
  category: Str, result: Str, resultReason: Str, correlationId: Str, loggedByService: Str,
  initiatedBy: z.looseObject({ user: Party, app: z.looseObject({ appId: Str, displayName: Str }).nullish() }).nullish(),
  targetResources: z.array(z.looseObject({ id: Str, userPrincipalName: Str, displayName: Str, type: Str })).nullish(),
});
export type EntraAudit = z.infer<typeof EntraAudit>;

/** Interrupts: the sign-in paused for a second factor (or similar); a prompt, never a failure. */
const INTERRUPTS = new Set([50072, 50074, 50076, 50079, 50097, 50125, 50140, 50158, 81010]);

const METHODS: [RegExp, Factor][] = [
  [/notification|push|approv.*(app|authenticator)/i, 'push'],
  [/text message|sms/i, 'sms'],
  [/phone call|voice/i, 'voice'],
  [/fido|security key|passkey/i, 'webauthn'],
  [/windows hello|biometric/i, 'biometric'],
  [/verification code|oath|totp|software token|hardware token/i, 'totp'],
  [/certificate|x\.509/i, 'certificate'],
  [/email/i, 'email'],
  [/temporary access pass/i, 'bypass_code'],
  [/previously satisfied|claim in the token/i, 'remembered_device'],
  [/federat/i, 'external_idp'],
  [/password/i, 'password'],
];
export function entraFactor(raw: string | null): Factor | null {
  if (!raw) return null;
  for (const [re, f] of METHODS) if (re.test(raw)) return f;
  return 'other';
}

export function mapEntraSignIn(s: EntraSignIn, original: unknown, eventType: string): ItemResult {
  const time = toIsoMillis(s.createdDateTime);
  if (!time) return reject(`entra sign-in ${s.id}: "createdDateTime" is not a time`);
  const code = num(s.status?.errorCode) ?? 0;
  const steps = s.authenticationDetails ?? [];
  // The second factor is the step that is not the password (or the MFA detail Entra gives).
  const mfaStep = steps.find((d) => d.authenticationStepRequirement?.toLowerCase().includes('mfa') || (d.authenticationMethod && !/password|previously satisfied/i.test(d.authenticationMethod)));
  const detailText = [s.status?.additionalDetails, ...steps.map((d) => d.authenticationStepResultDetail)].filter(Boolean).join(' | ');
  // The reason names the failing step once, not every step's detail.
  const failing = steps.find((d) => d.succeeded === false);
  const reasonDetail = [...new Set([text(s.status?.additionalDetails), text(failing?.authenticationStepResultDetail)].filter((x): x is string => !!x))].join('; ');
  const factorRaw = text(s.mfaDetail?.authMethod) ?? text(mfaStep?.authenticationMethod) ?? text(steps.find((d) => /previously satisfied/i.test(d.authenticationMethod ?? ''))?.authenticationMethod)
    ?? (/claim in the token/i.test(detailText) ? 'MFA requirement satisfied by claim in the token' : null) ?? text(steps[0]?.authenticationMethod);

  let category: Category = 'login';
  let outcome: Outcome;
  if (code === 0) outcome = 'success';
  else if (INTERRUPTS.has(code)) { outcome = 'challenge'; category = 'mfa_challenge'; }
  else if (code === 500121) {
    category = 'mfa_verify';
    outcome = /fraud/i.test(detailText) ? 'fraud' : /declined|denied|rejected/i.test(detailText) && !/timed? ?out|did not respond/i.test(detailText) ? 'denied' : 'failure';
  } else if (code === 50053) { outcome = 'failure'; category = 'lockout'; }
  else outcome = 'failure';

  const mfaRequired = s.authenticationRequirement === 'multiFactorAuthentication';
  const factor = entraFactor(factorRaw);
  const isMfa = category === 'mfa_verify' || category === 'mfa_challenge' || (mfaRequired && outcome === 'success') || (factor !== null && !['password', 'external_idp'].includes(factor) && outcome === 'success');
  const upn = text(s.userPrincipalName);
  const risk = text(s.riskLevelDuringSignIn) ?? text(s.riskLevelAggregated);
  return event(canonical({
    event_uid: s.id,
    event_time: time,
    raw_event_type: eventType,
    category,
    outcome,
    reason: code === 0 ? (text(s.status?.additionalDetails) ?? null) : `${code}: ${text(s.status?.failureReason) ?? 'error'}${reasonDetail ? ` (${reasonDetail})` : ''}`,
    is_mfa: isMfa,
    factor,
    factor_raw: factorRaw,
    user_id: text(s.userId),
    user_login: upn,
    user_email: looksLikeEmail(upn) ? upn.toLowerCase() : null,
    src_ip: cleanIp(s.ipAddress),
    user_agent: text(s.userAgent),
    os: text(s.deviceDetail?.operatingSystem),
    browser: text(s.deviceDetail?.browser),
    device_id: text(s.deviceDetail?.deviceId),
    device_name: text(s.deviceDetail?.displayName),
    geo_country: toCountryCode(s.location?.countryOrRegion),
    geo_region: text(s.location?.state),
    geo_city: text(s.location?.city),
    geo_lat: lat(s.location?.geoCoordinates?.latitude),
    geo_lon: lon(s.location?.geoCoordinates?.longitude),
    session_id: text(s.sessionId),
    correlation_id: text(s.correlationId),
    app_id: text(s.appId),
    app_name: text(s.appDisplayName),
    risk_level: risk && risk !== 'hidden' ? risk : null,
    raw: JSON.stringify(original),
  }));
}

const AUDIT_ACTIVITIES: [RegExp, Category][] = [
  [/registered security info|added? (an )?authentication method|registered (an )?authentication method/i, 'factor_enroll'],
  [/deleted security info|deleted (an )?authentication method|removed? (an )?authentication method/i, 'factor_remove'],
  [/require re-?register multifactor|reset .*(mfa|multifactor|authentication methods)|revoke.*multifactor/i, 'factor_reset'],
  [/unlock/i, 'unlock'],
  [/lock/i, 'lockout'],
];

export function mapEntraAudit(a: EntraAudit, original: unknown): ItemResult {
  const time = toIsoMillis(a.activityDateTime);
  if (!time) return reject(`entra audit ${a.id}: "activityDateTime" is not a time`);
  const category = AUDIT_ACTIVITIES.find(([re]) => re.test(a.activityDisplayName))?.[1] ?? (a.category === 'UserManagement' ? 'admin' : 'other');
  const initiator = a.initiatedBy?.user;
  const target = a.targetResources?.find((t) => t.type === 'User') ?? a.targetResources?.[0];
  const subject = target?.id || target?.userPrincipalName ? target : initiator;
  const adminActing = !!initiator?.id && !!subject?.id && initiator.id !== subject.id;
  const login = text(subject?.userPrincipalName);
  const result = text(a.result)?.toLowerCase();
  return event(canonical({
    event_uid: a.id,
    event_time: time,
    raw_event_type: a.activityDisplayName,
    category,
    outcome: result === 'success' ? 'success' : result === 'failure' ? 'failure' : result === 'timeout' ? 'error' : 'unknown',
    reason: text(a.resultReason),
    is_mfa: false,
    factor: category.startsWith('factor_') ? entraFactor(text(a.resultReason)) : null,
    factor_raw: category.startsWith('factor_') ? text(a.resultReason) : null,
    user_id: text(subject?.id),
    user_login: login,
    user_email: looksLikeEmail(login) ? login.toLowerCase() : null,
    actor_id: adminActing ? text(initiator?.id) : null,
    actor_login: adminActing ? text(initiator?.userPrincipalName) : null,
    src_ip: cleanIp(initiator?.ipAddress),
    correlation_id: text(a.correlationId),
    app_id: text(a.initiatedBy?.app?.appId),
    app_name: text(a.initiatedBy?.app?.displayName),
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SIGNIN_CATEGORIES = new Set(['SignInLogs', 'NonInteractiveUserSignInLogs', 'ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs']);

export const entra: Normalizer = {
  kind: 'entra',
  docs: 'https://learn.microsoft.com/en-us/graph/api/resources/signin',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => entra.unwrap(p));
    if (isObject(payload)) {
      if (Array.isArray(payload['records'])) return payload['records'];
      if (Array.isArray(payload['value'])) return payload['value'];
    }
    return [payload];
  },
  normalize(item) {
    if (!isObject(item)) return reject('entra record is not a JSON object');
    // A diagnostic-settings record wraps the Graph resource in `properties`.
    if (typeof item['category'] === 'string' && isObject(item['properties'])) {
      const category = item['category'];
      const props = { ...item['properties'] } as Record<string, unknown>;
      if (SIGNIN_CATEGORIES.has(category)) {
        props['createdDateTime'] ??= item['time'];
        props['id'] ??= item['correlationId'];
        const p = parseItem(EntraSignIn, props, 'entra');
        return p.ok ? mapEntraSignIn(p.value, item, category) : p.result;
      }
      if (category === 'AuditLogs') {
        props['activityDateTime'] ??= item['time'];
        props['activityDisplayName'] ??= item['operationName'];
        const p = parseItem(EntraAudit, props, 'entra');
        return p.ok ? mapEntraAudit(p.value, item) : p.result;
      }
      return ignore(`entra category ${category} carries no sign-in or audit events`);
    }
    if ('activityDisplayName' in item) {
      const p = parseItem(EntraAudit, item, 'entra');
      return p.ok ? mapEntraAudit(p.value, item) : p.result;
    }
    const p = parseItem(EntraSignIn, item, 'entra');
    return p.ok ? mapEntraSignIn(p.value, item, item['isInteractive'] === false ? 'NonInteractiveUserSignInLogs' : 'SignInLogs') : p.result;
  },
};

// ----- Microsoft Graph pull: `auditLogs/signIns` with an app-only (client credentials) token -----

export const EntraPullSettings = z.object({
  baseUrl: z.url().default('https://graph.microsoft.com'),
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  tokenUrl: z.url().optional(),
  lookbackSeconds: z.number().int().positive().max(30 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(1000).default(1000),
});
export type EntraPullSettings = z.infer<typeof EntraPullSettings>;

/** Sign-ins reach Graph a few minutes late; each window ends 5 minutes ago and overlaps by 15. */
const GRAPH_LAG_MS = 5 * 60_000;
const GRAPH_OVERLAP_MS = 15 * 60_000;
function graphToken(ctx: PullContext<EntraPullSettings>): Promise<string> {
  const s = ctx.settings;
  const tokenUrl = s.tokenUrl ?? `https://login.microsoftonline.com/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`;
  return oauthToken({
    http: ctx.http, now: ctx.now, vendor: 'entra', tokenUrl, cacheKey: s.clientId,
    form: () => ({ client_id: s.clientId, client_secret: s.clientSecret, scope: `${new URL(s.baseUrl).origin}/.default`, grant_type: 'client_credentials' }),
  });
}

export const entraPuller: Puller<EntraPullSettings> = {
  kind: 'entra',
  settings: EntraPullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const origin = new URL(s.baseUrl).origin;
    const since = String(cursor?.['since'] ?? new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString());
    const until = String(cursor?.['until'] ?? new Date(ctx.now.getTime() - GRAPH_LAG_MS).toISOString());
    let url: URL;
    if (typeof cursor?.['next'] === 'string') {
      // Follow @odata.nextLink, but only on the configured host.
      const next = new URL(cursor['next']);
      url = new URL(`${next.pathname}${next.search}`, origin);
    } else {
      url = new URL('/v1.0/auditLogs/signIns', origin);
      url.searchParams.set('$filter', `createdDateTime ge ${since} and createdDateTime le ${until}`);
      url.searchParams.set('$top', String(s.pageSize));
    }
    const res = await ctx.http(url.toString(), { headers: { authorization: `Bearer ${await graphToken(ctx)}`, accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`entra ${url.pathname}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as { value?: unknown[]; '@odata.nextLink'?: string };
    const items = Array.isArray(body.value) ? body.value : [];
    const next = body['@odata.nextLink'];
    if (next) return { items, cursor: { since, until, next }, done: false };
    return { items, cursor: { since: new Date(Math.max(Date.parse(since), Date.parse(until) - GRAPH_OVERLAP_MS)).toISOString() }, done: true };
  },
};
