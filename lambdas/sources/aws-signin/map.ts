/**
 * AWS console and IAM Identity Center sign-ins, as CloudTrail events on EventBridge:
 * - `AWS Console Sign In via CloudTrail` (source `aws.signin`, `ConsoleLogin`, with
 *   `additionalEventData.MFAUsed`) for root, IAM users and federated roles
 * - IAM Identity Center sign-in steps (`CredentialChallenge`, `CredentialVerification`,
 *   `UserAuthentication`, with `additionalEventData.CredentialType`)
 * - Identity Center MFA device changes (`aws.sso-directory`: `CreateMfaDeviceForUser`, …)
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/understanding-sign-in-events.html
 * @example {"detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","detail":{"eventName":"ConsoleLogin",
 *   "eventID":"…","eventTime":"2026-11-20T10:00:00Z","userIdentity":{"type":"IAMUser","userName":"jo"},
 *   "responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes"}}}
 */
import { z } from 'zod';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis } from '../../core/fields.ts';
import { event, ignore, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';

const Str = z.string().nullish();
export const CloudTrailEvent = z.looseObject({
  eventID: z.string().min(1),
  eventTime: z.string().min(1),
  eventName: z.string().min(1),
  eventSource: Str,
  sourceIPAddress: Str,
  userAgent: Str,
  errorMessage: Str,
  errorCode: Str,
  recipientAccountId: Str,
  requestID: Str,
  userIdentity: z.looseObject({ type: Str, principalId: Str, arn: Str, accountId: Str, userName: Str, invokedBy: Str }).nullish(),
  responseElements: z.record(z.string(), z.unknown()).nullish(),
  requestParameters: z.record(z.string(), z.unknown()).nullish(),
  additionalEventData: z.record(z.string(), z.unknown()).nullish(),
  serviceEventDetails: z.record(z.string(), z.unknown()).nullish(),
});
export type CloudTrailEvent = z.infer<typeof CloudTrailEvent>;

const CREDENTIALS: Record<string, Factor> = {
  PASSWORD: 'password', TOTP: 'totp', RESYNC_TOTP: 'totp', WEBAUTHN: 'webauthn', SMS: 'sms', EMAIL_OTP: 'email',
  EXTERNAL_IDP: 'external_idp', CERTIFICATE: 'certificate',
};

/** IAM's MFA identifier is an ARN: `…:u2f/…` for security keys, `…:mfa/…` for virtual or hardware tokens. */
function consoleFactor(mfaUsed: boolean, mfaId: string | null, identityType: string | null): Factor {
  if (identityType === 'AssumedRole' || identityType === 'FederatedUser') return 'external_idp';
  if (!mfaUsed) return 'password';
  if (mfaId && /:u2f\//.test(mfaId)) return 'webauthn';
  if (mfaId && /:mfa\//.test(mfaId)) return 'totp';
  return 'other';
}

const result = (v: unknown): Outcome => (typeof v === 'string' ? (/^success$/i.test(v) ? 'success' : /^failure$/i.test(v) ? 'failure' : 'unknown') : 'unknown');

export function mapCloudTrail(e: CloudTrailEvent, original: unknown): ItemResult {
  const time = toIsoMillis(e.eventTime);
  if (!time) return reject(`aws_signin event ${e.eventID}: "eventTime" is not a time`);
  const extra = e.additionalEventData ?? {};
  const id = e.userIdentity;
  // Not text(): it reads "Unknown" as no value, and Identity Center sign-ins say exactly "Unknown".
  const identityType = id?.type ?? null;
  // A federated console session (AssumedRole) is named by its role session: the ARN's last segment.
  const sessionName = identityType === 'AssumedRole' ? text(id?.arn?.split('/').pop()) : null;
  const userName = text(id?.userName) ?? text(extra['UserName']) ?? (identityType === 'Root' ? 'root' : null) ?? sessionName ?? text(id?.principalId);
  const base = {
    event_uid: e.eventID,
    event_time: time,
    raw_event_type: e.eventName,
    // Identity Center sign-ins report identity type Unknown with the account id as principal.
    user_id: identityType === 'Unknown' ? text(extra['UserId']) : (text(id?.arn) || text(id?.principalId)),
    user_login: userName,
    user_email: looksLikeEmail(userName) ? userName.toLowerCase() : null,
    src_ip: cleanIp(e.sourceIPAddress),
    user_agent: text(e.userAgent),
    app_id: text(e.recipientAccountId) ? `aws:${text(e.recipientAccountId)}` : null,
    correlation_id: text(extra['AuthWorkflowID']) ?? text(e.requestID),
    reason: text(e.errorMessage) ?? text(e.errorCode),
    raw: JSON.stringify(original),
  };

  if (e.eventName === 'ConsoleLogin') {
    const mfaUsed = text(extra['MFAUsed']) === 'Yes';
    const factor = consoleFactor(mfaUsed, text(extra['MFAIdentifier']), identityType);
    return event(canonical({
      ...base, category: 'login', outcome: result(e.responseElements?.['ConsoleLogin']),
      is_mfa: mfaUsed, factor, factor_raw: text(extra['MFAIdentifier']) ?? (mfaUsed ? 'MFAUsed: Yes' : 'MFAUsed: No'),
      app_name: 'AWS Management Console',
    }));
  }
  if (['CredentialChallenge', 'CredentialVerification', 'UserAuthentication'].includes(e.eventName)) {
    const credential = text(extra['CredentialType']);
    const factor = credential ? CREDENTIALS[credential] ?? 'other' : null;
    const second = factor !== null && !['password', 'external_idp'].includes(factor);
    const status = result(e.serviceEventDetails?.[e.eventName]);
    let category: Category = 'login';
    let outcome: Outcome = status === 'unknown' && e.errorMessage ? 'failure' : status;
    if (e.eventName === 'CredentialChallenge') { category = second ? 'mfa_challenge' : 'login'; if (outcome === 'success') outcome = 'challenge'; }
    else if (e.eventName === 'CredentialVerification') category = second ? 'mfa_verify' : 'login';
    return event(canonical({ ...base, category, outcome, is_mfa: second, factor, factor_raw: credential, app_name: 'AWS IAM Identity Center' }));
  }
  const mfaChange: Record<string, Category> = {
    CreateMfaDeviceForUser: 'factor_enroll', DeleteMfaDeviceForUser: 'factor_remove', UpdateMfaDeviceForUser: 'admin',
    EnableMFADevice: 'factor_enroll', DeactivateMFADevice: 'factor_remove', DeleteVirtualMFADevice: 'factor_remove',
  };
  const category = mfaChange[e.eventName];
  if (category) {
    // The caller acted on the user named in the request (an admin, or the user themself).
    const target = text(e.requestParameters?.['userName']) ?? text(e.requestParameters?.['userId']);
    const admin = target && target !== userName;
    return event(canonical({
      ...base, category, outcome: e.errorCode ? 'failure' : 'success', is_mfa: false,
      user_id: admin ? target : base.user_id, user_login: admin ? target : base.user_login,
      user_email: admin ? (looksLikeEmail(target) ? target.toLowerCase() : null) : base.user_email,
      actor_id: admin ? base.user_id : null, actor_login: admin ? userName : null,
      app_name: e.eventSource?.startsWith('iam.') ? 'AWS IAM' : 'AWS IAM Identity Center',
    }));
  }
  return ignore(`aws event ${e.eventName} is not a sign-in or MFA event`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const awsSignin: Normalizer = {
  kind: 'aws_signin',
  docs: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => awsSignin.unwrap(p));
    if (isObject(payload)) {
      if ('detail' in payload && 'detail-type' in payload) return [payload['detail']];
      // A CloudTrail log file or LookupEvents-style export: {"Records": [...]}.
      if (Array.isArray(payload['Records'])) return payload['Records'];
    }
    return [payload];
  },
  normalize(item) {
    const p = parseItem(CloudTrailEvent, item, 'aws_signin');
    return p.ok ? mapCloudTrail(p.value, item) : p.result;
  },
};
