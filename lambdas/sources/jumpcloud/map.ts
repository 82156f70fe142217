/**
 * JumpCloud Directory Insights events (`POST /insights/directory/v1/events`, `x-api-key`,
 * `search_after` paging through the `X-Search_after` response header): SSO, user portal and
 * admin console logins, RADIUS, LDAP and device logins, and user changes.
 *
 * @see https://docs.jumpcloud.com/api/insights/directory/1.0/index.html
 * @see https://jumpcloud.com/support/use-directory-insights-api
 * @example {"id":"64f…","timestamp":"2026-11-20T10:00:00.123Z","event_type":"sso_auth","service":"sso","success":true,
 *   "mfa":true,"mfa_meta":{"type":"totp"},"initiated_by":{"type":"user","username":"jo"},"client_ip":"198.51.100.7"}
 */
import { z } from 'zod';
import { canonical, type Category, type Factor } from '../../core/event.ts';
import { cleanIp, lat, lon, looksLikeEmail, text, toCountryCode, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import type { Puller } from '../../core/pull.ts';

const Str = z.string().nullish();
const Who = z.looseObject({ id: Str, type: Str, username: Str, email: Str }).nullish();
export const JumpCloudEvent = z.looseObject({
  id: z.string().min(1),
  timestamp: z.string().min(1),
  event_type: z.string().min(1),
  service: Str,
  success: z.boolean().nullish(),
  mfa: z.boolean().nullish(),
  mfa_meta: z.looseObject({ type: Str }).nullish(),
  auth_method: Str,
  error_message: Str,
  message: Str,
  username: Str,
  client_ip: Str,
  initiated_by: Who,
  resource: z.looseObject({ id: Str, type: Str, username: Str, email: Str, name: Str }).nullish(),
  application: z.looseObject({ id: Str, name: Str, display_label: Str }).nullish(),
  system: z.looseObject({ id: Str, displayName: Str, hostname: Str }).nullish(),
  geoip: z.looseObject({ country_code: Str, region_name: Str, latitude: z.number().nullish(), longitude: z.number().nullish() }).nullish(),
  useragent: z.looseObject({ name: Str, major: Str, os: Str, os_full: Str, device: Str }).nullish(),
});
export type JumpCloudEvent = z.infer<typeof JumpCloudEvent>;

const LOGINS: Record<string, Category> = {
  sso_auth: 'sso', user_login_attempt: 'login', admin_login_attempt: 'login', radius_auth_attempt: 'login',
  ldap_bind: 'login', login_attempt: 'login', password_manager_unlock: 'login',
};
const FACTORS: [RegExp, Factor][] = [
  [/protect|push/i, 'push'], [/totp|otp/i, 'totp'], [/webauthn|fido|security.?key/i, 'webauthn'],
  [/duo/i, 'other'], [/email/i, 'email'], [/sms/i, 'sms'], [/password/i, 'password'], [/cert/i, 'certificate'],
];
const jcFactor = (raw: string | null): Factor | null => (raw ? FACTORS.find(([re]) => re.test(raw))?.[1] ?? 'other' : null);

export function mapJumpCloud(e: JumpCloudEvent, original: unknown): ItemResult {
  const time = toIsoMillis(e.timestamp);
  if (!time) return reject(`jumpcloud event ${e.id}: "timestamp" is not a time`);
  const type = e.event_type;
  let category: Category = LOGINS[type] ?? 'other';
  if (/(totp|mfa|webauthn|factor).*(enroll|setup|create|add)|(enroll|setup).*(totp|mfa|webauthn)/i.test(type)) category = 'factor_enroll';
  else if (/(totp|mfa|webauthn|factor).*(reset|delete|remove|disable)/i.test(type)) category = /reset/i.test(type) ? 'factor_reset' : 'factor_remove';
  else if (/lockout|locked/i.test(type)) category = 'lockout';
  else if (/unlock/i.test(type)) category = 'unlock';
  else if (category === 'other' && e.initiated_by?.type === 'admin') category = 'admin';
  const factorRaw = text(e.mfa_meta?.type) ?? text(e.auth_method);
  const isLogin = category === 'login' || category === 'sso';
  const factor = isLogin ? (e.mfa ? jcFactor(text(e.mfa_meta?.type)) ?? 'other' : jcFactor(text(e.auth_method))) : category.startsWith('factor_') ? jcFactor(factorRaw ?? type) : null;
  const failure = text(e.error_message) ?? text(e.message);
  // A push the user turned down is a denial, not a wrong password.
  const denied = e.success === false && factor === 'push' && !!failure && /deni|reject|declin/i.test(failure);
  // The subject: a user resource an admin acted on, else whoever initiated the event.
  const target = e.resource?.type === 'user' ? e.resource : null;
  const actorIsAdmin = e.initiated_by?.type === 'admin';
  const subjectLogin = text(target?.username) ?? text(e.username) ?? text(e.initiated_by?.username);
  const subjectEmail = text(target?.email) ?? (actorIsAdmin && target ? null : text(e.initiated_by?.email));
  const admin = actorIsAdmin && target;
  const ua = e.useragent;
  return event(canonical({
    event_uid: e.id,
    event_time: time,
    raw_event_type: type,
    category,
    outcome: denied ? 'denied' : e.success === true ? 'success' : e.success === false ? 'failure' : 'unknown',
    reason: e.success === false ? failure : null,
    is_mfa: isLogin ? !!e.mfa : category === 'other' || category === 'admin' ? null : false,
    factor,
    factor_raw: factorRaw ?? (category.startsWith('factor_') ? type : null),
    user_id: text(target?.id) ?? (actorIsAdmin ? null : text(e.initiated_by?.id)),
    user_login: subjectLogin,
    user_email: looksLikeEmail(subjectEmail) ? subjectEmail.toLowerCase() : looksLikeEmail(subjectLogin) ? subjectLogin.toLowerCase() : null,
    actor_id: admin ? text(e.initiated_by?.id) : null,
    actor_login: admin ? (text(e.initiated_by?.email) ?? text(e.initiated_by?.username)) : null,
    src_ip: cleanIp(e.client_ip),
    os: text(ua?.os_full) ?? text(ua?.os),
    browser: [text(ua?.name), text(ua?.major)].filter(Boolean).join(' ') || null,
    device_id: text(e.system?.id),
    device_name: text(e.system?.displayName) ?? text(e.system?.hostname),
    geo_country: toCountryCode(e.geoip?.country_code),
    geo_region: text(e.geoip?.region_name),
    geo_lat: lat(e.geoip?.latitude),
    geo_lon: lon(e.geoip?.longitude),
    app_id: text(e.application?.id),
    app_name: text(e.application?.display_label) ?? text(e.application?.name),
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

export const JumpCloudPullSettings = z.object({
  baseUrl: z.url().default('https://api.jumpcloud.com'),
  apiKey: z.string().min(1),
  orgId: z.string().min(1).optional(),
  services: z.array(z.string().min(1)).min(1).default(['all']),
  lookbackSeconds: z.number().int().positive().max(90 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(10_000).default(1000),
});
export type JumpCloudPullSettings = z.infer<typeof JumpCloudPullSettings>;

/** Directory Insights indexes events within about a minute; windows overlap by five. */
const LAG_MS = 60_000;
const OVERLAP_MS = 5 * 60_000;

export const jumpcloudPuller: Puller<JumpCloudPullSettings> = {
  kind: 'jumpcloud',
  settings: JumpCloudPullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const start = String(cursor?.['start_time'] ?? new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString());
    const end = String(cursor?.['end_time'] ?? new Date(ctx.now.getTime() - LAG_MS).toISOString());
    const body: Record<string, unknown> = { service: s.services, start_time: start, end_time: end, limit: s.pageSize, sort: 'ASC' };
    if (Array.isArray(cursor?.['search_after'])) body['search_after'] = cursor['search_after'];
    const res = await ctx.http(`${new URL(s.baseUrl).origin}/insights/directory/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': s.apiKey, 'content-type': 'application/json', accept: 'application/json', ...(s.orgId ? { 'x-org-id': s.orgId } : {}) },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`jumpcloud /insights/directory/v1/events: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const items = (await res.json()) as unknown[];
    const list = Array.isArray(items) ? items : [];
    let after: unknown = null;
    try { after = JSON.parse(res.headers.get('x-search_after') ?? 'null'); } catch { after = null; }
    if (list.length >= s.pageSize && Array.isArray(after)) {
      return { items: list, cursor: { start_time: start, end_time: end, search_after: after }, done: false };
    }
    const next = new Date(Math.max(Date.parse(start), Date.parse(end) - OVERLAP_MS)).toISOString();
    return { items: list, cursor: { start_time: next }, done: true };
  },
};
