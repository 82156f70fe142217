/** `mfa_policy_weakened`: its alerts over event sequences, with the exact alerts expected, and each mapped vendor's events reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertScenario, at, failed, play, vendorEvent, view } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import { fixture } from '../../../../../test/helpers/fixtures.ts';
import scenario from './scenario.ts';
import type { AuthEvent, Change, SourceKind } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';
import { concernsTenant, concernsUser } from '../../engine.ts';

const policy = (uid: string, minutes: number, change: Change, over: Partial<AuthEvent> = {}) => ev({
  event_uid: uid, event_time: at(minutes), raw_event_type: 'policy.lifecycle.deactivate', category: 'policy_change', outcome: 'success',
  change, target_type: 'policy', target_name: 'Require MFA', actor_login: 'admin@example.com', ...over,
});

/** The events a vendor fixture makes, as tenant acme's, by vendor id (prefix). */

describe('MFA policy weakened', () => {
  it('a policy switched off naming no user: one high alert for the whole tenant (user *), on the tenant key only', () => {
    const e = policy('p1', 0, 'deactivate');
    assert.equal(concernsUser(e), false);
    assert.equal(concernsTenant(e), true);
    const { raised, states } = play([e]);
    assert.deepEqual(raised.map(view), [['mfa_policy_weakened', 'high', '*', 1, ['acme-okta#p1']]]);
    assert.match(raised[0]!.summary, /policy "Require MFA" switched off or weakened by admin@example.com/);
    assert.deepEqual([...states.keys()], ['acme#*']);
  });
  it('MFA turned off for one user: the alert is that user\'s', () => {
    const { raised } = play([policy('u1', 0, 'deactivate', { user_email: 'dave@example.com', target_type: 'user', target_name: 'dave@example.com' })]);
    assert.deepEqual(raised.map(view), [['mfa_policy_weakened', 'high', 'dave@example.com', 1, ['acme-okta#u1']]]);
  });
  it('a policy deleted alerts; created, updated, activated, failed or errored changes do not, and cost no state', () => {
    assert.deepEqual(play([policy('d1', 0, 'delete')]).raised.map((a) => a.rule), ['mfa_policy_weakened']);
    const quiet = [policy('c', 0, 'create'), policy('u', 1, 'update'), policy('a', 2, 'activate'), policy('f', 3, 'deactivate', { outcome: 'failure' }),
      policy('e', 4, 'deactivate', { outcome: 'error' }), policy('n', 5, 'deactivate', { category: 'admin' })];
    const r = play(quiet);
    assert.equal(r.raised.length, 0);
    assert.equal(r.writes, 0);
    assert.equal(quiet.some((e) => concernsTenant(e) || concernsUser(e)), false);
  });
  it('every occurrence counts: a second change within the suppression window updates the alert (count 2), out of order too; one after it alerts again', () => {
    const { raised, updated } = play([policy('late', 30, 'deactivate'), policy('early', 10, 'delete'), policy('next', 30 + 61, 'deactivate')]);
    assert.deepEqual(raised.map(view), [['mfa_policy_weakened', 'high', '*', 1, ['acme-okta#late']], ['mfa_policy_weakened', 'high', '*', 1, ['acme-okta#next']]]);
    assert.deepEqual(updated.map(view), [['mfa_policy_weakened', 'high', '*', 2, ['acme-okta#late', 'acme-okta#early']]]);
    assert.equal(updated[0]!.first_event_time, at(10));
  });
  it('a redelivered event raises nothing more and changes no count', () => {
    const e = policy('p1', 0, 'deactivate');
    const { raised, updated } = play([e, e, { ...e, ingest_time: at(5) }]);
    assert.equal(raised.length, 1);
    assert.equal(updated.length, 0);
  });
  it('per tenant: disabled for acme, still on for globex', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { mfa_policy_weakened: { enabled: false } } } } });
    assert.equal(play([policy('p1', 0, 'deactivate')], settings).raised.length, 0);
    assert.deepEqual(play([policy('p2', 0, 'deactivate', { tenant: 'globex' })], settings).raised.map((a) => [a.tenant, a.user]), [['globex', '*']]);
  });
  it('events without a user reach only the rules that may run tenant-wide: a lockout naming no user counts no one in lockout_burst', () => {
    const lockouts = [0, 1, 2, 3, 4].map((i) => ev({ event_uid: `l${i}`, event_time: at(i), category: 'lockout', outcome: 'failure' }));
    assert.equal(lockouts.some(concernsTenant), false);
    assert.equal(play([...lockouts, failed('f', 5)]).raised.length, 0);
  });
  it('each mapped vendor\'s policy switched off, deleted or MFA turned off reaches it', () => {
    const cases: [SourceKind, string, string, string][] = [
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000044', '*'], // policy.lifecycle.deactivate
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000053', '*'], // system.mfa.factor.deactivate (org factor off)
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000054', '*'], // security.authenticator.lifecycle.deactivate
      ['entra', 'AuditLogs.json', 'Directory_aud1002', '*'], // Conditional Access policy to report-only
      ['entra', 'AuditLogs.json', 'Directory_aud1003', '*'], // Conditional Access policy deleted
      ['entra', 'AuditLogs.json', 'Directory_aud1020', 'dave@example.com'], // Disable Strong Authentication (per-user MFA)
      ['entra', 'AuditLogs.json', 'Directory_aud1024', '*'], // MFA grant control removed
      ['google_workspace', 'admin-page.json', '-4000000000000000006', '*'], // ENFORCE_STRONG_AUTHENTICATION false
      ['auth0', 'management-api-page.json', '90020261121170000000000000000000000000000000000000000017', '*'], // guardian policies []
      ['auth0', 'management-api-page.json', '90020261121080000000000000000000000000000000000000000008', '*'], // SMS factor disabled
      ['duo', 'administrator-log.json', 'duo-admin:2026-11-20T16:09:00.000Z', 'hank'], // user put in bypass status
      ['duo', 'administrator-log.json', 'duo-admin:2026-11-20T16:13:00.000Z', '*'], // policy deleted
      ['pingone', 'activities-page.json', '9a10000f-0000-4000-8000-00000000000f', '*'], // POLICY.DELETED (sign-on policy)
      ['onelogin', 'webhook-json-array.json', '0e1c1000-0016-4000-8000-000000000016', '*'], // 158 POLICY_DELETED
      ['jumpcloud', 'directory-page.json', '6560aa0000000000000000d1', '*'], // authnpolicy_delete
      ['keycloak', 'hook-bulk.json', '7d1e0000-0012-4000-8000-000000000012', '*'], // OTP form set to DISABLED in the browser flow
    ];
    for (const [kind, file, uid, user] of cases) {
      const e = vendorEvent(kind, file, uid);
      const { raised } = play([e]);
      assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.user, a.event_uids]), [['mfa_policy_weakened', 'high', user, [`acme-${kind}#${e.event_uid}`]]], `${kind} ${uid}`);
    }
  });
  it('a vendor policy edit that does not weaken it stays silent (an Okta rule updated, Auth0 MFA required for every app)', () => {
    for (const [kind, file, uid] of [['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000043'], ['auth0', 'management-api-page.json', '90020261121090000000000000000000000000000000000000000009']] as const) {
      assert.equal(play([vendorEvent(kind, file, uid)]).raised.filter((a) => a.rule === 'mfa_policy_weakened').length, 0, uid);
    }
  });
});

describe('mfa_policy_weakened scenario', () => {
  it('the attack as the vendor sends it raises exactly the one alert expected; the near miss none', () => assertScenario(scenario));
});
