/**
 * AWS console and IAM Identity Center sign-ins, as CloudTrail records on EventBridge (`detail` of
 * `aws.signin` / `aws.sso*` events), in a CloudTrail log file (`{"Records": […]}`) or alone:
 * - `ConsoleLogin` (root, IAM users: `additionalEventData.MFAUsed` is the truth; federated
 *   sessions through SAML, OIDC or Identity Center: MFA happened at the identity provider, so
 *   `MFAUsed: No` proves nothing and `is_mfa` stays null unless the session says MFA was used),
 *   `CheckMfa`, the root user's password recovery
 * - Identity Center sign-in steps `CredentialChallenge`, `CredentialVerification` and the
 *   completed sign-in `UserAuthentication` (`additionalEventData.CredentialType`, a comma list
 *   on `UserAuthentication`: `PASSWORD,TOTP`), for every generation of `userIdentity`
 * - changes next to sign-ins from IAM and Identity Center (`./changes.ts`)
 * - service events AWS sign-in sends directly (`Sign-in Anomaly Alert`): kept as `other`
 * Any other record is kept as `other` with its event name; read-only API calls are not events.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/understanding-sign-in-events.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-signin.html
 * @example {"detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","detail":{"eventName":"ConsoleLogin",
 *   "eventID":"…","eventTime":"2026-11-20T10:00:00Z","userIdentity":{"type":"IAMUser","userName":"jo"},
 *   "responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes"}}}
 */
import { createHash } from 'node:crypto';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, text, toIsoMillis, table } from '../../core/fields.ts';
import { event, ignore, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import { mapChange } from './changes.ts';
import { build, caller, CloudTrailEvent, FEDERATED_TYPES, field, mfaDeviceFactor, result, sessionMfa, type Base, type Mapped } from './schema.ts';

export { CloudTrailEvent } from './schema.ts';

const CREDENTIALS = table<Factor>({
  PASSWORD: 'password', EMAIL_OTP: 'email', EXTERNAL_IDP: 'external_idp',
  TOTP: 'totp', RESYNC_TOTP: 'totp', WEBAUTHN: 'webauthn', SMS: 'sms',
});
/** Second factors Identity Center documents (`RESYNC_TOTP` re-synchronizes an authenticator app with a code). */
const SECOND: ReadonlySet<string> = new Set(['TOTP', 'RESYNC_TOTP', 'WEBAUTHN', 'SMS']);
/**
 * First factors: a password; a one-time password sent by email, which AWS documents for a user's
 * first sign-in in place of a password; an external identity provider.
 */
const FIRST: ReadonlySet<string> = new Set(['PASSWORD', 'EMAIL_OTP', 'EXTERNAL_IDP']);

/**
 * `CredentialType` → factor and `is_mfa`. `UserAuthentication` lists every credential verified
 * in the sign-in (`PASSWORD,TOTP`). An email one-time password after another first factor is a
 * second factor (Identity Center's e-mailed code for users without an MFA device); alone, the
 * first sign-in's password. An external IdP decides MFA itself: null unless a second factor is
 * listed too. `DeviceEnrollmentRequired`: the user registered an MFA device and completed MFA
 * with it before the sign-in finished, without AWS saying which kind.
 */
export function credentials(raw: string | null, enrolledDevice = false): { factor: Factor | null; mfa: boolean | null } {
  if (!raw) return enrolledDevice ? { factor: 'unknown', mfa: true } : { factor: null, mfa: null };
  const types = raw.split(',').map((t) => t.trim().toUpperCase()).filter(Boolean);
  const second = types.find((t) => SECOND.has(t)) ?? (types.length > 1 && types.indexOf('EMAIL_OTP') > 0 ? 'EMAIL_OTP' : undefined);
  if (second) return { factor: CREDENTIALS[second]!, mfa: true };
  if (enrolledDevice) return { factor: 'unknown', mfa: true };
  if (types.includes('EXTERNAL_IDP')) return { factor: 'external_idp', mfa: null };
  if (types.length && types.every((t) => FIRST.has(t))) return { factor: CREDENTIALS[types[0]!]!, mfa: false };
  return { factor: 'other', mfa: null };
}

/**
 * `ConsoleLogin`. Root and IAM users: `MFAUsed` says whether AWS asked for the user's MFA device.
 * Federated sessions: AWS did not prompt (the identity provider did), so `MFAUsed: No` is no
 * evidence; MFA is proven only by `MFAUsed: Yes` or an MFA-authenticated session.
 */
function consoleLogin(e: CloudTrailEvent): Mapped {
  const extra = e.additionalEventData ?? {};
  const mfaUsed = text(extra['MFAUsed']);
  const mfaId = text(extra['MFAIdentifier']);
  const samlProvider = text(extra['SamlProviderArn']);
  const type = e.userIdentity?.type ?? '';
  let isMfa: boolean | null;
  let factor: Factor | null;
  if (FEDERATED_TYPES.has(type) || samlProvider) {
    isMfa = mfaUsed === 'Yes' || sessionMfa(e) === true ? true : null;
    factor = 'external_idp';
  } else {
    isMfa = mfaUsed === null ? null : mfaUsed === 'Yes';
    factor = isMfa === null ? null : isMfa ? mfaDeviceFactor(mfaId) : 'password';
  }
  return {
    category: 'login', outcome: result(e.responseElements?.['ConsoleLogin']), is_mfa: isMfa, factor,
    factor_raw: mfaId ?? samlProvider ?? (mfaUsed ? `MFAUsed: ${mfaUsed}` : null), app_name: 'AWS Management Console',
  };
}

const U2F = /u2f|fido|security key|webauthn/i;
const VIRTUAL = /virtual|totp|authenticator/i;
const HARDWARE = /hardware/i;

/** `CheckMfa`: the console found that the IAM user must present an MFA device (`MfaType`), and asks for it. */
function checkMfa(e: CloudTrailEvent): Mapped {
  const type = text(e.additionalEventData?.['MfaType']);
  const factor: Factor = !type ? 'unknown' : U2F.test(type) ? 'webauthn' : VIRTUAL.test(type) ? 'totp' : HARDWARE.test(type) ? 'hardware_token' : 'other';
  const status = result(e.responseElements?.['CheckMfa']);
  return {
    category: 'mfa_challenge', outcome: status === 'success' ? 'challenge' : status, is_mfa: true, factor, factor_raw: type,
    app_name: 'AWS Management Console',
  };
}

/**
 * Identity Center sign-in steps. A challenge is a prompt (never a failure); a verified first
 * factor is a step of a sign-in that is not complete yet: AWS logs the completed sign-in, with
 * every credential used, as `UserAuthentication`, so only that one counts as a sign-in.
 */
function identityCenter(e: CloudTrailEvent): Mapped {
  const extra = e.additionalEventData ?? {};
  const raw = text(extra['CredentialType']);
  const step = e.eventName !== 'UserAuthentication';
  const { factor, mfa } = credentials(raw, !step && text(extra['DeviceEnrollmentRequired']) === 'true');
  const status = result(e.serviceEventDetails?.[e.eventName]);
  let outcome: Outcome = status === 'unknown' && (e.errorMessage || e.errorCode) ? 'failure' : status;
  let category: Category = 'login';
  if (step && mfa) category = e.eventName === 'CredentialChallenge' ? 'mfa_challenge' : 'mfa_verify';
  if (outcome === 'success' && (e.eventName === 'CredentialChallenge' || (step && !mfa))) outcome = 'challenge';
  return {
    category, outcome, is_mfa: mfa, factor, factor_raw: raw,
    session_id: text(e.userIdentity?.credentialId), app_name: 'AWS IAM Identity Center',
  };
}

const SIGN_IN_STEPS = new Set(['CredentialChallenge', 'CredentialVerification', 'UserAuthentication']);
/** Events of sign-in itself; an unknown one is kept as `other`, never dropped. */
const SIGN_IN_TYPES = new Set(['AwsConsoleSignIn', 'AwsServiceEvent']);

function outcomeOf(e: CloudTrailEvent): Outcome {
  if (e.errorCode || e.errorMessage) return 'failure';
  const own = e.responseElements?.[e.eventName] ?? e.serviceEventDetails?.[e.eventName];
  return own === undefined || own === null ? (e.eventType === 'AwsApiCall' ? 'success' : 'unknown') : result(own);
}

export function mapCloudTrail(e: CloudTrailEvent, original: unknown): ItemResult {
  const time = toIsoMillis(e.eventTime);
  const raw = JSON.stringify(original);
  const uid = text(e.eventID) ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  if (!time) return reject(`aws_signin event ${uid}: "eventTime" is not a time`);
  const account = text(e.recipientAccountId) ?? text(e.userIdentity?.accountId);
  const b: Base = {
    event_uid: uid, event_time: time, raw_event_type: e.eventName, me: caller(e),
    src_ip: cleanIp(e.sourceIPAddress), user_agent: text(e.userAgent),
    app_id: account ? `aws:${account}` : null,
    correlation_id: text(e.additionalEventData?.['AuthWorkflowID']) ?? text(e.requestID),
    reason: text(e.errorMessage) ?? text(e.errorCode),
    raw,
  };
  const m = mapRecord(e, b);
  return m ? event(build(b, m)) : ignore(`aws ${e.eventName} is a read-only API call`);
}

function mapRecord(e: CloudTrailEvent, b: Base): Mapped | null {
  if (e.eventName === 'ConsoleLogin') return consoleLogin(e);
  if (e.eventName === 'CheckMfa') return checkMfa(e);
  if (SIGN_IN_STEPS.has(e.eventName)) return identityCenter(e);
  const change = mapChange(e, b.me);
  if (change) return change;
  if (e.eventName === 'Logout' && e.eventSource?.startsWith('sso')) return { category: 'logout', outcome: outcomeOf(e), app_name: 'AWS IAM Identity Center' };
  const signIn = e.eventSource === 'signin.amazonaws.com' || SIGN_IN_TYPES.has(e.eventType ?? '');
  if (!signIn && e.readOnly === true) return null;
  return { category: 'other', outcome: outcomeOf(e) };
}

/**
 * An event AWS sends to EventBridge itself rather than through CloudTrail (`Sign-in Anomaly
 * Alert`): only the envelope is documented, so it is kept as `other` under its detail type.
 */
function mapServiceEvent(env: Record<string, unknown>): ItemResult {
  const id = text(env['id']);
  const time = toIsoMillis(env['time']);
  if (!id || !time) return reject('aws_signin: an EventBridge event whose detail is not a CloudTrail record needs "id" and "time"');
  const account = text(env['account']);
  return event(canonical({
    event_uid: id, event_time: time, raw_event_type: text(env['detail-type']), category: 'other', outcome: 'unknown',
    app_id: account ? `aws:${account}` : null, raw: JSON.stringify(env),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEnvelope = (v: Record<string, unknown>) => 'detail' in v && 'detail-type' in v;
/** A CloudTrail record names its event; a service event's detail has its own schema. */
const isRecord = (v: unknown) => typeof field(v, 'eventName') === 'string';

export const awsSignin: Normalizer = {
  kind: 'aws_signin',
  docs: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => awsSignin.unwrap(p));
    if (isObject(payload)) {
      if (isEnvelope(payload)) return [isRecord(payload['detail']) ? payload['detail'] : payload];
      // A CloudTrail log file or LookupEvents-style export: {"Records": [...]}.
      if (Array.isArray(payload['Records'])) return payload['Records'];
    }
    return [payload];
  },
  normalize(item) {
    if (isObject(item) && isEnvelope(item)) return mapServiceEvent(item);
    const p = parseItem(CloudTrailEvent, item, 'aws_signin');
    return p.ok ? mapCloudTrail(p.value, item) : p.result;
  },
};
