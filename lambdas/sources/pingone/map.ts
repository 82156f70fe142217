/**
 * PingOne audit activities, as a PingOne webhook (format `ACTIVITY`) posts them: one activity per
 * request, or an array, or an Activities API page (`{"_embedded": {"activities": [...]}}`).
 * `action.type` is `<RESOURCE>.<ACTION>` from PingOne's fixed list (USER.ACCESS_ALLOWED,
 * OTP.CHECK_FAILED, DEVICE.FRAUD_REPORTED, …); `resources` names the affected user and
 * `actors.user` who acted.
 *
 * @see https://apidocs.pingidentity.com/pingone/platform/v1/api/#audit-activities
 * @see https://apidocs.pingidentity.com/pingone/platform/v1/api/#subscriptions-webhooks
 * @example {"id":"9a…","recordedAt":"2026-11-20T10:00:00.123Z","correlationId":"f1…","action":{"type":"USER.ACCESS_ALLOWED"},
 *   "actors":{"user":{"id":"7c…","name":"jo@example.com","type":"USER"}},"resources":[{"type":"USER","id":"7c…","name":"jo@example.com"}],
 *   "result":{"status":"SUCCESS","description":"Passed role access control"}}
 */
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

const Str = z.string().nullish();
const Named = z.looseObject({ id: Str, name: Str, type: Str });
export const PingOneActivity = z.looseObject({
  id: z.string().min(1),
  recordedAt: Str,
  createdAt: Str,
  correlationId: Str,
  action: z.looseObject({ type: z.string().min(1), description: Str }),
  actors: z.looseObject({ user: Named.nullish(), client: Named.nullish() }).nullish(),
  resources: z.array(Named).nullish(),
  result: z.looseObject({ status: Str, description: Str }).nullish(),
  source: z.looseObject({ ipAddress: Str, userAgent: Str }).nullish(),
});
export type PingOneActivity = z.infer<typeof PingOneActivity>;

type Row = { category: Category; outcome?: Outcome; factor?: Factor; mfa?: boolean };
const ACTIONS: Record<string, Row> = {
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
};

const FACTOR_WORDS: [RegExp, Factor][] = [
  [/push|mobile app/i, 'push'], [/sms|text message/i, 'sms'], [/voice|call/i, 'voice'], [/email/i, 'email'],
  [/totp|authenticator app/i, 'totp'], [/fido|webauthn|security key|platform/i, 'webauthn'], [/otp/i, 'totp'],
];
const wordFactor = (s: string | null): Factor | null => (s ? FACTOR_WORDS.find(([re]) => re.test(s))?.[1] ?? null : null);

export function mapPingOne(a: PingOneActivity, original: unknown): ItemResult {
  const time = toIsoMillis(a.recordedAt) ?? toIsoMillis(a.createdAt);
  if (!time) return reject(`pingone activity ${a.id}: neither "recordedAt" nor "createdAt" is a time`);
  const type = a.action.type.toUpperCase();
  const row = ACTIONS[type];
  const status = text(a.result?.status)?.toUpperCase();
  const description = text(a.result?.description) ?? text(a.action.description);
  let outcome: Outcome = row?.outcome ?? (status === 'SUCCESS' ? 'success' : status === 'FAILED' || status === 'FAILURE' ? 'failure' : 'unknown');
  if (row?.outcome === 'success' && (status === 'FAILED' || status === 'FAILURE')) outcome = 'failure';
  // A push the user declined shows as a failed check whose description says so.
  if (outcome === 'failure' && row?.mfa && description && /reject|declin|denied by (the )?user/i.test(description)) outcome = 'denied';
  const target = a.resources?.find((r) => r.type?.toUpperCase() === 'USER');
  const actor = a.actors?.user;
  const subject = target ?? actor;
  const adminActing = !!actor?.id && !!target?.id && actor.id !== target.id;
  const category = row?.category ?? (adminActing ? 'admin' : 'other');
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
    is_mfa: row?.mfa ?? (row?.factor === 'password' || category.startsWith('factor_') || category === 'lockout' || category === 'unlock' ? false : null),
    factor,
    factor_raw: row?.mfa || category.startsWith('factor_') ? description : null,
    user_id: text(subject?.id),
    user_login: login,
    user_email: looksLikeEmail(login) ? login.toLowerCase() : null,
    actor_id: adminActing ? text(actor?.id) : null,
    actor_login: adminActing ? text(actor?.name) : null,
    src_ip: cleanIp(a.source?.ipAddress),
    user_agent: text(a.source?.userAgent),
    correlation_id: text(a.correlationId),
    app_id: text(a.actors?.client?.id),
    app_name: text(a.actors?.client?.name),
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const pingone: Normalizer = {
  kind: 'pingone',
  docs: 'https://apidocs.pingidentity.com/pingone/platform/v1/api/#audit-activities',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => pingone.unwrap(p));
    if (isObject(payload) && isObject(payload['_embedded']) && Array.isArray(payload['_embedded']['activities'])) return payload['_embedded']['activities'];
    return [payload];
  },
  normalize(item) {
    const p = parseItem(PingOneActivity, item, 'pingone');
    return p.ok ? mapPingOne(p.value, item) : p.result;
  },
};
