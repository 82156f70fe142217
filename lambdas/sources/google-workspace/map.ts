/**
 * Google Workspace audit activities (Admin SDK Reports API) → canonical events (pure; the poller
 * is in `pull.ts`). Four applications carry authentication-relevant events:
 * - `login`: sign-ins, 2-step verification challenges, logouts, account warnings (and, in older
 *   activities, the user's own 2SV / password / recovery changes);
 * - `user_accounts`: the user's own 2SV enrolment and disabling, password and recovery changes;
 * - `admin`: Admin console changes — roles, super admin grants, 2SV enforcement, SSO, API clients
 *   (`admin-events.ts`);
 * - `token`: OAuth grants to third-party apps (`admin-events.ts`).
 * Activities arrive from `activities.list` pages (`items[]`) or one per `activities.watch`
 * notification. One activity can carry several events; each becomes one canonical event. Google
 * gives no event id: it is derived from the activity's time and unique qualifier, the event name
 * and a hash of the event.
 *
 * @see https://developers.google.com/workspace/admin/reports/v1/appendix/activity/login
 * @see https://developers.google.com/workspace/admin/reports/v1/appendix/activity/user-accounts
 * @see https://developers.google.com/workspace/admin/reports/v1/reference/activities/list
 * @example {"id":{"time":"2026-11-20T10:00:00.123Z","uniqueQualifier":"-3181…","applicationName":"login"},
 *   "actor":{"email":"jo@example.com","profileId":"1057…"},"ipAddress":"198.51.100.7",
 *   "events":[{"type":"login","name":"login_success","parameters":[{"name":"login_challenge_method","multiValue":["password","google_prompt"]}]}]}
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toCountryCode, toIsoMillis, table } from '../../core/fields.ts';
import { event, ignore, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import { ADMIN_DEFAULT, ADMIN_EVENTS, SSO_EVENT, TOKEN_EVENTS, type GoogleRow } from './admin-events.ts';

const Str = lazy(() => z.string().nullish());
const Parameter = lazy(() => z.looseObject({ name: z.string(), value: built(Str), boolValue: z.boolean().nullish(), intValue: z.union([z.string(), z.number()]).nullish(), multiValue: z.array(z.string()).nullish() }));
export const GoogleActivity = lazy(() => z.looseObject({
  // Parts read field by field are stripped to what is read (cheaper; `raw` keeps the activity). The
  // event keeps every key: its JSON is part of the derived event id.
  id: z.object({ time: z.string().min(1), uniqueQualifier: z.union([z.string(), z.number()]), applicationName: built(Str), customerId: built(Str) }),
  actor: z.object({ email: built(Str), profileId: z.union([z.string(), z.number()]).nullish(), callerType: built(Str), key: built(Str) }).nullish(),
  ipAddress: built(Str),
  networkInfo: z.object({ regionCode: built(Str), subdivisionCode: built(Str) }).nullish(),
  events: z.array(z.looseObject({ type: built(Str), name: z.string().min(1), parameters: z.array(built(Parameter)).nullish() })).min(1),
}));
export type GoogleActivity = z.infer<typeof GoogleActivity>;
type Params = Map<string, z.infer<typeof Parameter>>;

/** `login_challenge_method` values (and `login_type` for sign-ins that name no challenge). */
const METHODS = table<Factor>({
  password: 'password', google_password: 'password', google_prompt: 'push', device_prompt: 'push', google_authenticator: 'totp', totp: 'totp',
  idv_totp: 'totp', offline_otp: 'totp', security_key: 'webauthn', passkey: 'webauthn', security_key_otp: 'hardware_token',
  idv_preregistered_phone: 'sms', idv_any_phone: 'sms', backup_code: 'bypass_code', internal_two_factor: 'other',
  third_party_sso: 'external_idp', saml: 'external_idp', email: 'email', knowledge_preregistered_email: 'email',
  none: 'unknown', none_enrolled: 'unknown',
});
/** Factors that are not a second factor: the password itself, a federated sign-in (decided at the IdP), nothing. */
const NOT_SECOND = new Set<Factor>(['password', 'external_idp', 'unknown']);
const PASSED = /pass/i;
const FAILED = /fail/i;

/** `login` / `user_accounts` events, by name (the same names appear in both applications). */
const LOGIN_EVENTS = table<GoogleRow>({
  login_success: { category: 'login', outcome: 'success' },
  login_failure: { category: 'login', outcome: 'failure' },
  logout: { category: 'logout', outcome: 'success' },
  login_challenge: { category: 'mfa_verify' },
  login_verification: { category: 'mfa_verify' },
  '2sv_enroll': { category: 'factor_enroll', outcome: 'success', change: 'activate' },
  '2sv_disable': { category: 'factor_remove', outcome: 'success', change: 'deactivate' },
  titanium_enroll: { category: 'factor_enroll', outcome: 'success', change: 'activate' },
  titanium_unenroll: { category: 'factor_remove', outcome: 'success', change: 'deactivate' },
  password_edit: { category: 'password_reset', outcome: 'success', change: 'update', factor: 'password' },
  recovery_email_edit: { category: 'factor_enroll', outcome: 'success', change: 'update', factor: 'email' },
  recovery_phone_edit: { category: 'factor_enroll', outcome: 'success', change: 'update', factor: 'sms' },
  recovery_secret_qa_edit: { category: 'factor_enroll', outcome: 'success', change: 'update', factor: 'security_question' },
  account_disabled_password_leak: { category: 'lockout', outcome: 'failure' },
  account_disabled_hijacked: { category: 'lockout', outcome: 'failure' },
  account_disabled_spamming: { category: 'lockout', outcome: 'failure' },
  account_disabled_spamming_through_relay: { category: 'lockout', outcome: 'failure' },
  account_disabled_generic: { category: 'lockout', outcome: 'failure' },
  user_signed_out_due_to_suspicious_session_cookie: { category: 'logout', outcome: 'success' },
  risky_sensitive_action_allowed: { category: 'other', outcome: 'success' },
  risky_sensitive_action_blocked: { category: 'other', outcome: 'failure' },
});
/** Accounts Google disabled for what it found: a password known from a leak, a hijacked account. */
const ACCOUNT_RISK = table<string>({ account_disabled_password_leak: 'leaked_password', account_disabled_hijacked: 'hijacked' });
const SUSPICIOUS_LOGINS = new Set(['suspicious_login', 'suspicious_login_less_secure_app', 'suspicious_programmatic_login']);

/** What one event becomes, before the fields every event shares. */
interface Verdict {
  row: GoogleRow;
  outcome: Outcome;
  isMfa: boolean | null;
  factor: Factor | null;
  factorRaw: string | null;
  reason: string | null;
  risk: string | null;
}

const str = (p: Params, name: string) => text(p.get(name)?.value);
function multi(p: Params, name: string): string[] {
  const q = p.get(name);
  if (q?.multiValue) return q.multiValue;
  const v = text(q?.value);
  return v ? [v] : [];
}

function loginVerdict(name: string, p: Params): Verdict {
  const suspiciousParam = p.get('is_suspicious')?.boolValue === true;
  if (SUSPICIOUS_LOGINS.has(name)) {
    // A warning about a sign-in that succeeded names its time (`login_timestamp`; the sign-in has its own
    // `login_success`, so this is not counted again); without it, Google blocked the attempt.
    const happened = p.has('login_timestamp');
    return { row: { category: happened ? 'other' : 'login' }, outcome: happened ? 'success' : 'failure', isMfa: happened ? null : false, factor: null, factorRaw: null, reason: name, risk: 'suspicious' };
  }
  if (name === 'gov_attack_warning') return { row: { category: 'other' }, outcome: 'unknown', isMfa: null, factor: null, factorRaw: null, reason: name, risk: 'government_backed_attack' };
  const row = LOGIN_EVENTS[name] ?? { category: 'other' };
  const methods = multi(p, 'login_challenge_method');
  const second = methods.find((m) => !NOT_SECOND.has(METHODS[m] ?? 'other'));
  // A logout has no factor; `login_type` there names how the session had signed in.
  const factorRaw = row.category === 'logout' ? null : row.factor ? null : (second ?? methods[0] ?? str(p, 'login_type'));
  const factor = row.factor ?? (factorRaw ? METHODS[factorRaw] ?? 'other' : null);
  const secondFlag = p.get('is_second_factor')?.boolValue;
  const status = str(p, 'login_challenge_status');
  let outcome: Outcome = row.outcome ?? 'unknown';
  let category = row.category;
  let isMfa: boolean | null = category === 'other' ? null : false;
  if (category === 'login') isMfa = typeof secondFlag === 'boolean' ? secondFlag : second ? true : factor === 'external_idp' ? null : false;
  if (category === 'mfa_verify') {
    outcome = status && PASSED.test(status) ? 'success' : status && FAILED.test(status) ? 'failure' : 'unknown';
    // Google marks a challenge that was not the second factor of 2-step verification; a challenge that asked
    // only for the password is a sign-in step; a backup code is a way around the enrolled second factor.
    if (secondFlag === false || factor === 'password') category = 'login';
    else if (factor === 'bypass_code') category = 'mfa_bypass';
    isMfa = category !== 'login';
  }
  const risk = suspiciousParam || name === 'user_signed_out_due_to_suspicious_session_cookie' ? 'suspicious' : ACCOUNT_RISK[name] ?? null;
  const reason = str(p, 'login_failure_type') ?? str(p, 'sensitive_action_name') ?? (outcome === 'failure' ? status : null);
  return { row: category === row.category ? row : { ...row, category }, outcome, isMfa, factor, factorRaw, reason, risk };
}

const CREATES = /^(CREATE|ADD)_/;
const DELETES = /^(DELETE|REMOVE)_/;

function adminVerdict(name: string, p: Params): Verdict {
  let row = ADMIN_EVENTS[name] ?? (SSO_EVENT.test(name) ? { category: 'idp_change', target: 'idp', change: CREATES.test(name) ? 'create' : DELETES.test(name) ? 'delete' : 'update' } : ADMIN_DEFAULT);
  if (row.toggle) {
    const now = str(p, 'NEW_VALUE')?.toLowerCase();
    if (now === 'true' || now === 'false') row = { ...row, change: now === 'true' ? 'activate' : 'deactivate' };
  }
  return { row, outcome: 'success', isMfa: false, factor: row.factor ?? null, factorRaw: null, reason: null, risk: null };
}

function tokenVerdict(name: string): Verdict {
  const row = TOKEN_EVENTS[name] ?? { category: 'other' };
  return { row, outcome: row.category === 'other' ? 'unknown' : 'success', isMfa: row.category === 'other' ? null : false, factor: null, factorRaw: null, reason: null, risk: null };
}

/** Which table an event belongs to: its application, or (unnamed) the table that knows its name. */
type Family = 'login' | 'admin' | 'token';
function familyOf(app: string | null, name: string): Family {
  if (app === 'admin' || app === 'token') return app;
  if (app === null && !LOGIN_EVENTS[name] && (ADMIN_EVENTS[name] || TOKEN_EVENTS[name])) return ADMIN_EVENTS[name] ? 'admin' : 'token';
  return 'login';
}

export function mapGoogle(a: GoogleActivity, original: unknown): ItemResult {
  const time = toIsoMillis(a.id.time);
  if (!time) return reject(`google activity ${a.id.uniqueQualifier}: "id.time" is not a time`);
  if (a.events.length !== 1) return reject('google activity must be split to one event per item');
  const e = a.events[0]!;
  const p: Params = new Map((e.parameters ?? []).map((q) => [q.name, q]));
  const family = familyOf(text(a.id.applicationName)?.toLowerCase() ?? null, e.name);
  const v = family === 'admin' ? adminVerdict(e.name, p) : family === 'token' ? tokenVerdict(e.name) : loginVerdict(e.name, p);
  const actorEmail = text(a.actor?.email);
  const actorId = text(a.actor?.profileId);
  // Admin events act on the user in USER_EMAIL (or none); a token grant is the actor's own; login events concern the
  // actor, or the account an account warning names.
  const subject = family === 'admin' ? str(p, 'USER_EMAIL') : family === 'login' ? str(p, 'affected_email_address') ?? actorEmail : actorEmail;
  const subjectIsActor = subject !== null && subject === actorEmail;
  const uid = `${a.id.uniqueQualifier}:${time}:${e.name}:${createHash('sha256').update(JSON.stringify(e)).digest('hex').slice(0, 12)}`;
  const row = v.row;
  return event(canonical({
    event_uid: uid,
    event_time: time,
    raw_event_type: e.name,
    category: row.category,
    outcome: v.outcome,
    reason: v.reason,
    is_mfa: v.isMfa,
    factor: v.factor,
    factor_raw: v.factorRaw,
    user_id: subjectIsActor ? actorId : null,
    user_login: subject,
    user_email: looksLikeEmail(subject) ? subject.toLowerCase() : null,
    actor_id: family === 'login' ? null : actorId,
    actor_login: family === 'login' ? null : actorEmail ?? text(a.actor?.key),
    src_ip: cleanIp(a.ipAddress),
    geo_country: toCountryCode(a.networkInfo?.regionCode),
    geo_region: text(a.networkInfo?.subdivisionCode),
    app_id: family === 'token' ? str(p, 'client_id') : null,
    app_name: family === 'token' ? str(p, 'app_name') : family === 'login' ? 'Google Workspace' : null,
    risk_level: v.risk,
    target_type: row.target ?? null,
    target_id: row.targetId ? str(p, row.targetId) : null,
    target_name: (row.targetName ? str(p, row.targetName) : null) ?? row.label ?? null,
    change: row.change ?? null,
    raw: JSON.stringify(original),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The applications whose events are authentication-relevant; others (drive, calendar, …) are not auth events. */
const APPLICATIONS = new Set(['login', 'user_accounts', 'admin', 'token']);

export const googleWorkspace: Normalizer = {
  kind: 'google_workspace',
  docs: 'https://developers.google.com/workspace/admin/reports/v1/reference/activities/list',
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
    const app = text(p.value.id.applicationName)?.toLowerCase();
    if (app && !APPLICATIONS.has(app)) return ignore(`google application ${app} carries no authentication events`);
    return mapGoogle(p.value, item);
  },
};
