/**
 * Microsoft Entra ID (issue 10): what a sign-in proves about MFA, interrupts that are no MFA
 * event, app-initiated audits' caller IP, workload sign-ins without a user, schema version 2 from
 * directory audits, every payload shape fuzzed, and the Graph puller in its own module.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import type { HttpFetch, HttpResponse } from '../../lambdas/core/pull.ts';
import { entra } from '../../lambdas/sources/entra/map.ts';
import { entraCursor, entraPuller, EntraPullSettings } from '../../lambdas/sources/entra/pull.ts';
import { fixture } from '../helpers/fixtures.ts';

const FILES = ['SignInLogs.json', 'NonInteractiveUserSignInLogs.json', 'ServicePrincipalSignInLogs.json', 'ManagedIdentitySignInLogs.json',
  'AuditLogs.json', 'graph-signins-page.json', 'graph-signins-beta-page.json', 'graph-directoryaudits-page.json', 'diagnostic-signins.json', 'diagnostic-audit.json'];
const items = (file: string) => entra.unwrap(fixture(`entra/${file}`)) as Record<string, unknown>[];
const recordOf = (file: string, uid: string) => {
  const r = items(file).find((i) => ((i['properties'] as Record<string, unknown> | undefined)?.['id'] ?? i['id']) === uid);
  assert.ok(r, `${file} ${uid}`);
  return structuredClone(r);
};
const normalized = (item: unknown): NormalizedFields => {
  const r = entra.normalize(item);
  assert.equal(r.kind, 'event', JSON.stringify(r));
  return (r as { event: NormalizedFields }).event;
};
const pick = (file: string, uid: string) => normalized(recordOf(file, uid));
const mfa = (e: NormalizedFields) => ({ category: e.category, outcome: e.outcome, is_mfa: e.is_mfa, factor: e.factor });

/** A diagnostic SignInLogs record around a sign-in's authentication facts. */
function signIn(p: { code?: number; requirement?: string; steps?: Record<string, unknown>[]; extra?: string; mfaDetail?: Record<string, unknown> }) {
  return {
    time: '2026-11-20T10:00:00.0000000Z', category: 'SignInLogs', resultType: String(p.code ?? 0), callerIpAddress: '198.51.100.23',
    properties: {
      id: 'e1a9ffff-0000-4000-8000-000000000001', createdDateTime: '2026-11-20T10:00:00Z', userPrincipalName: 'alice@example.com',
      userId: 'aa000001-0000-4000-8000-000000000001', ipAddress: '198.51.100.23', authenticationRequirement: p.requirement ?? 'singleFactorAuthentication',
      status: { errorCode: p.code ?? 0, ...(p.extra ? { additionalDetails: p.extra } : {}) },
      authenticationDetails: p.steps ?? [], ...(p.mfaDetail ? { mfaDetail: p.mfaDetail } : {}),
    },
  };
}
const step = (method: string | null, detail: string, requirement = 'Primary authentication', succeeded = true) =>
  ({ authenticationMethod: method, succeeded, authenticationStepResultDetail: detail, authenticationStepRequirement: requirement });
const FIRST_FACTOR_CLAIM = step('Previously satisfied', 'First factor requirement satisfied by claim in the token');

describe('Entra: is_mfa only from a second factor performed or an MFA claim carried', () => {
  it('a single-factor sign-in whose only step reused the first factor is no MFA (was is_mfa true, remembered_device)', () => {
    const e = pick('SignInLogs.json', 'e1a10001-0000-4000-8000-000000000001');
    assert.deepEqual(mfa(e), { category: 'login', outcome: 'success', is_mfa: false, factor: null });
    assert.equal(e.factor_raw, 'Previously satisfied');
    // The same with the empty step requirement some records carry, and on a Graph page.
    const bare = signIn({ steps: [{ ...FIRST_FACTOR_CLAIM, authenticationStepRequirement: '' }] });
    assert.deepEqual(mfa(normalized(bare)), { category: 'login', outcome: 'success', is_mfa: false, factor: null });
    assert.equal(pick('graph-signins-page.json', 'e1a50003-0000-4000-8000-000000000003').is_mfa, false);
  });
  const cases: [string, Parameters<typeof signIn>[0], boolean | null, string | null][] = [
    ['an MFA claim in the token, even on a single-factor requirement', { steps: [FIRST_FACTOR_CLAIM, step('Previously satisfied', 'MFA requirement satisfied by claim in the token', 'Multifactor authentication')] }, true, 'remembered_device'],
    ['the MFA claim only in status.additionalDetails', { extra: 'MFA requirement satisfied by claim in the token' }, true, 'remembered_device'],
    ['an MFA claim from the federated identity provider', { steps: [step('Previously satisfied', 'MFA requirement satisfied by claim provided by external provider', 'Multifactor authentication')] }, true, 'external_idp'],
    ['a second step that succeeded', { requirement: 'multiFactorAuthentication', steps: [step('Password', 'Correct password'), step('Phone call approval (Authentication phone)', 'MFA successfully completed', 'Secondary authentication')] }, true, 'voice'],
    ['strong authentication (Windows Hello for Business)', { steps: [step('Windows Hello for Business', 'MFA requirement satisfied by strong authentication')] }, true, 'biometric'],
    ['multiFactorAuthentication satisfied without any step logged yet', { requirement: 'multiFactorAuthentication', mfaDetail: { authMethod: 'Text message' } }, true, 'sms'],
    ['multiFactorAuthentication with no details at all', { requirement: 'multiFactorAuthentication' }, true, null],
    ['"MFA completed in Azure AD" alone', { extra: 'MFA completed in Azure AD' }, true, null],
    ['MFA skipped for a trusted location, whatever the requirement says', { requirement: 'multiFactorAuthentication', steps: [step('Password', 'Correct password'), step(null, 'MFA requirement skipped due to location', 'Multifactor authentication')] }, false, 'password'],
    ['MFA skipped for an app password', { requirement: 'multiFactorAuthentication', steps: [step('Password', 'Correct password'), step(null, 'MFA requirement skipped due to app password', 'Multifactor authentication')] }, false, 'password'],
    ['MFA skipped on a remembered device', { steps: [step('Password', 'Correct password'), step(null, 'MFA requirement skipped due to remembered device', 'Multifactor authentication')] }, false, 'remembered_device'],
    ['a password alone', { steps: [step('Password', 'Correct password')] }, false, 'password'],
    ['a second step that was only "Previously satisfied" (an earlier MFA)', { steps: [step('Password', 'Correct password'), step('Previously satisfied', 'MFA requirement satisfied', 'Multifactor authentication')] }, true, 'remembered_device'],
  ];
  for (const [name, p, isMfa, factor] of cases) {
    it(name, () => {
      const e = normalized(signIn(p));
      assert.deepEqual([e.is_mfa, e.factor], [isMfa, factor]);
    });
  }
  it('a federated sign-in without an MFA claim had its MFA decided at the identity provider', () => {
    assert.deepEqual(mfa(pick('SignInLogs.json', 'e1a10018-0000-4000-8000-000000000018')), { category: 'login', outcome: 'success', is_mfa: null, factor: 'external_idp' });
    assert.deepEqual(mfa(pick('SignInLogs.json', 'e1a10005-0000-4000-8000-000000000005')), { category: 'login', outcome: 'success', is_mfa: true, factor: 'external_idp' }, 'with the claim it is MFA');
  });
  it('a failed second factor is an MFA verification with the factor tried', () => {
    const e = normalized(signIn({ code: 500121, extra: 'MFA denied; user declined the authentication', steps: [step('Password', 'Correct password'), step('Mobile app verification code', 'MFA denied; user entered incorrect code', 'Multifactor authentication', false)] }));
    assert.deepEqual(mfa(e), { category: 'mfa_verify', outcome: 'denied', is_mfa: true, factor: 'totp' });
  });
});

describe('Entra: result codes (reference-error-codes)', () => {
  it('50140 "Keep me signed in" is a sign-in interrupt, not an MFA challenge (was mfa_challenge, is_mfa true)', () => {
    const e = pick('SignInLogs.json', 'e1a10002-0000-4000-8000-000000000002');
    assert.deepEqual(mfa(e), { category: 'login', outcome: 'challenge', is_mfa: null, factor: null });
    assert.match(e.reason!, /^50140: .*Keep me signed in/);
  });
  it('81010 (Seamless SSO ticket invalid) is a failed sign-in, not an MFA challenge', () => {
    assert.deepEqual(mfa(pick('SignInLogs.json', 'e1a10011-0000-4000-8000-000000000011')), { category: 'login', outcome: 'failure', is_mfa: false, factor: null });
  });
  const codes: [number, string, string, boolean | null][] = [
    [50074, 'mfa_challenge', 'challenge', true], [50076, 'mfa_challenge', 'challenge', true], [50078, 'mfa_challenge', 'challenge', true],
    [50158, 'mfa_challenge', 'challenge', true], [50072, 'login', 'challenge', false], [50079, 'login', 'challenge', false],
    [50140, 'login', 'challenge', null], [50199, 'login', 'challenge', null], [50125, 'login', 'challenge', null], [50097, 'login', 'challenge', null],
    [50058, 'login', 'challenge', null], [500121, 'mfa_verify', 'failure', true], [50053, 'lockout', 'failure', false],
    [53003, 'login', 'failure', false], [530032, 'login', 'failure', false], [50055, 'login', 'failure', false], [50126, 'login', 'failure', false],
    [81010, 'login', 'failure', false],
  ];
  for (const [code, category, outcome, isMfa] of codes) {
    it(`${code} → ${category} / ${outcome} / is_mfa ${isMfa}`, () => {
      const e = normalized(signIn({ code, requirement: 'multiFactorAuthentication' }));
      assert.deepEqual([e.category, e.outcome, e.is_mfa], [category, outcome, isMfa]);
    });
  }
  it('the diagnostic resultType stands in for a missing status, its resultDescription for the failure reason', () => {
    const r = signIn({ code: 50126 });
    (r.properties as Record<string, unknown>)['status'] = null;
    Object.assign(r, { resultDescription: 'Invalid username or password or Invalid on-premise username or password.' });
    const e = normalized(r);
    assert.deepEqual([e.outcome, e.reason], ['failure', '50126: Invalid username or password or Invalid on-premise username or password.']);
  });
});

describe('Entra: audits initiated by an application', () => {
  it('take the diagnostic record\'s callerIpAddress as src_ip (was null) and the app as actor', () => {
    const e = pick('AuditLogs.json', 'Directory_aud1010');
    assert.deepEqual([e.src_ip, e.actor_id, e.actor_login, e.user_id], ['192.0.2.90', '5b000005-9ca1-4e55-a1ac-000000000005', 'Managed Service Identity', null]);
    assert.equal(pick('AuditLogs.json', 'Directory_aud1002').src_ip, '198.51.100.200');
  });
  it('a user\'s own IP wins over the caller address; PIM\'s ipaddr detail is the last resort', () => {
    const r = recordOf('AuditLogs.json', 'Directory_aud1001');
    r['callerIpAddress'] = '203.0.113.250';
    assert.equal(normalized(r).src_ip, '192.0.2.10');
    assert.equal(pick('AuditLogs.json', 'PIM_aud1008').src_ip, '192.0.2.11');
  });
});

describe('Entra: workload identities have no user', () => {
  for (const [file, uid] of [['ServicePrincipalSignInLogs.json', 'e1a30002-0000-4000-8000-000000000002'], ['ManagedIdentitySignInLogs.json', 'e1a40001-0000-4000-8000-000000000001'], ['graph-signins-beta-page.json', 'e1a60002-0000-4000-8000-000000000002']] as const) {
    it(`${file}: the principal is the actor, the API the app, MFA not applicable`, () => {
      const e = pick(file, uid);
      assert.deepEqual([e.user_id, e.user_login, e.user_email, e.is_mfa], [null, null, null, null]);
      assert.ok(e.actor_id && e.actor_login && e.app_name, JSON.stringify(e));
    });
  }
  it('a managed identity\'s empty location is no location (not Null Island)', () => {
    const e = pick('ManagedIdentitySignInLogs.json', 'e1a40001-0000-4000-8000-000000000001');
    assert.deepEqual([e.geo_lat, e.geo_lon, e.geo_country, e.src_ip], [null, null, null, null]);
  });
});

describe('Entra: risk', () => {
  it('anonymizedIPAddress → anonymizer true; the higher of the real-time and aggregated risk levels', () => {
    const e = pick('graph-signins-beta-page.json', 'e1a60001-0000-4000-8000-000000000001');
    assert.deepEqual([e.anonymizer, e.risk_level], [true, 'high']);
  });
  it('no detection on an evaluated sign-in → false; no risk evaluation ("hidden") or no list → null', () => {
    assert.equal(pick('SignInLogs.json', 'e1a10001-0000-4000-8000-000000000001').anonymizer, false);
    const hidden = recordOf('SignInLogs.json', 'e1a10001-0000-4000-8000-000000000001');
    Object.assign(hidden['properties'] as object, { riskLevelDuringSignIn: 'hidden', riskLevelAggregated: 'hidden' });
    assert.deepEqual([normalized(hidden).anonymizer, normalized(hidden).risk_level], [null, null]);
    assert.equal(pick('diagnostic-signins.json', 'e1a00001-0000-4000-8000-000000000001').anonymizer, null);
  });
});

describe('Entra: schema version 2 from directory audits', () => {
  const v2 = (e: NormalizedFields) => [e.category, e.change, e.target_type, e.target_name];
  it('Conditional Access, security defaults and the authentication methods policy are policy changes', () => {
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1001')), ['policy_change', 'create', 'policy', 'Require MFA for admins']);
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1003')), ['policy_change', 'delete', 'policy', 'Require MFA for admins']);
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1004')), ['policy_change', 'update', 'policy', 'Security Defaults']);
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1020')), ['policy_change', 'deactivate', 'user', 'dave@example.com']);
  });
  it('role grants and revokes name the role; a PIM request is no grant', () => {
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1006')), ['role_change', 'grant', 'role', 'Global Administrator']);
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1007')), ['role_change', 'revoke', 'role', 'Global Administrator']);
    assert.deepEqual(v2(pick('AuditLogs.json', 'PIM_aud1008')), ['role_change', 'grant', 'role', 'Application Administrator']);
    assert.deepEqual(v2(pick('graph-directoryaudits-page.json', 'Directory_aud2002')), ['role_change', 'grant', 'role', 'Privileged Authentication Administrator']);
    assert.equal(pick('AuditLogs.json', 'PIM_aud1009').category, 'admin');
  });
  it('the admin is the actor, the member the user', () => {
    const e = pick('AuditLogs.json', 'Directory_aud1006');
    assert.deepEqual([e.actor_login, e.user_login], ['secadmin@example.com', 'bob@example.com']);
    const policy = pick('AuditLogs.json', 'Directory_aud1001');
    assert.deepEqual([policy.actor_login, policy.user_id], ['secadmin@example.com', null], 'no user is affected by a policy change');
  });
  it('credentials: the key list before and after tells create from revoke', () => {
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1010')), ['credential_change', 'create', 'app', 'billing-export']);
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1011')), ['credential_change', 'create', 'app', 'payroll-connector']);
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1012')), ['credential_change', 'revoke', 'app', 'billing-export']);
    const removed = recordOf('AuditLogs.json', 'Directory_aud1011');
    const mods = ((removed['properties'] as { targetResources: { modifiedProperties: { oldValue: string | null; newValue: string | null }[] }[] }).targetResources[0]!.modifiedProperties);
    [mods[0]!.oldValue, mods[0]!.newValue] = [mods[0]!.newValue, mods[0]!.oldValue];
    assert.equal(normalized(removed).change, 'revoke');
  });
  it('activity names match whatever the dash, spacing, case or trailing dot', () => {
    for (const name of ['Update application - Certificates and secrets management', 'Update application – Certificates and secrets management ', 'update application —  certificates and secrets management.']) {
      const r = recordOf('AuditLogs.json', 'Directory_aud1011');
      (r['properties'] as Record<string, unknown>)['activityDisplayName'] = name;
      assert.equal(normalized(r).category, 'credential_change', name);
    }
  });
  it('federation and cross-tenant trust are IdP changes; an unverified domain is not', () => {
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1013')), ['idp_change', 'update', 'domain', 'corp.example.com']);
    assert.deepEqual(v2(pick('AuditLogs.json', 'Directory_aud1014')), ['idp_change', 'update', 'domain', 'corp.example.com']);
    assert.equal(pick('AuditLogs.json', 'Directory_aud1016').category, 'idp_change');
    assert.equal(pick('AuditLogs.json', 'Directory_aud1015').category, 'admin');
  });
  it('password resets: the admin as actor, or the user alone for self-service', () => {
    const admin = pick('AuditLogs.json', 'SSPR_aud1017');
    assert.deepEqual([admin.category, admin.user_login, admin.actor_login], ['password_reset', 'dave@example.com', 'helpdesk@example.com']);
    const self = pick('AuditLogs.json', 'SSPR_aud1018');
    assert.deepEqual([self.category, self.user_login, self.actor_login], ['password_reset', 'carol@example.com', null]);
  });
  it('"Read BitLocker key" is no lockout (the old mapping matched "lock")', () => {
    assert.equal(pick('AuditLogs.json', 'Directory_aud1021').category, 'other');
  });
  it('an unknown activity is kept as other/admin with its raw type, never rejected', () => {
    const r = recordOf('AuditLogs.json', 'Directory_aud1021');
    Object.assign(r['properties'] as object, { activityDisplayName: 'Something Entra adds next year', category: 'Other' });
    const e = normalized(r);
    assert.deepEqual([e.category, e.raw_event_type], ['other', 'Something Entra adds next year']);
    (r['properties'] as Record<string, unknown>)['category'] = 'RoleManagement';
    assert.equal(normalized(r).category, 'admin');
  });
});

describe('Entra: shapes', () => {
  it('Graph pages, diagnostic records and storage JSON lines unwrap to the same items', () => {
    assert.equal(entra.unwrap(fixture('entra/graph-signins-page.json')).length, 3);
    assert.equal(entra.unwrap([fixture('entra/SignInLogs.json'), fixture('entra/AuditLogs.json')]).length, items('SignInLogs.json').length + items('AuditLogs.json').length);
    const line = items('SignInLogs.json')[0];
    assert.deepEqual(entra.unwrap(line), [line]);
  });
  it('Graph beta names the sign-in type in signInEventTypes', () => {
    assert.equal(pick('graph-signins-beta-page.json', 'e1a60001-0000-4000-8000-000000000001').raw_event_type, 'SignInLogs');
    assert.equal(pick('graph-signins-beta-page.json', 'e1a60002-0000-4000-8000-000000000002').raw_event_type, 'ServicePrincipalSignInLogs');
  });
  it('a wrongly typed optional field does not quarantine the sign-in', () => {
    const r = recordOf('SignInLogs.json', 'e1a10014-0000-4000-8000-000000000014');
    Object.assign(r['properties'] as object, { isInteractive: 'true', riskEventTypes_v2: 'anonymizedIPAddress', deviceDetail: 'n/a', location: { geoCoordinates: { latitude: '52.5' } } });
    const e = normalized(r);
    assert.deepEqual([e.is_mfa, e.factor, e.os, e.geo_lat], [true, 'sms', null, null]);
  });
  it('a record without the resource id gets a deterministic one', () => {
    const r = recordOf('SignInLogs.json', 'e1a10001-0000-4000-8000-000000000001');
    delete (r['properties'] as Record<string, unknown>)['id'];
    const a = normalized(r).event_uid;
    assert.match(a, /^sha256:[0-9a-f]{64}$/);
    assert.equal(normalized(structuredClone(r)).event_uid, a);
  });
  it('other diagnostic categories are left out with a reason; a record without a time is rejected', () => {
    assert.deepEqual(entra.normalize({ category: 'MicrosoftGraphActivityLogs', properties: { id: 'x' } }).kind, 'ignore');
    const r = recordOf('SignInLogs.json', 'e1a10001-0000-4000-8000-000000000001');
    delete r['time'];
    delete (r['properties'] as Record<string, unknown>)['createdDateTime'];
    assert.equal(entra.normalize(r).kind, 'reject');
  });
});

describe('Entra: fuzzed shapes', () => {
  const complete = (e: NormalizedFields) => ({ tenant: 't', source_id: 's', source: 'entra' as const, ingest_time: '2026-11-21T00:00:00.000Z', ...e });
  const check = (input: unknown) => {
    for (const item of entra.unwrap(input)) {
      const r = entra.normalize(item);
      if (r.kind === 'event') {
        const v = AuthEvent.safeParse(complete(r.event));
        assert.ok(v.success, JSON.stringify(v.error?.issues));
      } else assert.ok(r.reason.length > 0);
    }
  };
  const samples = FILES.flatMap(items);
  /** A sample with one field (top level, in `properties`, in an authentication step or a target) replaced by anything. */
  const mutated = fc.record({ i: fc.nat(samples.length - 1), where: fc.constantFrom('top', 'properties', 'step', 'target', 'initiator'), key: fc.string({ maxLength: 24 }), pick: fc.nat(), value: fc.jsonValue() })
    .map(({ i, where, key, pick, value }) => {
      const copy = structuredClone(samples[i]!) as Record<string, unknown>;
      const props = (copy['properties'] ?? copy) as Record<string, unknown>;
      const holder: Record<string, unknown> | undefined = where === 'top' ? copy : where === 'properties' ? props
        : where === 'step' ? (props['authenticationDetails'] as Record<string, unknown>[] | undefined)?.[0]
          : where === 'target' ? (props['targetResources'] as Record<string, unknown>[] | undefined)?.[0]
            : (props['initiatedBy'] as Record<string, unknown> | undefined);
      if (holder) {
        const keys = Object.keys(holder);
        holder[keys.length && pick % 2 ? keys[pick % keys.length]! : key] = value;
      }
      return copy;
    });
  it('every fixture shape, mutated: an event that is a valid AuthEvent, or a reason', () => {
    fc.assert(fc.property(mutated, check), { numRuns: 3000 });
  });
  it('sign-ins and audits built from arbitrary authentication facts', () => {
    const text = fc.oneof(fc.constantFrom('Previously satisfied', 'Password', 'MFA requirement satisfied by claim in the token', 'MFA requirement skipped due to location',
      'Multifactor authentication', 'Add member to role', 'Update application – Certificates and secrets management ', 'KeyDescription', 'Role.DisplayName', 'User'), fc.string());
    const anything = fc.oneof(text, fc.jsonValue());
    const signIns = fc.record({
      id: fc.oneof(fc.uuid(), anything), createdDateTime: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anything),
      status: fc.record({ errorCode: fc.oneof(fc.constantFrom(0, 50140, 500121, 50074, 50053, 7000222), anything), additionalDetails: anything }, { requiredKeys: [] }),
      authenticationRequirement: anything, signInEventTypes: fc.oneof(fc.array(fc.constantFrom('interactiveUser', 'servicePrincipal', 'managedIdentity', 'x')), anything),
      authenticationDetails: fc.array(fc.record({ authenticationMethod: anything, succeeded: fc.oneof(fc.boolean(), anything), authenticationStepResultDetail: anything, authenticationStepRequirement: anything }, { requiredKeys: [] }), { maxLength: 4 }),
      riskEventTypes_v2: fc.oneof(fc.array(fc.constantFrom('anonymizedIPAddress', 'unfamiliarFeatures')), anything), riskLevelDuringSignIn: anything,
      servicePrincipalId: anything, userPrincipalName: anything, location: anything, mfaDetail: anything,
    }, { requiredKeys: [] });
    const audits = fc.record({
      id: fc.oneof(fc.string({ minLength: 1 }), anything), activityDateTime: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anything), activityDisplayName: anything,
      category: anything, result: anything,
      initiatedBy: fc.oneof(fc.record({ user: anything, app: anything }, { requiredKeys: [] }), anything),
      targetResources: fc.oneof(fc.array(fc.record({ id: anything, type: anything, Type: anything, userPrincipalName: anything, displayName: anything,
        modifiedProperties: fc.oneof(fc.array(fc.record({ displayName: text, oldValue: anything, newValue: anything }, { requiredKeys: [] })), anything) }, { requiredKeys: [] }), { maxLength: 3 }), anything),
      additionalDetails: anything,
    }, { requiredKeys: [] });
    const envelope = (category: string, properties: unknown) => fc.record({ time: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anything), callerIpAddress: anything, resultType: anything }, { requiredKeys: [] })
      .map((e) => ({ ...e, category, properties }));
    fc.assert(fc.property(fc.oneof(
      signIns, audits, fc.record({ value: fc.array(fc.oneof(signIns, audits), { maxLength: 3 }) }),
      signIns.chain((p) => envelope('ServicePrincipalSignInLogs', p)), signIns.chain((p) => envelope('SignInLogs', p)), audits.chain((p) => envelope('AuditLogs', p)),
    ), check), { numRuns: 3000 });
  });
});

describe('Entra Graph puller (pull.ts)', () => {
  const json = (status: number, body: unknown): HttpResponse => ({ status, headers: new Headers(), json: async () => body, text: async () => JSON.stringify(body) });
  const settings = (clientId: string, extra: Record<string, unknown> = {}) => EntraPullSettings.parse({ tenantId: 'tenant-0001', clientId, clientSecret: 's3cret', baseUrl: 'https://graph.example.com', tokenUrl: 'https://login.example.com/tenant-0001/oauth2/v2.0/token', pageSize: 2, ...extra });
  const now = new Date('2026-11-20T12:00:00Z');
  /** A Graph stand-in: `pages[path]` answered in turn, every call recorded. */
  const graph = (pages: Record<string, { status?: number; body: unknown }[]>) => {
    const calls: { url: string; body?: string; auth?: string }[] = [];
    const http: HttpFetch = async (url, init) => {
      calls.push({ url, body: init?.body, auth: init?.headers?.['authorization'] });
      if (url.endsWith('/token')) return json(200, { access_token: 'tok-1', expires_in: 3600 });
      const next = pages[new URL(url).pathname]?.shift();
      return next ? json(next.status ?? 200, next.body) : json(404, { error: { code: 'ResourceNotFound' } });
    };
    return { calls, http, lists: () => calls.filter((c) => !c.url.endsWith('/token')).map((c) => new URL(c.url)) };
  };

  it('takes a client-credentials token, filters the sign-in window, follows nextLink on the configured host only, then turns to directory audits', async () => {
    const g = graph({ '/v1.0/auditLogs/signIns': [
      { body: { value: [{ id: 'a' }], '@odata.nextLink': 'https://elsewhere.example.net/v1.0/auditLogs/signIns?$skiptoken=x1' } },
      { body: { value: [{ id: 'b' }] } },
    ] });
    const ctx = { source: { id: 'acme-entra' } as never, settings: settings('app-pull-1'), now, http: g.http };
    const first = await entraPuller.fetchPage(ctx, null);
    assert.deepEqual([first.items, first.done], [[{ id: 'a' }], false]);
    const form = new URLSearchParams(g.calls[0]!.body);
    assert.deepEqual([form.get('grant_type'), form.get('client_id'), form.get('scope')], ['client_credentials', 'app-pull-1', 'https://graph.example.com/.default']);
    const list = g.lists()[0]!;
    assert.equal(list.pathname, '/v1.0/auditLogs/signIns');
    assert.equal(list.searchParams.get('$filter'), 'createdDateTime ge 2026-11-19T12:00:00.000Z and createdDateTime le 2026-11-20T11:55:00.000Z');
    assert.equal(list.searchParams.get('$top'), '2');
    assert.equal(g.calls[1]!.auth, 'Bearer tok-1');
    assert.deepEqual(first.cursor, { phase: 'signIns', signIns: { since: '2026-11-19T12:00:00.000Z', until: '2026-11-20T11:55:00.000Z', next: 'https://elsewhere.example.net/v1.0/auditLogs/signIns?$skiptoken=x1' } });
    const second = await entraPuller.fetchPage(ctx, first.cursor);
    assert.equal(g.lists()[1]!.toString(), 'https://graph.example.com/v1.0/auditLogs/signIns?$skiptoken=x1');
    assert.equal(g.calls.filter((c) => c.url.endsWith('/token')).length, 1, 'the token is cached');
    // The sign-in window is drained: its next one starts 15 minutes before this one's end; the run goes on with directory audits.
    assert.deepEqual([second.items, second.done, second.cursor], [[{ id: 'b' }], false, { phase: 'directoryAudits', signIns: { since: '2026-11-20T11:40:00.000Z' } }]);
  });

  it('directory audits: their own window on activityDateTime, paged by nextLink, empty pages followed; drained, the run is done and both positions kept', async () => {
    const g = graph({ '/v1.0/auditLogs/directoryAudits': [
      { body: { value: [{ id: 'Directory_1' }], '@odata.nextLink': 'https://graph.example.com/v1.0/auditLogs/directoryAudits?$filter=x&$skiptoken=d1' } },
      // Graph may answer an empty page that still links to more.
      { body: { value: [], '@odata.nextLink': 'https://graph.example.com/v1.0/auditLogs/directoryAudits?$filter=x&$skiptoken=d2' } },
      { body: { value: [{ id: 'Directory_2' }] } },
    ] });
    const ctx = { source: { id: 'acme-entra' } as never, settings: settings('app-pull-3', { pageSize: 1000 }), now, http: g.http };
    const signIns = { since: '2026-11-20T11:40:00.000Z' };
    const pages = [];
    let cursor: Record<string, unknown> = { phase: 'directoryAudits', signIns };
    for (;;) {
      const p = await entraPuller.fetchPage(ctx, cursor);
      pages.push(p);
      cursor = p.cursor;
      if (p.done) break;
    }
    const lists = g.lists();
    assert.deepEqual(lists.map((u) => u.pathname), Array(3).fill('/v1.0/auditLogs/directoryAudits'));
    assert.equal(lists[0]!.searchParams.get('$filter'), 'activityDateTime ge 2026-11-19T12:00:00.000Z and activityDateTime le 2026-11-20T11:55:00.000Z', 'a log the cursor does not know starts lookbackSeconds back');
    assert.equal(lists[0]!.searchParams.get('$top'), '999', 'the directory audit list is asked for at most 999');
    assert.deepEqual(lists.slice(1).map((u) => u.searchParams.get('$skiptoken')), ['d1', 'd2']);
    assert.deepEqual(pages.map((p) => [p.items.length, p.done]), [[1, false], [0, false], [1, true]]);
    assert.deepEqual((pages[1]!.cursor['directoryAudits'] as Record<string, unknown>)['until'], '2026-11-20T11:55:00.000Z', 'the window is kept while paging');
    assert.deepEqual(cursor, { phase: 'signIns', signIns, directoryAudits: { since: '2026-11-20T11:40:00.000Z' } });
  });

  it('the sign-ins-only cursor of earlier versions: its window (and a link it was paging) is the signIns position; directory audits start lookbackSeconds back', async () => {
    assert.deepEqual(entraCursor({ since: '2026-11-20T09:00:00.000Z' }), { phase: 'signIns', positions: { signIns: { since: '2026-11-20T09:00:00.000Z' } } });
    const g = graph({
      '/v1.0/auditLogs/signIns': [{ body: { value: [{ id: 'c' }] } }],
      '/v1.0/auditLogs/directoryAudits': [{ body: { value: [] } }],
    });
    const ctx = { source: { id: 'acme-entra' } as never, settings: settings('app-pull-4', { lookbackSeconds: 7200 }), now, http: g.http };
    const old = { since: '2026-11-20T09:00:00.000Z', until: '2026-11-20T10:00:00.000Z', next: 'https://graph.example.com/v1.0/auditLogs/signIns?$filter=y&$skiptoken=s9' };
    const first = await entraPuller.fetchPage(ctx, old);
    assert.equal(g.lists()[0]!.searchParams.get('$skiptoken'), 's9', 'the page the old cursor was on');
    assert.deepEqual(first.cursor, { phase: 'directoryAudits', signIns: { since: '2026-11-20T09:45:00.000Z' } }, 'the old keys are not carried on');
    const second = await entraPuller.fetchPage(ctx, first.cursor);
    assert.equal(g.lists()[1]!.searchParams.get('$filter'), 'activityDateTime ge 2026-11-20T10:00:00.000Z and activityDateTime le 2026-11-20T11:55:00.000Z');
    assert.equal(second.done, true);
  });

  it('a Graph error fails the poll with its status, in either log', async () => {
    const http: HttpFetch = async (url) => (url.endsWith('/token') ? json(200, { access_token: 'tok-2', expires_in: 3600 }) : json(403, { error: { code: 'Authorization_RequestDenied' } }));
    const ctx = { source: { id: 'x' } as never, settings: settings('app-pull-2'), now: new Date(), http };
    await assert.rejects(entraPuller.fetchPage(ctx, null), /auditLogs\/signIns: HTTP 403/);
    await assert.rejects(entraPuller.fetchPage(ctx, { phase: 'directoryAudits' }), /auditLogs\/directoryAudits: HTTP 403/);
  });
});

describe('Entra changes the detection rules read (weakened policies, self-elevation, external MFA, withdrawn risk)', () => {
  const caUpdate = (before: object, after: object) => {
    const r = recordOf('AuditLogs.json', 'Directory_aud1024');
    const t = ((r['properties'] as Record<string, unknown>)['targetResources'] as Record<string, unknown>[])[0]!;
    t['modifiedProperties'] = [{ displayName: 'ConditionalAccessPolicy', oldValue: JSON.stringify(before), newValue: JSON.stringify(after) }];
    return normalized(r).change;
  };
  it('a Conditional Access policy switched off, to report-only, or losing its MFA grant is deactivated; adding MFA or other edits stay updates', () => {
    const mfaOn = { state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['mfa'] } };
    assert.equal(caUpdate(mfaOn, { ...mfaOn, state: 'disabled' }), 'deactivate');
    assert.equal(caUpdate(mfaOn, { ...mfaOn, state: 'enabledForReportingButNotEnforced' }), 'deactivate');
    assert.equal(caUpdate(mfaOn, { ...mfaOn, grantControls: null }), 'deactivate');
    assert.equal(caUpdate({ state: 'enabled', grantControls: { authenticationStrength: { id: '00000000-0000-0000-0000-000000000002' } } }, { state: 'enabled', grantControls: { builtInControls: ['compliantDevice'] } }), 'deactivate');
    assert.equal(caUpdate({ ...mfaOn, grantControls: null }, mfaOn), 'update');
    assert.equal(caUpdate({ ...mfaOn, state: 'disabled' }, mfaOn), 'update');
    assert.equal(caUpdate(mfaOn, { ...mfaOn, displayName: 'renamed' }), 'update');
  });
  it('a self-elevation to User Access Administrator is a role granted to the initiator; Core Directory policy deletes are policy changes', () => {
    const e = pick('AuditLogs.json', 'Directory_aud1025');
    assert.deepEqual([e.category, e.change, e.target_name, e.user_login, e.actor_login], ['role_change', 'grant', 'User Access Administrator', 'helpdesk.admin@example.com', 'helpdesk.admin@example.com']);
    assert.deepEqual([pick('AuditLogs.json', 'Directory_aud1027').category, pick('AuditLogs.json', 'Directory_aud1027').change], ['policy_change', 'delete']);
  });
  it('an external authentication method (OpenID Connect) in the authentication methods policy is a trust change; other method edits are policy updates', () => {
    assert.deepEqual([pick('AuditLogs.json', 'Directory_aud1026').category, pick('AuditLogs.json', 'Directory_aud1026').change], ['idp_change', 'update']);
    const r = recordOf('AuditLogs.json', 'Directory_aud1026');
    const t = ((r['properties'] as Record<string, unknown>)['targetResources'] as Record<string, unknown>[])[0]!;
    t['modifiedProperties'] = [{ displayName: 'PasswordlessMfaEnabled', oldValue: 'false', newValue: 'true' }];
    assert.deepEqual([normalized(r).category, normalized(r).change], ['policy_change', 'update']);
  });
  it('a high sign-in risk an admin dismissed is no verdict (risk_level none); the anonymizer detection stays', () => {
    assert.deepEqual([pick('SignInLogs.json', 'e1a10019-0000-4000-8000-000000000019').risk_level, pick('SignInLogs.json', 'e1a10019-0000-4000-8000-000000000019').anonymizer], ['high', true]);
    assert.deepEqual([pick('SignInLogs.json', 'e1a10020-0000-4000-8000-000000000020').risk_level, pick('SignInLogs.json', 'e1a10020-0000-4000-8000-000000000020').anonymizer], ['none', true]);
  });
});
