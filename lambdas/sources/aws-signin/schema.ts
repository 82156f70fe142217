/**
 * The CloudTrail record (`detail` of a CloudTrail event on EventBridge, or one of a log file's
 * `Records`) as far as the AWS mappings read it, and who a record is about.
 *
 * `userIdentity` comes in three generations for IAM Identity Center sign-ins:
 * - `IdentityCenterUser` with `onBehalfOf.userId` / `identityStoreArn` and `credentialId`
 *   (current; the user's name only in `additionalEventData.UserName`, once per sign-in),
 * - `Unknown` with `additionalEventData.UserId`,
 * - `Unknown` with the account as `principalId` and the typed name as `userIdentity.userName`
 *   (before July 2025).
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/understanding-sign-in-events.html
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/username-sign-in-cloudtrail-events.html
 * @see https://aws.amazon.com/blogs/security/modifications-to-aws-cloudtrail-event-data-of-iam-identity-center/
 * @example {"type":"IdentityCenterUser","accountId":"111122223333","credentialId":"8f76…",
 *   "onBehalfOf":{"userId":"94d0…","identityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-1234567890"}}
 */
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change, type Factor, type NormalizedFields, type Outcome } from '../../core/event.ts';
import { looksLikeEmail, text } from '../../core/fields.ts';

const Str = lazy(() => z.string().nullish());
const Obj = lazy(() => z.record(z.string(), z.unknown()).nullish());

export const UserIdentity = lazy(() => z.looseObject({
  type: built(Str),
  principalId: built(Str),
  arn: built(Str),
  accountId: built(Str),
  userName: built(Str),
  invokedBy: built(Str),
  credentialId: built(Str),
  onBehalfOf: z.looseObject({ userId: built(Str), identityStoreArn: built(Str) }).nullish(),
  sessionContext: z.looseObject({
    // "true"/"false" as text in every documented record; read leniently.
    attributes: z.looseObject({ mfaAuthenticated: z.unknown().optional(), creationDate: built(Str) }).nullish(),
    sessionIssuer: z.looseObject({ type: built(Str), arn: built(Str), userName: built(Str) }).nullish(),
  }).nullish(),
}));
export type UserIdentity = z.infer<typeof UserIdentity>;

export const CloudTrailEvent = lazy(() => z.looseObject({
  // Records of the oldest event versions may lack an id: one is derived from the record.
  eventID: z.string().min(1).nullish(),
  eventTime: z.string().min(1),
  eventName: z.string().min(1),
  eventSource: built(Str),
  eventType: built(Str),
  sourceIPAddress: built(Str),
  userAgent: built(Str),
  errorMessage: built(Str),
  errorCode: built(Str),
  recipientAccountId: built(Str),
  requestID: built(Str),
  readOnly: z.unknown().optional(),
  userIdentity: built(UserIdentity).nullish(),
  responseElements: built(Obj),
  requestParameters: built(Obj),
  additionalEventData: built(Obj),
  serviceEventDetails: built(Obj),
}));
export type CloudTrailEvent = z.infer<typeof CloudTrailEvent>;

/** An object's field, or undefined when the value is not an object. */
export const field = (o: unknown, key: string): unknown =>
  typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>)[key] : undefined;

/** AWS writes this in place of a user name that was typed wrong, so it never names anyone. */
const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';
export const userName = (v: unknown): string | null => {
  const s = text(v);
  return s === HIDDEN ? null : s;
};

/** Identities whose console session was issued by a federation (SAML, OIDC, Identity Center, a broker). */
export const FEDERATED_TYPES: ReadonlySet<string> = new Set(['AssumedRole', 'FederatedUser', 'SAMLUser', 'WebIdentityUser']);

export interface Who { id: string | null; login: string | null; email: string | null }

const who = (id: string | null, login: string | null): Who => ({ id, login, email: looksLikeEmail(login) ? login.toLowerCase() : null });

/** The identity that made the request (or signed in). */
export function caller(e: CloudTrailEvent): Who {
  const u = e.userIdentity;
  const extra = e.additionalEventData ?? {};
  // Not text(): it reads "Unknown" as no value, and Identity Center sign-ins said exactly "Unknown".
  const type = u?.type ?? null;
  if (type === 'IdentityCenterUser' || type === 'Unknown') {
    // AWS recommends userId (+ identityStoreArn) to identify the user, and additionalEventData's
    // UserName over userIdentity's (which the older records carried and the current ones do not).
    return who(text(u?.onBehalfOf?.userId) ?? text(extra['UserId']), userName(extra['UserName']) ?? userName(u?.userName));
  }
  // A federated session (assumed role, federated user) is named by its session: the ARN's last segment.
  const session = type === 'AssumedRole' || type === 'FederatedUser' ? text(u?.arn?.split('/').pop()) : null;
  const login = userName(u?.userName) ?? userName(extra['UserName']) ?? (type === 'Root' ? 'root' : null) ?? session ?? text(u?.principalId);
  return who(text(u?.arn) ?? text(u?.principalId), login);
}

// An IAM MFA device is named by an ARN: `…:u2f/…` for FIDO security keys, `…:mfa/…` for
// virtual (authenticator app) and hardware TOTP devices.
const U2F_ARN = /:u2f\//;
const MFA_ARN = /:mfa\//;
export function mfaDeviceFactor(arn: string | null): Factor {
  if (arn && U2F_ARN.test(arn)) return 'webauthn';
  if (arn && MFA_ARN.test(arn)) return 'totp';
  return 'other';
}

/** `sessionContext.attributes.mfaAuthenticated`: whether the session's credentials were issued after MFA. */
export function sessionMfa(e: CloudTrailEvent): boolean | null {
  const v = e.userIdentity?.sessionContext?.attributes?.mfaAuthenticated;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return null;
}

/** "Success" / "Failure" as sign-in events spell them (any case); anything else is unknown. */
export function result(v: unknown): Outcome {
  if (typeof v !== 'string') return 'unknown';
  const s = v.toLowerCase();
  return s === 'success' ? 'success' : s === 'failure' ? 'failure' : 'unknown';
}

/** What every record gives, read once per record. */
export interface Base {
  event_uid: string; event_time: string; raw_event_type: string; me: Who;
  src_ip: string | null; user_agent: string | null; app_id: string | null; correlation_id: string | null; reason: string | null; raw: string;
}

/** What a mapping adds: the subject defaults to the caller (`me`); `actor` is the admin who acted, if any. */
export interface Mapped {
  category: Category; outcome: Outcome;
  is_mfa?: boolean | null; factor?: Factor | null; factor_raw?: string | null;
  subject?: Who | null; actor?: Who | null;
  session_id?: string | null; app_name?: string | null;
  target_type?: string | null; target_id?: string | null; target_name?: string | null; change?: Change | null;
}

/** One fixed-shape literal per event: spreading a base object and overriding keys costs V8 a slow path. */
export function build(b: Base, m: Mapped): NormalizedFields {
  const u = m.subject === undefined ? b.me : m.subject;
  return canonical({
    event_uid: b.event_uid, event_time: b.event_time, raw_event_type: b.raw_event_type, category: m.category, outcome: m.outcome,
    reason: b.reason, is_mfa: m.is_mfa, factor: m.factor, factor_raw: m.factor_raw,
    user_id: u?.id, user_login: u?.login, user_email: u?.email, actor_id: m.actor?.id, actor_login: m.actor?.login,
    src_ip: b.src_ip, user_agent: b.user_agent, session_id: m.session_id, correlation_id: b.correlation_id,
    app_id: b.app_id, app_name: m.app_name,
    target_type: m.target_type, target_id: m.target_id, target_name: m.target_name, change: m.change, raw: b.raw,
  });
}
