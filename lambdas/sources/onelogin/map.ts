/**
 * OneLogin events, as an Event Webhook posts them (a JSON array or NDJSON of events) or the
 * Events API returns them (`{"data": [...]}`). Only `event_type_id`s whose meaning is
 * established are mapped (5 login, 6 failed authentication, 24 OTP device deregistered,
 * 172 authentication factor deleted, 531/553 locked and 551 suspended via API, 3 user assumed,
 * 11/211 password changed, 13 user created, 72 privilege granted, 90 unauthorized app access);
 * any other id is kept as `other` with its id as the raw event type, never guessed.
 *
 * @see https://developers.onelogin.com/api-docs/1/events/event-resource
 * @see https://developers.onelogin.com/api-docs/1/events/event-types
 * @example {"uuid":"1f0…","event_timestamp":"2026-11-20T10:00:00.123Z","event_type_id":6,"user_id":4711,
 *   "user_name":"jo@example.com","ipaddr":"198.51.100.7","error_description":"Incorrect password"}
 */
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

const Str = z.string().nullish();
const Id = z.union([z.string(), z.number()]).nullish();
export const OneLoginEvent = z.object({
  id: Id,
  uuid: Str,
  event_type_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  event_timestamp: Str,
  created_at: Str,
  user_id: Id, user_name: Str, login_name: Str,
  actor_user_id: Id, actor_user_name: Str,
  app_id: Id, app_name: Str,
  ipaddr: Str, user_agent: Str,
  otp_device_id: Id, otp_device_name: Str,
  authentication_factor_type: Id, authentication_factor_description: Str,
  error_description: Str, notes: Str,
  risk_score: z.number().nullish(),
});
export type OneLoginEvent = z.infer<typeof OneLoginEvent>;

const TYPES: Record<number, { category: Category; outcome: Outcome; admin?: boolean }> = {
  5: { category: 'login', outcome: 'success' },
  6: { category: 'login', outcome: 'failure' },
  24: { category: 'factor_remove', outcome: 'success' },
  172: { category: 'factor_remove', outcome: 'success' },
  531: { category: 'lockout', outcome: 'failure' },
  553: { category: 'lockout', outcome: 'failure' },
  551: { category: 'lockout', outcome: 'failure' },
  90: { category: 'sso', outcome: 'failure' },
  3: { category: 'admin', outcome: 'success', admin: true },
  11: { category: 'admin', outcome: 'success' },
  211: { category: 'admin', outcome: 'success', admin: true },
  13: { category: 'admin', outcome: 'success', admin: true },
  72: { category: 'admin', outcome: 'success', admin: true },
};

const FACTORS: [RegExp, Factor][] = [
  [/protect|push/i, 'push'], [/sms|text/i, 'sms'], [/voice|call/i, 'voice'], [/yubi|hardware|rsa/i, 'hardware_token'],
  [/webauthn|fido|security key|passkey/i, 'webauthn'], [/google auth|authenticator|totp|otp/i, 'totp'], [/email/i, 'email'],
];
const factorOf = (s: string | null): Factor | null => (s ? FACTORS.find(([re]) => re.test(s))?.[1] ?? 'other' : null);
const idText = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? null : String(v));

export function mapOneLogin(e: OneLoginEvent, original: unknown): ItemResult {
  const uid = text(e.uuid) ?? idText(e.id);
  if (!uid) return reject('onelogin event has neither "uuid" nor "id"');
  const time = toIsoMillis(e.event_timestamp) ?? toIsoMillis(e.created_at);
  if (!time) return reject(`onelogin event ${uid}: neither "event_timestamp" nor "created_at" is a time`);
  const typeId = Number(e.event_type_id);
  const row = TYPES[typeId];
  const factorRaw = text(e.authentication_factor_description) ?? text(e.otp_device_name) ?? idText(e.authentication_factor_type);
  const secondFactor = !!(text(e.otp_device_name) || e.authentication_factor_type || text(e.authentication_factor_description));
  const category = row?.category ?? 'other';
  const actorDiffers = idText(e.actor_user_id) !== null && idText(e.actor_user_id) !== idText(e.user_id);
  const login = text(e.user_name) ?? text(e.login_name);
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: `event_type_id:${typeId}`,
    category,
    outcome: row?.outcome ?? 'unknown',
    reason: row?.outcome === 'failure' ? (text(e.error_description) ?? text(e.notes)) : null,
    is_mfa: category === 'login' ? secondFactor : category.startsWith('factor_') || category === 'lockout' ? false : null,
    factor: category === 'login' ? (secondFactor ? factorOf(factorRaw) : null) : category.startsWith('factor_') ? factorOf(factorRaw) : null,
    factor_raw: factorRaw,
    user_id: idText(e.user_id),
    user_login: login,
    user_email: looksLikeEmail(login) ? login.toLowerCase() : null,
    actor_id: actorDiffers ? idText(e.actor_user_id) : null,
    actor_login: actorDiffers ? text(e.actor_user_name) : null,
    src_ip: cleanIp(e.ipaddr),
    user_agent: text(e.user_agent),
    device_id: idText(e.otp_device_id),
    device_name: text(e.otp_device_name),
    app_id: idText(e.app_id),
    app_name: text(e.app_name),
    risk_level: typeof e.risk_score === 'number' ? String(e.risk_score) : null,
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const onelogin: Normalizer = {
  kind: 'onelogin',
  docs: 'https://developers.onelogin.com/api-docs/1/events/event-resource',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => onelogin.unwrap(p));
    if (isObject(payload) && Array.isArray(payload['data'])) return payload['data'];
    return [payload];
  },
  normalize(item) {
    const p = parseItem(OneLoginEvent, item, 'onelogin');
    return p.ok ? mapOneLogin(p.value, item) : p.result;
  },
};
