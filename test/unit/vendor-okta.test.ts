/**
 * Okta, issue 10: factor suspension as a factor change, schema version 2 (policy, role, credential,
 * IdP, impersonation and password-reset events with their targets, `isProxy` as the anonymizer
 * flag), Classic vs Identity Engine verifications (a password is never MFA), the mapping apart
 * from the API client, and fuzzing of the new shapes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import * as oktaMap from '../../lambdas/sources/okta/map.ts';
import { okta } from '../../lambdas/sources/okta/map.ts';
import { fixture, normalizedEvent } from '../helpers/fixtures.ts';

type LogEvent = Record<string, unknown> & { uuid: string };
const complete = (e: object) => ({ tenant: 't', source_id: 's', source: 'okta', ingest_time: '2026-11-21T00:00:00.000Z', ...e });
const hookEvents = () => fixture<{ data: { events: LogEvent[] } }>('okta/event-hook-admin.json').data.events;
const oieEvents = () => fixture<{ detail: LogEvent }[]>('okta/eventbridge-oie.json').map((e) => e.detail);
const classicEvents = () => fixture<LogEvent[]>('okta/api-page-classic.json');
const byUid = (events: LogEvent[], suffix: string) => structuredClone(events.find((e) => e.uuid.endsWith(suffix))!);
const mapped = (item: unknown): NormalizedFields => normalizedEvent(okta, item);

describe('okta: a suspended factor is a factor taken out of service', () => {
  it('suspend → factor_remove (deactivate), unsuspend → factor_enroll (activate), the factor read from the reason', () => {
    const s = mapped(byUid(hookEvents(), '040'));
    const u = mapped(byUid(hookEvents(), '041'));
    assert.deepEqual([s.category, s.change, s.factor, s.factor_raw], ['factor_remove', 'deactivate', 'biometric', 'SIGNED_NONCE']);
    assert.deepEqual([u.category, u.change, u.factor], ['factor_enroll', 'activate', 'biometric']);
    assert.deepEqual([s.user_login, s.actor_login], ['bob@example.com', 'helpdesk.admin@example.com']);
  });
  it('an AuthenticatorEnrollment target names the factor and becomes the target', () => {
    const e = byUid(hookEvents(), '040');
    e['target'] = [...(e['target'] as object[]), { id: 'pfd1bobfastpass00001', type: 'AuthenticatorEnrollment', alternateId: 'unknown', displayName: 'Okta Verify', detailEntry: { methodTypeUsed: 'Use Okta FastPass' } }];
    const m = mapped(e);
    assert.deepEqual([m.target_type, m.target_id, m.factor_raw], ['factor', 'pfd1bobfastpass00001', 'Use Okta FastPass']);
  });
});

describe('okta: schema version 2', () => {
  const rows: [string, string, string | null, string | null, string | null, string | null, string | null][] = [
    // uid suffix, category, change, target_type, target_name, user_login, actor_login
    ['042', 'policy_change', 'update', 'policy', 'Contractors sign-on policy', null, 'helpdesk.admin@example.com'],
    ['043', 'policy_change', 'update', 'policy_rule', 'Require MFA outside the office network', null, 'helpdesk.admin@example.com'],
    ['044', 'policy_change', 'deactivate', 'policy', 'Factor enrollment policy', null, 'helpdesk.admin@example.com'],
    ['045', 'role_change', 'grant', 'role', 'Super administrator', 'carol@example.com', 'helpdesk.admin@example.com'],
    ['046', 'role_change', 'revoke', 'role', 'Help Desk administrator', null, 'helpdesk.admin@example.com'],
    ['047', 'credential_change', 'create', 'token', 'siem-reader', null, 'helpdesk.admin@example.com'],
    ['048', 'credential_change', 'revoke', 'token', 'siem-reader', null, 'helpdesk.admin@example.com'],
    ['049', 'idp_change', 'create', 'idp', 'Partner SAML IdP', null, 'helpdesk.admin@example.com'],
    ['051', 'impersonation', 'activate', 'user', 'Bob Example', 'bob@example.com', 'support.agent@support.example.com'],
    ['052', 'password_reset', null, 'user', 'Carol Example', 'carol@example.com', 'helpdesk.admin@example.com'],
  ];
  for (const [uid, category, change, targetType, targetName, user, actor] of rows) {
    it(`${uid}: ${category} ${change ?? ''} on ${targetType}`, () => {
      const e = mapped(byUid(hookEvents(), uid));
      assert.deepEqual([e.category, e.change, e.target_type, e.target_name, e.user_login, e.actor_login, e.is_mfa],
        [category, change, targetType, targetName, user, actor, false]);
    });
  }
  it('an admin change without a user target has the admin as actor and no user (never the admin as subject)', () => {
    const e = mapped(byUid(hookEvents(), '047'));
    assert.deepEqual([e.user_id, e.actor_id], [null, '00u1admin000000000009']);
  });
  it('a role grant without debugData names the grantee group as the target', () => {
    const e = byUid(hookEvents(), '046');
    (e['debugContext'] as { debugData: Record<string, unknown> }).debugData = {};
    assert.deepEqual([mapped(e).target_type, mapped(e).target_name], ['group', 'IT Helpdesk']);
  });
  it('OAuth client credentials and Okta API scopes for a client are credential changes', () => {
    const base = byUid(hookEvents(), '047');
    const app = { id: '0oa1reportingbot0001', type: 'AppInstance', alternateId: 'reporting-bot', displayName: 'Reporting bot' };
    for (const [type, change] of [['app.oauth2.credentials.lifecycle.create', 'create'], ['app.oauth2.client.privilege.grant', 'grant'], ['integration.api_service.lifecycle.revoke', 'revoke']] as const) {
      const e = mapped({ ...base, eventType: type, target: [app] });
      assert.deepEqual([e.category, e.change, e.target_type, e.target_id], ['credential_change', change, 'app', '0oa1reportingbot0001'], type);
    }
  });
  it('isProxy is the anonymizer flag: true, false, and null when Okta does not say (a malformed context costs nothing)', () => {
    assert.equal(mapped(byUid(oieEvents(), '063')).anonymizer, true);
    assert.equal(mapped(byUid(oieEvents(), '060')).anonymizer, false);
    const none = byUid(oieEvents(), '060');
    delete none['securityContext'];
    assert.equal(mapped(none).anonymizer, null);
    const odd = byUid(oieEvents(), '060');
    odd['securityContext'] = 'proxy';
    assert.equal(mapped(odd).anonymizer, null);
    const text = byUid(oieEvents(), '060');
    text['securityContext'] = { isProxy: 'true' };
    assert.equal(mapped(text).anonymizer, null);
  });
  it('a password set by an admin is a reset; a user changing their own is not', () => {
    const own = byUid(classicEvents(), '074');
    assert.deepEqual([mapped(own).category, mapped(own).actor_id], ['other', null]);
    const byAdmin = { ...own, actor: { id: '00u1admin000000000009', type: 'User', alternateId: 'helpdesk.admin@example.com' } };
    assert.deepEqual([mapped(byAdmin).category, mapped(byAdmin).user_login, mapped(byAdmin).actor_login], ['password_reset', 'frank@example.com', 'helpdesk.admin@example.com']);
  });
  it('a self-service reset keeps Okta System as the actor', () => {
    const e = mapped(byUid(classicEvents(), '073'));
    assert.deepEqual([e.category, e.user_login, e.actor_login], ['password_reset', 'dave', 'system@okta.com']);
  });
});

describe('okta: Classic and Identity Engine verifications', () => {
  it('Identity Engine: a Password authenticator verification is the first step, never MFA', () => {
    const e = mapped(byUid(oieEvents(), '060'));
    assert.deepEqual([e.category, e.is_mfa, e.factor], ['login', false, 'password']);
  });
  it('Identity Engine: push and FastPass verifications are MFA', () => {
    assert.deepEqual([mapped(byUid(oieEvents(), '061')).factor, mapped(byUid(oieEvents(), '061')).is_mfa], ['push', true]);
    assert.deepEqual([mapped(byUid(oieEvents(), '062')).factor, mapped(byUid(oieEvents(), '062')).is_mfa], ['biometric', true]);
  });
  it('Classic: verify on /api/v1/authn claims no MFA; verify on a factor endpoint is MFA with an unnamed factor', () => {
    const primary = mapped(byUid(classicEvents(), '071'));
    const factor = mapped(byUid(classicEvents(), '072'));
    assert.deepEqual([primary.category, primary.is_mfa, primary.factor], ['login', null, null]);
    assert.deepEqual([factor.category, factor.is_mfa, factor.factor], ['mfa_verify', true, 'unknown']);
  });
  it('auth_via_mfa with a password authenticator is not counted as MFA', () => {
    const e = byUid(classicEvents(), '070');
    (e['debugContext'] as { debugData: Record<string, unknown> }).debugData = {};
    e['target'] = [{ id: 'lae1davepassword0070', type: 'AuthenticatorEnrollment', alternateId: 'unknown', displayName: 'Password', detailEntry: { methodTypeUsed: 'Password' } }];
    assert.deepEqual([mapped(e).category, mapped(e).is_mfa], ['login', false]);
  });
  it('an event type Okta adds later is other with its raw type', () => {
    const e = mapped(byUid(classicEvents(), '078'));
    assert.deepEqual([e.category, e.raw_event_type, e.is_mfa], ['other', 'app.oauth2.as.token.grant.access_token', null]);
  });
});

describe('okta: mapping apart from the API client', () => {
  it('map.ts exports no puller; pull.ts does', async () => {
    assert.equal('oktaPuller' in oktaMap, false);
    assert.equal('nextLink' in oktaMap, false);
    const pull = await import('../../lambdas/sources/okta/pull.ts');
    assert.equal(pull.oktaPuller.kind, 'okta');
  });
});

describe('okta: the new shapes, fuzzed', () => {
  const samples = [...hookEvents(), ...oieEvents(), ...classicEvents()];
  const nested = ['securityContext', 'target', 'debugContext', 'actor', 'outcome', 'authenticationContext', 'eventType'];
  it('every input gives an event or a reason; every event is a valid AuthEvent; a change always names its actor', () => {
    const mutated = fc.record({
      base: fc.constantFrom(...samples),
      key: fc.constantFrom(...nested),
      value: fc.oneof(fc.jsonValue(), fc.constantFrom('policy.rule.delete', 'group.privilege.grant', 'user.session.impersonation.end', 'user.authentication.verify', 'user.mfa.factor.suspend')),
    }).map(({ base, key, value }) => ({ ...structuredClone(base), [key]: value }));
    fc.assert(fc.property(fc.oneof(mutated, fc.anything()), (input) => {
      for (const item of okta.unwrap(input)) {
        const r = okta.normalize(item);
        assert.ok(r.kind === 'event' || r.kind === 'reject');
        if (r.kind !== 'event') continue;
        const v = AuthEvent.safeParse(complete(r.event));
        assert.ok(v.success, JSON.stringify(v.error?.issues));
        const actorId = (item as { actor?: { id?: unknown } }).actor?.id;
        if (['policy_change', 'role_change', 'credential_change', 'idp_change'].includes(r.event.category!) && typeof actorId === 'string' && actorId.trim()) {
          assert.equal(r.event.actor_id, actorId.trim());
        }
        if (r.event.is_mfa === true) assert.notEqual(r.event.factor, 'password');
      }
    }), { numRuns: 2000 });
  });
});
