/**
 * Keycloak user and admin events, as webhook event listeners deliver them: a single event, an
 * array, or `{"events": [...]}`. User events carry `type` (`LOGIN`, `LOGIN_ERROR`,
 * `UPDATE_CREDENTIAL`, …); admin events carry `operationType` + `resourcePath` + `authDetails`.
 * Listeners that prefix types (`access.LOGIN`, `admin.USER-DELETE`) are read too. Events without
 * an id get a deterministic one (SHA-256 of the event), so redeliveries still deduplicate.
 *
 * @see https://www.keycloak.org/docs-api/latest/javadocs/org/keycloak/events/EventType.html
 * @see https://www.keycloak.org/docs/latest/server_admin/#auditing-and-events
 * @example {"id":"0b0e…","time":1763632800123,"type":"LOGIN_ERROR","realmId":"acme","clientId":"portal",
 *   "userId":"5c1…","ipAddress":"198.51.100.7","error":"invalid_user_credentials","details":{"username":"jo"}}
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

const Str = z.string().nullish();
export const KeycloakEvent = z.looseObject({
  id: Str, uid: Str,
  time: z.union([z.number(), z.string()]),
  type: Str,
  realmId: Str, realmName: Str, clientId: Str, userId: Str, sessionId: Str, ipAddress: Str, error: Str,
  details: z.record(z.string(), z.unknown()).nullish(),
  operationType: Str, resourceType: Str, resourcePath: Str,
  authDetails: z.looseObject({ realmId: Str, clientId: Str, userId: Str, ipAddress: Str, username: Str }).nullish(),
});
export type KeycloakEvent = z.infer<typeof KeycloakEvent>;

const CREDENTIAL: [RegExp, Factor][] = [[/otp/i, 'totp'], [/webauthn-passwordless|passkey/i, 'webauthn'], [/webauthn/i, 'webauthn'], [/password/i, 'password'], [/recovery/i, 'bypass_code']];
const credentialFactor = (raw: string | null): Factor | null => (raw ? CREDENTIAL.find(([re]) => re.test(raw))?.[1] ?? 'other' : null);

const USER_EVENTS: Record<string, { category: Category; outcome: Outcome }> = {
  LOGIN: { category: 'login', outcome: 'success' },
  LOGIN_ERROR: { category: 'login', outcome: 'failure' },
  LOGOUT: { category: 'logout', outcome: 'success' },
  LOGOUT_ERROR: { category: 'logout', outcome: 'failure' },
  IDENTITY_PROVIDER_LOGIN: { category: 'login', outcome: 'success' },
  IDENTITY_PROVIDER_LOGIN_ERROR: { category: 'login', outcome: 'failure' },
  UPDATE_TOTP: { category: 'factor_enroll', outcome: 'success' },
  UPDATE_TOTP_ERROR: { category: 'factor_enroll', outcome: 'failure' },
  REMOVE_TOTP: { category: 'factor_remove', outcome: 'success' },
  REMOVE_TOTP_ERROR: { category: 'factor_remove', outcome: 'failure' },
  UPDATE_CREDENTIAL: { category: 'factor_enroll', outcome: 'success' },
  UPDATE_CREDENTIAL_ERROR: { category: 'factor_enroll', outcome: 'failure' },
  REMOVE_CREDENTIAL: { category: 'factor_remove', outcome: 'success' },
  REMOVE_CREDENTIAL_ERROR: { category: 'factor_remove', outcome: 'failure' },
  USER_DISABLED_BY_TEMPORARY_LOCKOUT: { category: 'lockout', outcome: 'failure' },
  USER_DISABLED_BY_PERMANENT_LOCKOUT: { category: 'lockout', outcome: 'failure' },
};

export function mapKeycloak(e: KeycloakEvent, uid: string, original: unknown): ItemResult {
  const time = toIsoMillis(e.time);
  if (!time) return reject(`keycloak event ${uid}: "time" is not a time`);
  const details = e.details ?? {};
  const type = text(e.type)?.replace(/^access\./i, '') ?? null;
  const isAdmin = !!e.operationType || /^admin\./i.test(e.type ?? '');

  if (isAdmin) {
    const path = text(e.resourcePath) ?? '';
    const target = /(?:^|\/)users\/([^/]+)/.exec(path)?.[1] ?? null;
    const op = (text(e.operationType) ?? type?.replace(/^admin\./i, '') ?? '').toUpperCase();
    let category: Category = 'admin';
    if (/\/credentials\//.test(path) && op.includes('DELETE')) category = 'factor_remove';
    else if (/reset-password|execute-actions-email/.test(path)) category = 'admin';
    const actor = e.authDetails;
    return event(canonical({
      event_uid: uid, event_time: time, raw_event_type: `${op} ${text(e.resourceType) ?? ''}`.trim(),
      category, outcome: e.error ? 'failure' : 'success', reason: text(e.error), is_mfa: false,
      user_id: target, actor_id: text(actor?.userId), actor_login: text(actor?.username),
      src_ip: cleanIp(actor?.ipAddress), app_id: text(actor?.clientId), raw: JSON.stringify(original),
    }));
  }

  const row = type ? USER_EVENTS[type] : undefined;
  const credentialRaw = text(details['credential_type']) ?? (type?.includes('TOTP') ? 'otp' : null);
  let factor = credentialFactor(credentialRaw);
  let category: Category = row?.category ?? 'other';
  let outcome: Outcome = row?.outcome ?? (type?.endsWith('_ERROR') ? 'failure' : 'unknown');
  const error = text(e.error);
  if (type === 'LOGIN_ERROR' && error === 'user_temporarily_disabled') category = 'lockout';
  // A failed second step (OTP or WebAuthn) is an MFA verification, not a password failure.
  if (type === 'LOGIN_ERROR' && factor && factor !== 'password') category = 'mfa_verify';
  if (type?.startsWith('IDENTITY_PROVIDER')) factor = 'external_idp';
  if (!row && !type?.endsWith('_ERROR') && type) outcome = 'success';
  const username = text(details['username']);
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: type,
    category,
    outcome,
    reason: error,
    is_mfa: category === 'mfa_verify' ? true : category === 'login' ? (factor !== null && !['password', 'external_idp'].includes(factor)) : category === 'other' ? null : false,
    factor,
    factor_raw: credentialRaw,
    user_id: text(e.userId),
    user_login: username,
    user_email: looksLikeEmail(username) ? username.toLowerCase() : null,
    src_ip: cleanIp(e.ipAddress),
    session_id: text(e.sessionId),
    correlation_id: text(details['code_id']),
    app_id: text(e.clientId),
    app_name: text(e.clientId),
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const keycloak: Normalizer = {
  kind: 'keycloak',
  docs: 'https://www.keycloak.org/docs/latest/server_admin/#auditing-and-events',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => keycloak.unwrap(p));
    if (isObject(payload) && Array.isArray(payload['events'])) return payload['events'];
    return [payload];
  },
  normalize(item) {
    const p = parseItem(KeycloakEvent, item, 'keycloak');
    if (!p.ok) return p.result;
    if (!p.value.type && !p.value.operationType) return reject('keycloak event has neither "type" nor "operationType"');
    const uid = text(p.value.id) ?? text(p.value.uid) ?? `sha256:${createHash('sha256').update(JSON.stringify(item)).digest('hex')}`;
    return mapKeycloak(p.value, uid, item);
  },
};
