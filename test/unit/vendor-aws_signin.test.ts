/**
 * AWS sign-ins (issue 10): IAM Identity Center's current identity shape, federated console
 * sign-ins whose MFA the identity provider decided, the schema version 2 changes from IAM and
 * Identity Center, and fuzzing of every record shape the mapping reads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { awsSignin, credentials } from '../../lambdas/sources/aws-signin/map.ts';
import { fixture } from '../helpers/fixtures.ts';

function events(file: string): Map<string, NormalizedFields> {
  const out = new Map<string, NormalizedFields>();
  for (const item of awsSignin.unwrap(fixture(`aws_signin/${file}`))) {
    const r = awsSignin.normalize(item);
    if (r.kind === 'event') out.set(r.event.event_uid, r.event);
  }
  return out;
}
const pick = (e: NormalizedFields | undefined, ...keys: (keyof NormalizedFields)[]) => keys.map((k) => e?.[k]);

describe('IAM Identity Center sign-ins, every userIdentity generation', () => {
  const current = events('identity-center-current.json');
  it('IdentityCenterUser: the user is onBehalfOf.userId on every step of a sign-in, named where AWS names them', () => {
    for (const uid of ['e1c00001', 'e1c00002', 'e1c00003', 'e1c00004', 'e1c00005']) {
      const e = [...current.values()].find((x) => x.event_uid.startsWith(uid));
      assert.equal(e?.user_id, 'a3e1f2c4-0001-4d6e-9b1a-00000000c101', uid);
      assert.equal(e?.session_id, 'c0ffee00-0000-4000-8000-00000000c001', uid);
    }
    assert.deepEqual(pick(current.get('e1c00001-0000-4000-8000-000000000001'), 'user_login', 'user_email'), ['carol@example.com', 'carol@example.com']);
    assert.deepEqual(pick(current.get('e1c00006-0000-4000-8000-000000000006'), 'user_id', 'user_login'), ['a3e1f2c4-0002-4d6e-9b1a-00000000e202', 'erin@example.com']);
  });
  it('the older shapes keep working: Unknown + additionalEventData.UserId, Unknown + userIdentity.userName', () => {
    const log = events('cloudtrail-log-file.json');
    assert.deepEqual(pick(log.get('e5c00001-0000-4000-8000-000000000001'), 'user_id', 'user_login', 'is_mfa', 'factor'), ['a3e1f2c4-0001-4d6e-9b1a-00000000c101', 'carol@example.com', true, 'totp']);
    assert.deepEqual(pick(log.get('e5c00002-0000-4000-8000-000000000002'), 'user_id', 'user_login', 'is_mfa', 'factor'), [null, 'erin@example.com', null, 'external_idp']);
    assert.deepEqual(pick(events('identity-center.json').get('e0000003-0000-4000-8000-000000000003'), 'user_login', 'category'), ['dana@example.com', 'mfa_challenge']);
  });
  it('UserAuthentication lists every credential: the second factor decides is_mfa', () => {
    assert.deepEqual(pick(current.get('e1c00005-0000-4000-8000-000000000005'), 'category', 'outcome', 'is_mfa', 'factor'), ['login', 'success', true, 'totp']);
    assert.deepEqual(pick(current.get('e1c00009-0000-4000-8000-000000000009'), 'is_mfa', 'factor'), [true, 'webauthn']);
    assert.deepEqual(pick(current.get('e1c00007-0000-4000-8000-000000000007'), 'is_mfa', 'factor'), [false, 'password']);
    assert.deepEqual(pick(current.get('e1c00008-0000-4000-8000-000000000008'), 'is_mfa', 'factor'), [true, 'unknown'], 'MFA device registered and used at sign-in');
    assert.deepEqual(pick(current.get('e1c00006-0000-4000-8000-000000000006'), 'is_mfa', 'factor'), [null, 'external_idp'], 'the external IdP decides');
  });
  it('a verified password is a step, not a sign-in; a failed one is a failed sign-in', () => {
    assert.deepEqual(pick(current.get('e1c00002-0000-4000-8000-000000000002'), 'category', 'outcome', 'is_mfa'), ['login', 'challenge', false]);
    assert.deepEqual(pick(current.get('e1c0000b-0000-4000-8000-00000000000b'), 'category', 'outcome', 'user_id'), ['login', 'failure', null]);
    assert.deepEqual(pick(current.get('e1c00004-0000-4000-8000-000000000004'), 'category', 'outcome', 'is_mfa'), ['mfa_verify', 'success', true]);
  });
  it('CredentialType values', () => {
    const cases: [string | null, boolean, ReturnType<typeof credentials>][] = [
      ['PASSWORD', false, { factor: 'password', mfa: false }], ['PASSWORD,TOTP', false, { factor: 'totp', mfa: true }],
      ['PASSWORD, RESYNC_TOTP', false, { factor: 'totp', mfa: true }], ['WEBAUTHN', false, { factor: 'webauthn', mfa: true }],
      ['EXTERNAL_IDP', false, { factor: 'external_idp', mfa: null }], ['EXTERNAL_IDP,TOTP', false, { factor: 'totp', mfa: true }],
      ['EMAIL_OTP', false, { factor: 'email', mfa: false }], ['PASSWORD,EMAIL_OTP', false, { factor: 'email', mfa: true }],
      ['PASSWORD', true, { factor: 'unknown', mfa: true }], ['SMARTCARD', false, { factor: 'other', mfa: null }],
      [null, false, { factor: null, mfa: null }], ['', false, { factor: null, mfa: null }], [' , ', false, { factor: 'other', mfa: null }],
    ];
    for (const [raw, enrolled, want] of cases) assert.deepEqual(credentials(raw, enrolled), want, String(raw));
  });
});

describe('console sign-ins: MFAUsed is the truth for root and IAM users, not for federated sessions', () => {
  const c = events('console-federated.json');
  it('SAML, Identity Center and broker sessions: factor external_idp, is_mfa null (MFA was the identity provider\'s)', () => {
    for (const uid of ['e2c00001', 'e2c00002', 'e2c00004', 'e2c00005']) {
      const e = [...c.values()].find((x) => x.event_uid.startsWith(uid));
      assert.deepEqual(pick(e, 'is_mfa', 'factor'), [null, 'external_idp'], uid);
    }
    assert.deepEqual(pick(c.get('e2c00002-0000-4000-8000-000000000002'), 'user_login', 'user_email'), ['carol@example.com', 'carol@example.com']);
    assert.equal(c.get('e2c00001-0000-4000-8000-000000000001')?.factor_raw, 'arn:aws:iam::123456789012:saml-provider/ExampleIdP');
  });
  it('a federated session the record proves MFA-authenticated is MFA', () => {
    assert.deepEqual(pick(c.get('e2c00003-0000-4000-8000-000000000003'), 'is_mfa', 'factor'), [true, 'external_idp']);
  });
  it('IAM users and root keep MFAUsed', () => {
    assert.deepEqual(pick(c.get('e2c00006-0000-4000-8000-000000000006'), 'is_mfa', 'factor'), [false, 'password']);
    assert.deepEqual(pick(c.get('e2c00007-0000-4000-8000-000000000007'), 'is_mfa', 'factor'), [true, 'totp']);
    assert.deepEqual(pick(events('console-login.json').get('e0000002-0000-4000-8000-000000000002'), 'is_mfa', 'factor', 'user_login'), [false, 'password', 'root']);
  });
  it('a mistyped user name (HIDDEN_DUE_TO_SECURITY_REASONS) names no one', () => {
    assert.deepEqual(pick(c.get('e2c00008-0000-4000-8000-000000000008'), 'user_login', 'user_id', 'outcome'), [null, null, 'failure']);
  });
  it('CheckMfa is a prompt; root password recovery is a password reset', () => {
    assert.deepEqual(pick(c.get('e2c00009-0000-4000-8000-000000000009'), 'category', 'outcome', 'factor'), ['mfa_challenge', 'challenge', 'webauthn']);
    assert.deepEqual(pick(c.get('e2c0000a-0000-4000-8000-00000000000a'), 'category', 'outcome', 'user_login', 'change'), ['password_reset', 'success', 'root', null]);
    assert.deepEqual(pick(c.get('e2c0000b-0000-4000-8000-00000000000b'), 'category', 'change'), ['password_reset', 'update']);
  });
});

describe('schema version 2: changes next to sign-ins', () => {
  const iam = events('iam-changes.json');
  const idc = events('identity-center-admin.json');
  const get = (m: Map<string, NormalizedFields>, n: string) => [...m.values()].find((e) => e.event_uid.startsWith(n));
  it('credential, role and IdP changes: the caller is the actor, the affected user the subject', () => {
    assert.deepEqual(pick(get(iam, 'e3c00001'), 'category', 'change', 'target_type', 'target_id', 'user_login', 'actor_login'), ['credential_change', 'create', 'token', 'AKIAEXAMPLEBOBKEY001', 'bob', 'alice']);
    assert.deepEqual(pick(get(iam, 'e3c00002'), 'category', 'change'), ['credential_change', 'deactivate']);
    assert.deepEqual(pick(get(iam, 'e3c00004'), 'category', 'change', 'target_name'), ['role_change', 'grant', 'AdministratorAccess']);
    assert.deepEqual(pick(get(iam, 'e3c00005'), 'category', 'change', 'target_name'), ['admin', 'grant', 'ReadOnlyAccess'], 'not an admin policy');
    assert.deepEqual(pick(get(iam, 'e3c00007'), 'category', 'change', 'target_id', 'user_login', 'actor_login'), ['idp_change', 'create', 'arn:aws:iam::123456789012:saml-provider/ExampleIdP', null, 'alice']);
    assert.deepEqual(pick(get(idc, 'e4c00001'), 'category', 'change', 'user_id', 'actor_login'), ['role_change', 'grant', 'a3e1f2c4-0003-4d6e-9b1a-00000000f303', 'admin@example.com']);
    assert.deepEqual(pick(get(idc, 'e4c00003'), 'category', 'change', 'target_type'), ['role_change', 'grant', 'role']);
    assert.deepEqual(pick(get(idc, 'e4c00006'), 'category', 'change'), ['policy_change', 'update']);
    assert.deepEqual(pick(get(idc, 'e4c00007'), 'category', 'change', 'target_type'), ['idp_change', 'update', 'idp']);
  });
  it('factor and password changes name an actor only when someone else acted', () => {
    assert.deepEqual(pick(get(iam, 'e3c0000b'), 'category', 'user_login', 'actor_login', 'factor'), ['factor_enroll', 'bob', null, 'totp']);
    assert.deepEqual(pick(get(iam, 'e3c0000c'), 'category', 'user_login', 'actor_login', 'factor'), ['factor_remove', 'bob', 'alice', 'webauthn']);
    assert.deepEqual(pick(get(iam, 'e3c0000d'), 'category', 'user_login', 'actor_login'), ['factor_remove', null, 'alice'], 'the record does not say whose device');
    assert.deepEqual(pick(get(iam, 'e3c0000e'), 'category', 'user_login', 'actor_login'), ['password_reset', 'bob', 'alice']);
    assert.deepEqual(pick(get(iam, 'e3c0000f'), 'category', 'user_login', 'actor_login', 'outcome'), ['password_reset', 'bob', null, 'success']);
    assert.deepEqual(pick(get(iam, 'e3c00010'), 'outcome', 'reason'), ['failure', 'The old password is incorrect']);
    assert.deepEqual(pick(get(idc, 'e4c00009'), 'category', 'user_id', 'actor_id', 'factor'), ['factor_enroll', 'a3e1f2c4-0005-4d6e-9b1a-00000000b505', null, 'webauthn']);
  });
  it('an enrolled device needs EnableMFADevice: creating a virtual device is not an enrolment', () => {
    assert.deepEqual(pick(get(iam, 'e3c0000a'), 'category', 'change', 'target_type'), ['admin', 'create', 'factor']);
  });
});

describe('nothing is quarantined that is an event', () => {
  it('an unmapped write is other with its event name; a read-only call is not an event', () => {
    const r = awsSignin.unwrap(fixture('aws_signin/iam-changes.json')).map((i) => awsSignin.normalize(i));
    assert.deepEqual(r.map((x) => x.kind).filter((k) => k !== 'event'), ['ignore']);
    const other = events('identity-center-admin.json').get('e4c00004-0000-4000-8000-000000000004');
    assert.deepEqual(pick(other, 'category', 'raw_event_type', 'outcome'), ['other', 'CreatePermissionSet', 'success']);
    assert.deepEqual(pick(events('identity-center-admin.json').get('e4c0000a-0000-4000-8000-00000000000a'), 'category', 'user_id'), ['logout', 'a3e1f2c4-0005-4d6e-9b1a-00000000b505']);
  });
  it('an unknown sign-in event is other, never ignored', () => {
    const r = awsSignin.normalize({ eventID: 'x1', eventTime: '2026-11-22T00:00:00Z', eventName: 'SwitchRole', eventSource: 'signin.amazonaws.com', eventType: 'AwsConsoleSignIn', readOnly: true, responseElements: { SwitchRole: 'Success' } });
    assert.ok(r.kind === 'event');
    assert.deepEqual(pick(r.event, 'category', 'outcome', 'raw_event_type'), ['other', 'success', 'SwitchRole']);
  });
  it('an event AWS sign-in sends itself (Sign-in Anomaly Alert) is kept from its envelope', () => {
    const e = events('service-events.json').get('c3d4e5f6-0001-4000-8000-000000000001');
    assert.deepEqual(pick(e, 'category', 'raw_event_type', 'event_time', 'app_id'), ['other', 'Sign-in Anomaly Alert', '2026-11-22T08:00:00.000Z', 'aws:123456789012']);
  });
  it('a record without eventID gets a deterministic id; one without a time is rejected with a reason', () => {
    const a = [...events('cloudtrail-log-file.json').keys()].filter((k) => k.startsWith('sha256:'));
    const b = [...events('cloudtrail-log-file.json').keys()].filter((k) => k.startsWith('sha256:'));
    assert.equal(a.length, 1);
    assert.deepEqual(a, b);
    const r = awsSignin.normalize({ eventID: 'x', eventTime: 'yesterday', eventName: 'ConsoleLogin' });
    assert.deepEqual([r.kind, r.kind === 'reject' && /eventTime/.test(r.reason)], ['reject', true]);
  });
});

describe('fuzzed record shapes', () => {
  const complete = (e: NormalizedFields) => ({ tenant: 't', source_id: 's', source: 'aws_signin' as const, ingest_time: '2026-11-22T00:00:00.000Z', ...e });
  const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'Unknown', 'HIDDEN_DUE_TO_SECURITY_REASONS', 'true', 'false', 'Yes', 'No', 'Success', 'Failure', 'arn:aws:iam::aws:policy/AdministratorAccess', 'arn:aws:iam::1:u2f/x'));
  const anyValue = fc.oneof(text, fc.jsonValue(), fc.constant(undefined));
  const identity = fc.record({
    type: fc.oneof(fc.constantFrom('IdentityCenterUser', 'Unknown', 'IAMUser', 'Root', 'AssumedRole', 'FederatedUser', 'SAMLUser', 'WebIdentityUser', 'AWSService'), text),
    arn: fc.option(text), principalId: fc.option(text), userName: fc.option(text), credentialId: fc.option(text),
    onBehalfOf: fc.option(fc.record({ userId: fc.option(text), identityStoreArn: fc.option(text) })),
    sessionContext: fc.option(fc.record({ attributes: fc.option(fc.record({ mfaAuthenticated: anyValue })) })),
  }, { requiredKeys: [] });
  const names = fc.oneof(fc.constantFrom('ConsoleLogin', 'CheckMfa', 'CredentialChallenge', 'CredentialVerification', 'UserAuthentication', 'CreateAccessKey',
    'AttachUserPolicy', 'CreateAccountAssignment', 'AttachManagedPolicyToPermissionSet', 'DeleteVirtualMFADevice', 'UpdatePassword', 'PasswordRecoveryRequested', 'Logout', 'ListUsers', 'valueOf', 'constructor', '__proto__', 'toString'), fc.string({ minLength: 1, maxLength: 10 }));
  const bag = fc.dictionary(fc.constantFrom('MFAUsed', 'MFAIdentifier', 'SamlProviderArn', 'CredentialType', 'UserName', 'UserId', 'DeviceEnrollmentRequired', 'MfaType',
    'userName', 'userId', 'policyArn', 'managedPolicyArn', 'principalType', 'principalId', 'accessKeyId', 'status', 'serialNumber', 'accessKey', 'ConsoleLogin'), anyValue);
  const record = fc.record({
    eventID: fc.option(fc.string({ maxLength: 40 })), eventTime: fc.oneof(fc.constant('2026-11-21T08:00:00Z'), fc.string({ maxLength: 25 })), eventName: names,
    eventSource: fc.option(fc.constantFrom('signin.amazonaws.com', 'iam.amazonaws.com', 'sso.amazonaws.com', 'sso-directory.amazonaws.com', 'constructor', 'hasOwnProperty')),
    eventType: fc.option(fc.constantFrom('AwsConsoleSignIn', 'AwsServiceEvent', 'AwsApiCall')), readOnly: anyValue,
    userIdentity: fc.option(identity), additionalEventData: fc.option(bag), requestParameters: fc.option(bag), responseElements: fc.option(bag), serviceEventDetails: fc.option(bag),
    errorCode: fc.option(text), sourceIPAddress: fc.option(text), recipientAccountId: fc.option(text),
  }, { requiredKeys: ['eventTime', 'eventName'] });
  const envelope = fc.record({ 'detail-type': text, source: text, id: fc.option(text), time: anyValue, account: anyValue, detail: fc.oneof(record, fc.jsonValue()) });

  it('event names and sources that are Object.prototype keys find no mapping', () => {
    for (const eventName of ['valueOf', 'constructor', 'toString', '__proto__']) {
      const r = awsSignin.normalize({ eventID: 'p', eventTime: '2026-11-21T08:00:00Z', eventName, eventSource: 'constructor', responseElements: { [eventName]: 'x' } });
      assert.ok(r.kind === 'event' && AuthEvent.safeParse(complete(r.event)).success, eventName);
      assert.equal(r.kind === 'event' && r.event.category, 'other');
    }
  });
  it('normalize never throws: a valid AuthEvent, or a reject / ignore with a reason', () => {
    fc.assert(fc.property(fc.oneof(record, envelope, fc.record({ Records: fc.array(record, { maxLength: 3 }) })), (input) => {
      for (const item of awsSignin.unwrap(input)) {
        const r = awsSignin.normalize(item);
        if (r.kind === 'event') {
          const v = AuthEvent.safeParse(complete(r.event));
          assert.ok(v.success, JSON.stringify(v.error?.issues));
        } else assert.ok(r.reason.length > 0);
      }
    }), { numRuns: 3000 });
  });
});
