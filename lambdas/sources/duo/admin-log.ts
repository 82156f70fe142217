/**
 * Duo administrator log (Admin API v1 `GET /admin/v1/logs/administrator`): what administrators,
 * the Admin API ("API"), Duo itself ("System") and directory syncs ("AD Sync: …") did — admin
 * sign-ins, admins created, bypass codes issued, policies and integrations changed. An entry has
 * no id: `event_uid` is derived from its time, action, object, username and description.
 *
 * - `username` is the administrator who acted (`actor_*`); for an admin's own sign-in, 2FA failure
 *   or lockout it is the subject (`user_*`).
 * - `object` is what was acted on: a user name, an admin's name, a phone number, a policy or
 *   integration name; `description` the change, as serialized JSON or free text.
 *
 * @see https://duo.com/docs/adminapi#administrator-logs
 * @see https://duo.com/docs/administration-users#generating-a-bypass-code
 * @see https://duo.com/docs/administration-admins#add-an-administrator
 * @example {"action":"bypass_create","description":"{\"bypass\": \"\", \"count\": 1, \"valid_secs\": 3600, \"remaining_uses\": 1, \"user_id\": \"DU…\"}",
 *   "isotimestamp":"2026-11-20T13:00:00+00:00","object":"carol","timestamp":1795179600,"username":"Helpdesk Admin"}
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis, table } from '../../core/fields.ts';
import { event, reject, type ItemResult } from '../../core/normalizer.ts';

const Str = lazy(() => z.string().nullish());
export const DuoAdminLog = lazy(() => z.looseObject({
  action: z.string().min(1),
  description: z.union([z.string(), z.looseObject({})]).nullish(),
  isotimestamp: built(Str),
  timestamp: z.union([z.number(), z.string()]).nullish(),
  object: built(Str),
  username: built(Str),
}));
export type DuoAdminLog = z.infer<typeof DuoAdminLog>;

/** Who the entry is about: the acting admin itself, the `object` as a user, or no user. */
type Subject = 'self' | 'object' | 'none';
interface AdminRow {
  category: Category;
  outcome?: Outcome;
  change?: Change;
  /** `target_type` of the object acted on; `target_name` is then the entry's `object`. */
  target?: string;
  subject?: Subject;
  factor?: Factor;
}

/** An action not (yet) known here is kept with its raw type, never dropped. */
const DEFAULT_ADMIN_ROW: AdminRow = { category: 'other', outcome: 'unknown', subject: 'none' };

/**
 * Every action Duo documents for the administrator log that an auditor's numbers or a rule depend
 * on. Choices the categories leave open:
 * - `bypass_create` is `factor_enroll` (factor `bypass_code`): an admin gave a user a way to pass
 *   2FA — a factor change (the factor-change rules see it), not a use of it (`mfa_bypass` is a
 *   sign-in that skipped MFA) nor an API credential (`credential_change`).
 * - `integration_create` / `integration_delete` are `credential_change`: every Duo integration is
 *   an integration key and secret key pair; viewing a secret key (`integration_skey_view`) changes
 *   nothing and stays `admin`.
 * - `admin_create` / `admin_delete` grant / revoke an admin role (`role_change`).
 */
const ADMIN_ACTIONS = table<AdminRow>({
  admin_login: { category: 'login', outcome: 'success', subject: 'self' },
  admin_login_error: { category: 'login', outcome: 'failure', subject: 'self' },
  admin_2fa_error: { category: 'mfa_verify', outcome: 'failure', subject: 'self' },
  admin_lockout: { category: 'lockout', outcome: 'failure', subject: 'self' },
  admin_create: { category: 'role_change', change: 'grant', target: 'role', subject: 'object' },
  admin_update: { category: 'admin', change: 'update', target: 'user', subject: 'object' },
  admin_delete: { category: 'role_change', change: 'revoke', target: 'role', subject: 'object' },
  admin_reset_password: { category: 'password_reset', change: 'update', target: 'user', subject: 'object' },
  admin_send_reset_password_email: { category: 'password_reset', change: 'update', target: 'user', subject: 'object' },
  admin_activate_duo_push: { category: 'factor_enroll', change: 'create', factor: 'push', subject: 'self' },
  admin_reactivates_duo_push: { category: 'factor_enroll', change: 'update', factor: 'push', subject: 'self' },
  admin_factor_restrictions_update: { category: 'policy_change', change: 'update', target: 'policy', subject: 'none' },
  update_admin_factor_restrictions: { category: 'policy_change', change: 'update', target: 'policy', subject: 'none' },
  admin_single_sign_on_update: { category: 'idp_change', change: 'update', target: 'idp', subject: 'none' },
  admin_single_sign_on_cert_update: { category: 'idp_change', change: 'update', target: 'idp', subject: 'none' },
  bypass_create: { category: 'factor_enroll', change: 'create', factor: 'bypass_code', target: 'user', subject: 'object' },
  bypass_delete: { category: 'factor_remove', change: 'delete', factor: 'bypass_code', target: 'user', subject: 'object' },
  bypass_view: { category: 'admin', factor: 'bypass_code', target: 'user', subject: 'object' },
  integration_create: { category: 'credential_change', change: 'create', target: 'app', subject: 'none' },
  integration_delete: { category: 'credential_change', change: 'delete', target: 'app', subject: 'none' },
  integration_update: { category: 'admin', change: 'update', target: 'app', subject: 'none' },
  integration_skey_view: { category: 'admin', target: 'app', subject: 'none' },
  integration_skey_bulk_view: { category: 'admin', target: 'app', subject: 'none' },
  integration_policy_assign: { category: 'policy_change', change: 'update', target: 'app', subject: 'none' },
  integration_policy_unassign: { category: 'policy_change', change: 'update', target: 'app', subject: 'none' },
  integration_group_policy_add: { category: 'policy_change', change: 'update', target: 'app', subject: 'none' },
  integration_group_policy_remove: { category: 'policy_change', change: 'update', target: 'app', subject: 'none' },
  policy_create: { category: 'policy_change', change: 'create', target: 'policy', subject: 'none' },
  policy_update: { category: 'policy_change', change: 'update', target: 'policy', subject: 'none' },
  policy_delete: { category: 'policy_change', change: 'delete', target: 'policy', subject: 'none' },
  user_create: { category: 'admin', change: 'create', target: 'user', subject: 'object' },
  user_update: { category: 'admin', change: 'update', target: 'user', subject: 'object' },
  user_delete: { category: 'admin', change: 'delete', target: 'user', subject: 'object' },
  user_pending_delete: { category: 'admin', change: 'delete', target: 'user', subject: 'object' },
  user_restore: { category: 'admin', change: 'activate', target: 'user', subject: 'object' },
  user_lockout_cleared: { category: 'unlock', change: 'activate', target: 'user', subject: 'object' },
  user_not_enrolled_lockout: { category: 'lockout', outcome: 'failure', target: 'user', subject: 'object' },
  user_adminapi_lockout: { category: 'lockout', outcome: 'failure', target: 'user', subject: 'object' },
  phone_create: { category: 'factor_enroll', change: 'create', factor: 'other', subject: 'none' },
  phone_delete: { category: 'factor_remove', change: 'delete', factor: 'other', subject: 'none' },
  phone_associate: { category: 'factor_enroll', change: 'grant', factor: 'other', subject: 'none' },
  phone_disassociate: { category: 'factor_remove', change: 'revoke', factor: 'other', subject: 'none' },
  u2ftoken_create: { category: 'factor_enroll', change: 'create', factor: 'u2f', subject: 'none' },
  u2ftoken_delete: { category: 'factor_remove', change: 'delete', factor: 'u2f', subject: 'none' },
  webauthncredential_create: { category: 'factor_enroll', change: 'create', factor: 'webauthn', subject: 'none' },
  webauthncredential_delete: { category: 'factor_remove', change: 'delete', factor: 'webauthn', subject: 'none' },
  hardtoken_create: { category: 'admin', change: 'create', target: 'hardware_token', subject: 'none' },
  hardtoken_delete: { category: 'admin', change: 'delete', target: 'hardware_token', subject: 'none' },
  group_create: { category: 'admin', change: 'create', target: 'group', subject: 'none' },
  group_update: { category: 'admin', change: 'update', target: 'group', subject: 'none' },
  group_delete: { category: 'admin', change: 'delete', target: 'group', subject: 'none' },
});

/** The factor an admin's sign-in used, as its description names it (`"factor": "push"`). */
const ADMIN_LOGIN_FACTORS = table<Factor>({
  push: 'push', duo_push: 'push', sms: 'sms', sms_passcode: 'sms', phone: 'voice', phone_call: 'voice', call: 'voice',
  passcode: 'totp', mobile_otp: 'totp', duo_mobile_passcode: 'totp', totp: 'totp', hardware_token: 'hardware_token', token: 'hardware_token',
  yubikey: 'hardware_token', yubikey_aes: 'hardware_token', webauthn: 'webauthn', security_key: 'webauthn', u2f: 'u2f', bypass_code: 'bypass_code',
});

/** User statuses an admin can set (`user_update` `{"status": …}`) and what each does to sign-ins. */
const USER_STATUS = table<AdminRow>({
  // A user in bypass status signs in without 2FA: the user's MFA requirement is switched off.
  bypass: { category: 'policy_change', change: 'deactivate', target: 'user', subject: 'object' },
  active: { category: 'admin', change: 'activate', target: 'user', subject: 'object' },
  disabled: { category: 'admin', change: 'deactivate', target: 'user', subject: 'object' },
  'locked out': { category: 'lockout', change: 'deactivate', outcome: 'failure', target: 'user', subject: 'object' },
});

/** The description as an object when it is serialized JSON, else null (it may be free text). */
function describe(d: DuoAdminLog['description']): Record<string, unknown> | null {
  if (d && typeof d === 'object') return d as Record<string, unknown>;
  if (typeof d !== 'string' || d.charCodeAt(0) !== 123 /* { */) return null;
  try {
    const v: unknown = JSON.parse(d);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function rowFor(action: string, info: Record<string, unknown> | null): AdminRow {
  if (action === 'user_update') {
    const status = text(info?.['status'])?.toLowerCase();
    if (status && USER_STATUS[status]) return USER_STATUS[status];
  }
  // An admin update that sets a role grants the admin that role (the description names only the new one).
  if (action === 'admin_update' && text(info?.['role'])) return { category: 'role_change', change: 'grant', target: 'role', subject: 'object' };
  return ADMIN_ACTIONS[action] ?? DEFAULT_ADMIN_ROW;
}

/** A stable id for an entry Duo gives none: the same entry fetched twice gets the same id. */
function adminUid(l: DuoAdminLog, time: string): string {
  const d = typeof l.description === 'string' ? l.description : JSON.stringify(l.description ?? null);
  const h = createHash('sha256').update(`${time}\n${l.action}\n${l.object ?? ''}\n${l.username ?? ''}\n${d}`).digest('hex');
  return `duo-admin:${time}:${h.slice(0, 24)}`;
}

export function mapDuoAdmin(l: DuoAdminLog, original: unknown): ItemResult {
  const time = toIsoMillis(l.timestamp) ?? toIsoMillis(l.isotimestamp);
  if (!time) return reject(`duo administrator log ${l.action}: neither "timestamp" nor "isotimestamp" is a time`);
  const action = l.action.trim().toLowerCase();
  const info = describe(l.description);
  const row = rowFor(action, info);
  const admin = text(l.username);
  const object = text(l.object);
  const isLogin = action === 'admin_login' || action === 'admin_login_error' || action === 'admin_2fa_error';
  const factorRaw = isLogin ? text(info?.['factor']) : row.factor === 'bypass_code' ? 'bypass_code' : null;
  const factor = isLogin ? (factorRaw ? ADMIN_LOGIN_FACTORS[factorRaw.toLowerCase()] ?? 'other' : null) : row.factor ?? null;
  const userLogin = row.subject === 'self' ? admin : row.subject === 'object' ? object : null;
  const email = text(info?.['email']);
  return event(canonical({
    event_uid: adminUid(l, time),
    event_time: time,
    raw_event_type: action,
    category: row.category,
    outcome: row.outcome ?? 'success',
    reason: text(info?.['error']) ?? text(info?.['message']) ?? (row.outcome === 'failure' && !info ? text(l.description) : null),
    // Duo requires 2FA of every admin sign-in: a sign-in naming its factor and a failed 2FA had a second factor;
    // a rejected password never reached it.
    is_mfa: action === 'admin_login_error' ? false : isLogin ? (action === 'admin_2fa_error' || factor !== null ? true : null) : row.category === 'other' ? null : false,
    factor,
    factor_raw: factorRaw,
    user_id: row.subject === 'object' ? text(info?.['user_id']) : null,
    user_login: userLogin,
    user_email: looksLikeEmail(email) ? email.toLowerCase() : looksLikeEmail(userLogin) ? userLogin.toLowerCase() : null,
    actor_login: row.subject === 'self' ? null : admin,
    src_ip: cleanIp(info?.['ip_address']),
    device_name: isLogin ? text(info?.['device']) : row.factor && row.subject === 'none' ? object : null,
    app_name: isLogin ? 'Duo Admin Panel' : null,
    target_type: row.target ?? null,
    target_id: row.target === 'user' ? text(info?.['user_id']) : null,
    target_name: row.target === 'role' ? text(info?.['role']) ?? null : row.target ? object : null,
    change: row.change ?? null,
    raw: JSON.stringify(original),
  }));
}
