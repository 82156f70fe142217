/**
 * Changes next to sign-ins, from CloudTrail management events (schema version 2): API access keys,
 * admin policy grants, SAML / OIDC identity providers, MFA devices and passwords in IAM; account
 * assignments, permission sets, MFA devices, passwords, the external IdP and the MFA settings in
 * IAM Identity Center; the root user's password recovery at sign-in.
 *
 * Only events AWS documents are mapped; request and response fields are read as CloudTrail records
 * them (the API's parameter names with a lower-case first letter). For admin, policy and
 * credential changes the caller is always the actor and the affected user (if any) the subject;
 * for factor and password changes the caller is the actor only when acting on someone else.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html
 * @see https://docs.aws.amazon.com/singlesignon/latest/userguide/sso-info-in-cloudtrail.html
 * @see https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateAccountAssignment.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reset-root-password.html
 * @example {"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","requestParameters":{"userName":"Bob"},
 *   "responseElements":{"accessKey":{"accessKeyId":"AKIA…","status":"Active","userName":"Bob"}}}
 */
import type { Category, Change, Factor } from '../../core/event.ts';
import { looksLikeEmail, text } from '../../core/fields.ts';
import { field, mfaDeviceFactor, result, type CloudTrailEvent, type Mapped, type Who } from './schema.ts';

interface Spec {
  category: Category;
  change: Change | null;
  target_type?: string;
  /** The object changed: its id and name as the record gives them. */
  target?: (e: CloudTrailEvent) => [id: string | null, name: string | null];
  /** The user the request names; the caller when it names nobody and `self` is set. */
  user?: (e: CloudTrailEvent) => Who | null;
  self?: boolean;
  factor?: (e: CloudTrailEvent) => Factor | null;
}

const req = (e: CloudTrailEvent, ...keys: string[]) => {
  for (const k of keys) {
    const v = text(e.requestParameters?.[k]);
    if (v) return v;
  }
  return null;
};
const resp = (e: CloudTrailEvent, ...path: string[]) => text(path.reduce<unknown>((o, k) => field(o, k), e.responseElements));
const named = (id: string | null, login: string | null): Who | null =>
  id || login ? { id, login, email: looksLikeEmail(login) ? login.toLowerCase() : null } : null;
const iamUser = (e: CloudTrailEvent) => named(null, req(e, 'userName'));
/** Identity Center names a user by its identity store id (and the console by name). */
const directoryUser = (e: CloudTrailEvent) => {
  const id = req(e, 'userId');
  return named(id, req(e, 'userName') ?? id);
};
const lastSegment = (arn: string | null) => (arn ? arn.slice(arn.lastIndexOf('/') + 1) || null : null);

// AWS managed policies that make their holder an administrator: AdministratorAccess grants every
// action, IAMFullAccess every IAM action (enough to grant itself AdministratorAccess).
const PRIVILEGED_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(AdministratorAccess|IAMFullAccess)$/;
const privileged = (arn: string | null) => !!arn && PRIVILEGED_POLICY.test(arn);

/** Attaching a policy: an admin policy is a role grant, any other an admin change. */
function policy(grant: boolean, target: 'user' | 'permission_set'): (e: CloudTrailEvent) => Spec {
  return (e) => {
    const arn = req(e, 'policyArn', 'managedPolicyArn');
    const admin = privileged(arn);
    return target === 'user'
      ? { category: admin ? 'role_change' : 'admin', change: grant ? 'grant' : 'revoke', target_type: 'policy', target: () => [arn, lastSegment(arn)], user: iamUser }
      : { category: admin ? 'role_change' : 'admin', change: admin ? (grant ? 'grant' : 'revoke') : 'update', target_type: 'role', target: (x) => [req(x, 'permissionSetArn'), null] };
  };
}

const accessKey: Spec['target'] = (e) => [req(e, 'accessKeyId') ?? resp(e, 'accessKey', 'accessKeyId'), null];
const samlProvider: Spec['target'] = (e) => {
  const arn = req(e, 'sAMLProviderArn', 'samlProviderArn') ?? resp(e, 'sAMLProviderArn') ?? resp(e, 'samlProviderArn');
  return [arn, req(e, 'name') ?? lastSegment(arn)];
};
const oidcProvider: Spec['target'] = (e) => {
  const arn = req(e, 'openIDConnectProviderArn') ?? resp(e, 'openIDConnectProviderArn');
  return [arn, req(e, 'url') ?? lastSegment(arn)];
};
const assignment = (grant: boolean): Spec => ({
  category: 'role_change', change: grant ? 'grant' : 'revoke', target_type: 'role',
  target: (e) => [req(e, 'permissionSetArn'), null],
  // A group assignment reaches its members; the record names the group only.
  user: (e) => (req(e, 'principalType') === 'USER' ? named(req(e, 'principalId'), null) : null),
});
const serialFactor = (e: CloudTrailEvent) => mfaDeviceFactor(req(e, 'serialNumber') ?? resp(e, 'virtualMFADevice', 'serialNumber'));
const externalIdp = (change: Change): Spec => ({ category: 'idp_change', change, target_type: 'idp' });

// A Map, not an object literal: an event named `valueOf` or `constructor` must find nothing.
const SPECS = new Map<string, Spec | ((e: CloudTrailEvent) => Spec)>(Object.entries({
  // IAM (iam.amazonaws.com)
  CreateAccessKey: { category: 'credential_change', change: 'create', target_type: 'token', target: accessKey, user: (e) => named(null, req(e, 'userName') ?? resp(e, 'accessKey', 'userName')), self: true },
  DeleteAccessKey: { category: 'credential_change', change: 'delete', target_type: 'token', target: accessKey, user: iamUser, self: true },
  UpdateAccessKey: (e) => ({ category: 'credential_change', change: req(e, 'status') === 'Inactive' ? 'deactivate' : 'activate', target_type: 'token', target: accessKey, user: iamUser, self: true }),
  AttachUserPolicy: policy(true, 'user'),
  DetachUserPolicy: policy(false, 'user'),
  AddUserToGroup: { category: 'admin', change: 'grant', target_type: 'group', target: (e) => [req(e, 'groupName'), req(e, 'groupName')], user: iamUser },
  RemoveUserFromGroup: { category: 'admin', change: 'revoke', target_type: 'group', target: (e) => [req(e, 'groupName'), req(e, 'groupName')], user: iamUser },
  CreateSAMLProvider: { category: 'idp_change', change: 'create', target_type: 'idp', target: samlProvider },
  UpdateSAMLProvider: { category: 'idp_change', change: 'update', target_type: 'idp', target: samlProvider },
  DeleteSAMLProvider: { category: 'idp_change', change: 'delete', target_type: 'idp', target: samlProvider },
  CreateOpenIDConnectProvider: { category: 'idp_change', change: 'create', target_type: 'idp', target: oidcProvider },
  UpdateOpenIDConnectProviderThumbprint: { category: 'idp_change', change: 'update', target_type: 'idp', target: oidcProvider },
  DeleteOpenIDConnectProvider: { category: 'idp_change', change: 'delete', target_type: 'idp', target: oidcProvider },
  EnableMFADevice: { category: 'factor_enroll', change: 'activate', user: iamUser, self: true, factor: serialFactor },
  // The device object exists, but is no one's factor until EnableMFADevice binds it to a user.
  CreateVirtualMFADevice: { category: 'admin', change: 'create', target_type: 'factor', target: (e) => [resp(e, 'virtualMFADevice', 'serialNumber'), req(e, 'virtualMFADeviceName')] },
  DeactivateMFADevice: { category: 'factor_remove', change: 'deactivate', user: iamUser, self: true, factor: serialFactor },
  // Names the device only: whose it was is not in the record.
  DeleteVirtualMFADevice: { category: 'factor_remove', change: 'delete', user: iamUser, factor: serialFactor },
  UpdateLoginProfile: { category: 'password_reset', change: 'update', target_type: 'user', user: iamUser, self: true },
  ChangePassword: { category: 'password_reset', change: 'update', self: true },
  // IAM Identity Center (sso.amazonaws.com)
  CreateAccountAssignment: assignment(true),
  DeleteAccountAssignment: assignment(false),
  AttachManagedPolicyToPermissionSet: policy(true, 'permission_set'),
  DetachManagedPolicyFromPermissionSet: policy(false, 'permission_set'),
  // IAM Identity Center directory (sso-directory.amazonaws.com)
  CreateMfaDeviceForUser: { category: 'factor_enroll', change: 'create', user: directoryUser, self: true },
  CompleteVirtualMfaDeviceRegistration: { category: 'factor_enroll', change: 'create', user: directoryUser, self: true, factor: () => 'totp' },
  CompleteWebAuthnDeviceRegistration: { category: 'factor_enroll', change: 'create', user: directoryUser, self: true, factor: () => 'webauthn' },
  DeleteMfaDeviceForUser: { category: 'factor_remove', change: 'delete', user: directoryUser, self: true },
  UpdateMfaDeviceForUser: { category: 'admin', change: 'update', user: directoryUser, self: true },
  UpdatePassword: { category: 'password_reset', change: 'update', target_type: 'user', user: directoryUser, self: true },
  CreateExternalIdPConfigurationForDirectory: externalIdp('create'),
  UpdateExternalIdPConfigurationForDirectory: externalIdp('update'),
  DeleteExternalIdPConfigurationForDirectory: externalIdp('delete'),
  EnableExternalIdPConfigurationForDirectory: externalIdp('activate'),
  DisableExternalIdPConfigurationForDirectory: externalIdp('deactivate'),
  PutMfaDeviceManagementForDirectory: { category: 'policy_change', change: 'update', target_type: 'policy', target: () => [null, 'MFA device management'] },
  // The root user's "Forgot password?" at sign-in (signin.amazonaws.com)
  PasswordRecoveryRequested: { category: 'password_reset', change: null, self: true },
  PasswordRecoveryCompleted: { category: 'password_reset', change: 'update', self: true },
} satisfies Record<string, Spec | ((e: CloudTrailEvent) => Spec)>));

/** Categories whose actor is always the caller (CONTRACT §4); the others name the caller as actor unless it acted on itself. */
const ADMIN_ACTS: ReadonlySet<Category> = new Set(['admin', 'role_change', 'credential_change', 'idp_change', 'policy_change']);

const same = (a: Who, b: Who) =>
  (!!a.id && a.id === b.id) || (!!a.login && !!b.login && a.login.toLowerCase() === b.login.toLowerCase());

const APP_NAMES = new Map([['iam.amazonaws.com', 'AWS IAM'], ['signin.amazonaws.com', 'AWS Management Console']]);

/** A documented change event → its mapping, or null when the event is not one. `me` is the caller. */
export function mapChange(e: CloudTrailEvent, me: Who): Mapped | null {
  const entry = SPECS.get(e.eventName);
  if (!entry) return null;
  const spec = typeof entry === 'function' ? entry(e) : entry;
  const subject = spec.user?.(e) ?? (spec.self ? me : null);
  const actor = ADMIN_ACTS.has(spec.category) || !subject || !same(subject, me) ? me : null;
  const [targetId, targetName] = spec.target?.(e) ?? [null, null];
  const own = text(e.responseElements?.[e.eventName]);
  return {
    category: spec.category,
    outcome: e.errorCode || e.errorMessage ? 'failure' : own ? result(own) : 'success',
    is_mfa: false,
    factor: spec.factor?.(e) ?? null,
    subject, actor,
    app_name: APP_NAMES.get(e.eventSource ?? '') ?? 'AWS IAM Identity Center',
    target_type: spec.target_type ?? null, target_id: targetId, target_name: targetName, change: spec.change,
  };
}
