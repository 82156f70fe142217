/**
 * Google Workspace login audit activities (Admin SDK Reports API, application `login`):
 * pulled from `activities.list` with a service account (domain-wide delegation, JWT bearer
 * grant, impersonating an admin), or pushed by a `activities.watch` channel (the notification
 * body is one activity; `X-Goog-Channel-Token` authenticates it). One activity can carry several
 * events; each becomes one canonical event. Google gives no event id: it is derived from the
 * activity's time and unique qualifier, the event name and a hash of the event.
 *
 * @see https://developers.google.com/admin-sdk/reports/v1/appendix/activity/login
 * @see https://developers.google.com/admin-sdk/reports/reference/rest/v1/activities/list
 * @see https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests
 * @example {"id":{"time":"2026-11-20T10:00:00.123Z","uniqueQualifier":"-3181…","applicationName":"login"},
 *   "actor":{"email":"jo@example.com","profileId":"1057…"},"ipAddress":"198.51.100.7",
 *   "events":[{"type":"login","name":"login_success","parameters":[{"name":"login_challenge_method","multiValue":["password","google_prompt"]}]}]}
 */
import { createHash, createSign } from 'node:crypto';
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toCountryCode, toIsoMillis } from '../../core/fields.ts';
import { event, ignore, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import type { PullContext, Puller } from '../../core/pull.ts';
import { oauthToken } from '../oauth-token.ts';

const Str = z.string().nullish();
const Parameter = z.looseObject({ name: z.string(), value: Str, boolValue: z.boolean().nullish(), intValue: z.union([z.string(), z.number()]).nullish(), multiValue: z.array(z.string()).nullish() });
export const GoogleActivity = z.looseObject({
  id: z.looseObject({ time: z.string().min(1), uniqueQualifier: z.union([z.string(), z.number()]), applicationName: Str, customerId: Str }),
  actor: z.looseObject({ email: Str, profileId: Str, callerType: Str }).nullish(),
  ipAddress: Str,
  networkInfo: z.looseObject({ regionCode: Str, subdivisionCode: Str }).nullish(),
  events: z.array(z.looseObject({ type: Str, name: z.string().min(1), parameters: z.array(Parameter).nullish() })).min(1),
});
export type GoogleActivity = z.infer<typeof GoogleActivity>;

const METHODS: Record<string, Factor> = {
  password: 'password', google_prompt: 'push', google_authenticator: 'totp', totp: 'totp', security_key: 'webauthn',
  passkey: 'webauthn', idv_preregistered_phone: 'sms', idv_any_phone: 'sms', backup_code: 'bypass_code',
  internal_two_factor: 'other', third_party_sso: 'external_idp', saml: 'external_idp', email: 'email', none: 'unknown',
};

const EVENTS: Record<string, { category: Category; outcome?: Outcome }> = {
  login_success: { category: 'login', outcome: 'success' },
  login_failure: { category: 'login', outcome: 'failure' },
  logout: { category: 'logout', outcome: 'success' },
  login_challenge: { category: 'mfa_verify' },
  login_verification: { category: 'mfa_verify' },
  '2sv_enroll': { category: 'factor_enroll', outcome: 'success' },
  '2sv_disable': { category: 'factor_remove', outcome: 'success' },
  titanium_enroll: { category: 'factor_enroll', outcome: 'success' },
  titanium_unenroll: { category: 'factor_remove', outcome: 'success' },
  account_disabled_password_leak: { category: 'lockout', outcome: 'failure' },
  account_disabled_hijacked: { category: 'lockout', outcome: 'failure' },
  account_disabled_spamming: { category: 'lockout', outcome: 'failure' },
  account_disabled_generic: { category: 'lockout', outcome: 'failure' },
};

function params(e: GoogleActivity['events'][number]): Map<string, z.infer<typeof Parameter>> {
  return new Map((e.parameters ?? []).map((p) => [p.name, p]));
}

export function mapGoogle(a: GoogleActivity, original: unknown): ItemResult {
  const time = toIsoMillis(a.id.time);
  if (!time) return reject(`google activity ${a.id.uniqueQualifier}: "id.time" is not a time`);
  if (a.events.length !== 1) return reject('google activity must be split to one event per item');
  const e = a.events[0]!;
  const p = params(e);
  const row = EVENTS[e.name];
  const methods = p.get('login_challenge_method')?.multiValue ?? (text(p.get('login_challenge_method')?.value) ? [p.get('login_challenge_method')!.value!] : []);
  const second = methods.find((m) => m !== 'password');
  const factorRaw = second ?? methods[0] ?? text(p.get('login_type')?.value);
  const factor = factorRaw ? METHODS[factorRaw] ?? 'other' : null;
  const status = text(p.get('login_challenge_status')?.value);
  let outcome: Outcome = row?.outcome ?? 'unknown';
  if (e.name === 'login_challenge' || e.name === 'login_verification') outcome = /passed/i.test(status ?? '') ? 'success' : /failed/i.test(status ?? '') ? 'failure' : 'unknown';
  let category: Category = row?.category ?? 'other';
  // A challenge that asked only for the password is a sign-in step, not an MFA verification.
  if (category === 'mfa_verify' && factor === 'password') category = 'login';
  if (category === 'mfa_verify' && factor === 'bypass_code') category = 'mfa_bypass';
  const suspicious = p.get('is_suspicious')?.boolValue === true || /suspicious|attack/.test(e.name);
  const email = text(a.actor?.email);
  const uid = `${a.id.uniqueQualifier}:${time}:${e.name}:${createHash('sha256').update(JSON.stringify(e)).digest('hex').slice(0, 12)}`;
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: e.name,
    category,
    outcome,
    reason: text(p.get('login_failure_type')?.value) ?? (outcome === 'failure' ? status : null),
    is_mfa: category === 'mfa_verify' || category === 'mfa_bypass' ? true : category === 'login' ? !!second : category === 'other' ? null : false,
    factor,
    factor_raw: factorRaw ?? null,
    user_id: text(a.actor?.profileId),
    user_login: email,
    user_email: looksLikeEmail(email) ? email.toLowerCase() : null,
    src_ip: cleanIp(a.ipAddress),
    geo_country: toCountryCode(a.networkInfo?.regionCode),
    geo_region: text(a.networkInfo?.subdivisionCode),
    app_name: 'Google Workspace',
    risk_level: suspicious ? 'suspicious' : null,
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const googleWorkspace: Normalizer = {
  kind: 'google_workspace',
  docs: 'https://developers.google.com/admin-sdk/reports/v1/appendix/activity/login',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => googleWorkspace.unwrap(p));
    if (!isObject(payload)) return [payload];
    if (Array.isArray(payload['items'])) return payload['items'].flatMap((p) => googleWorkspace.unwrap(p));
    // One item per event: an activity with three events becomes three canonical events.
    if (Array.isArray(payload['events']) && payload['events'].length > 1) return payload['events'].map((ev) => ({ ...payload, events: [ev] }));
    return [payload];
  },
  normalize(item) {
    const p = parseItem(GoogleActivity, item, 'google_workspace');
    if (!p.ok) return p.result;
    if (p.value.id.applicationName && p.value.id.applicationName !== 'login') return ignore(`google application ${p.value.id.applicationName} is not the login audit`);
    return mapGoogle(p.value, item);
  },
};

// ----- Reports API pull with a service account (JWT bearer grant, domain-wide delegation) -----

export const GooglePullSettings = z.object({
  baseUrl: z.url().default('https://admin.googleapis.com'),
  serviceAccountKey: z.looseObject({ client_email: z.string().min(1), private_key: z.string().min(1), token_uri: z.url().optional() }),
  /** The admin the service account impersonates. */
  subject: z.string().min(3),
  tokenUrl: z.url().optional(),
  lookbackSeconds: z.number().int().positive().max(180 * 86_400).default(86_400),
  /** Login events can surface hours late; each window re-reads this much of the last one. */
  lateArrivalSeconds: z.number().int().min(0).max(86_400).default(3 * 3600),
  pageSize: z.number().int().min(1).max(1000).default(1000),
});
export type GooglePullSettings = z.infer<typeof GooglePullSettings>;

export const REPORTS_SCOPE = 'https://www.googleapis.com/auth/admin.reports.audit.readonly';
const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** The signed JWT a service account exchanges for an access token (RS256). */
export function serviceAccountAssertion(key: { client_email: string; private_key: string }, subject: string, audience: string, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000);
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ iss: key.client_email, sub: subject, scope: REPORTS_SCOPE, aud: audience, iat, exp: iat + 3600 }));
  const sig = createSign('RSA-SHA256').update(`${head}.${claims}`).sign(key.private_key);
  return `${head}.${claims}.${b64url(sig)}`;
}

function googleToken(ctx: PullContext<GooglePullSettings>): Promise<string> {
  const s = ctx.settings;
  const tokenUrl = s.tokenUrl ?? s.serviceAccountKey.token_uri ?? 'https://oauth2.googleapis.com/token';
  return oauthToken({
    http: ctx.http, now: ctx.now, vendor: 'google', tokenUrl, cacheKey: `${s.serviceAccountKey.client_email}|${s.subject}`,
    form: () => ({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: serviceAccountAssertion(s.serviceAccountKey, s.subject, tokenUrl, ctx.now) }),
  });
}

export const googlePuller: Puller<GooglePullSettings> = {
  kind: 'google_workspace',
  settings: GooglePullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const start = String(cursor?.['startTime'] ?? new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString());
    const end = String(cursor?.['endTime'] ?? ctx.now.toISOString());
    const url = new URL('/admin/reports/v1/activity/users/all/applications/login', new URL(s.baseUrl).origin);
    url.searchParams.set('startTime', start);
    url.searchParams.set('endTime', end);
    url.searchParams.set('maxResults', String(s.pageSize));
    if (typeof cursor?.['pageToken'] === 'string') url.searchParams.set('pageToken', cursor['pageToken']);
    const res = await ctx.http(url.toString(), { headers: { authorization: `Bearer ${await googleToken(ctx)}`, accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`google activities.list: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as { items?: unknown[]; nextPageToken?: string };
    const items = Array.isArray(body.items) ? body.items : [];
    if (body.nextPageToken) return { items, cursor: { startTime: start, endTime: end, pageToken: body.nextPageToken }, done: false };
    const next = new Date(Math.max(Date.parse(start), Date.parse(end) - s.lateArrivalSeconds * 1000)).toISOString();
    return { items, cursor: { startTime: next }, done: true };
  },
};
