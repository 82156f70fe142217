/** `admin_role_granted`: its alerts over event sequences, with the exact alerts expected, and each mapped vendor's events reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertScenario, at, play, vendorEvent, view } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import scenario from './scenario.ts';
import type { AuthEvent, SourceKind } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';

const grant = (uid: string, minutes: number, role: string | null, over: Partial<AuthEvent> = {}) => ev({
  event_uid: uid, event_time: at(minutes), raw_event_type: 'user.account.privilege.grant', category: 'role_change', outcome: 'success', change: 'grant',
  target_type: 'role', target_name: role, user_email: 'carol@example.com', actor_login: 'admin@example.com', ...over,
});

describe('admin role granted', () => {
  it('an admin role granted to a user: medium, the user\'s; the vendor\'s top role: high', () => {
    assert.deepEqual(play([grant('g1', 0, 'Help Desk Administrator')]).raised.map(view), [['admin_role_granted', 'medium', 'carol@example.com', 1, ['acme-okta#g1']]]);
    const { raised } = play([grant('g2', 0, 'Super administrator, Read only admin')]);
    assert.deepEqual(raised.map(view), [['admin_role_granted', 'high', 'carol@example.com', 1, ['acme-okta#g2']]]);
    assert.match(raised[0]!.summary, /top admin role "Super administrator, Read only admin" granted by admin@example.com/);
  });
  it('top roles are per vendor and compared without case, by list item or ARN tail, never by substring', () => {
    const top = (role: string, source: SourceKind) => play([grant('x', 0, role, { source })]).raised[0]!.severity;
    assert.equal(top('global administrator', 'entra'), 'high');
    assert.equal(top('Global Administrator', 'okta'), 'medium');
    assert.equal(top('Global Administrator Reader', 'entra'), 'medium');
    assert.equal(top('arn:aws:iam::aws:policy/AdministratorAccess', 'aws_signin'), 'high');
    assert.equal(play([grant('y', 0, null, { source: 'aws_signin', target_id: 'arn:aws:iam::aws:policy/AdministratorAccess' })]).raised[0]!.severity, 'high');
    assert.equal(top('Owner', 'duo'), 'high');
    assert.equal(top('Owner', 'generic'), 'medium');
  });
  it('a role granted to a group (no user): tenant-wide; revokes, updates and failures: nothing, and no state', () => {
    assert.deepEqual(play([grant('grp', 0, 'Org admin', { user_email: null, target_type: 'group' })]).raised.map(view), [['admin_role_granted', 'medium', '*', 1, ['acme-okta#grp']]]);
    const r = play([grant('r', 0, 'Super administrator', { change: 'revoke' }), grant('u', 1, 'Super administrator', { change: 'update' }), grant('f', 2, 'Super administrator', { outcome: 'failure' })]);
    assert.equal(r.raised.length, 0);
    assert.equal(r.writes, 0);
  });
  it('two grants to one user within the suppression window are one alert (count 2); a top role after a lesser one raises it again, high', () => {
    const { raised, updated } = play([grant('a', 0, 'Help Desk Administrator'), grant('b', 5, 'Report admin'), grant('c', 10, 'Super administrator')]);
    assert.deepEqual(raised.map(view), [['admin_role_granted', 'medium', 'carol@example.com', 1, ['acme-okta#a']], ['admin_role_granted', 'high', 'carol@example.com', 3, ['acme-okta#a', 'acme-okta#b', 'acme-okta#c']]]);
    assert.deepEqual(updated.map(view), [['admin_role_granted', 'medium', 'carol@example.com', 2, ['acme-okta#a', 'acme-okta#b']]]);
  });
  it('out of order and late: an earlier grant arriving later joins the open alert; redelivery changes nothing', () => {
    const late = grant('late', 20, 'Help Desk Administrator');
    const early = grant('early', 5, 'Help Desk Administrator');
    const { raised, updated } = play([late, early, late, early]);
    assert.deepEqual(raised.map(view), [['admin_role_granted', 'medium', 'carol@example.com', 1, ['acme-okta#late']]]);
    assert.deepEqual(updated.map((a) => [a.count, a.first_event_time]), [[2, at(5)]]);
  });
  it('per tenant: its own top roles (replacing the defaults), or off', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { admin_role_granted: { topRoles: { okta: ['Org admin'] } } } }, globex: { rules: { admin_role_granted: { enabled: false } } } } });
    assert.equal(play([grant('a', 0, 'Org admin')], settings).raised[0]!.severity, 'high');
    assert.equal(play([grant('b', 0, 'Super administrator')], settings).raised[0]!.severity, 'medium');
    assert.equal(play([grant('c', 0, 'Super administrator', { tenant: 'globex' })], settings).raised.length, 0);
    assert.throws(() => AlertsConfig.parse({ rules: { admin_role_granted: { topRoles: { okta: [''] } } } }));
  });
  it('each mapped vendor\'s role grants reach it: the affected user, high for the vendor\'s top role', () => {
    const cases: [SourceKind, string, string, string, string][] = [
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000045', 'carol@example.com', 'high'], // Super administrator
      ['entra', 'AuditLogs.json', 'Directory_aud1006', 'bob@example.com', 'high'], // Add member to role: Global Administrator
      ['entra', 'AuditLogs.json', 'PIM_aud1008', 'cc000003-0000-4000-8000-000000000003', 'medium'], // PIM, Application Administrator
      ['entra', 'AuditLogs.json', 'Directory_aud1025', 'helpdesk.admin@example.com', 'high'], // self-elevation to User Access Administrator
      ['google_workspace', 'admin-page.json', '-4000000000000000001', 'dana@example.com', 'medium'], // ASSIGN_ROLE help desk
      ['google_workspace', 'admin-page.json', '-4000000000000000004', 'dana@example.com', 'high'], // GRANT_ADMIN_PRIVILEGE (super admin)
      ['google_workspace', 'watch-admin.json', '-4000000000000000020', 'frank@example.com', 'high'], // ASSIGN_ROLE _SEED_ADMIN_ROLE
      ['duo', 'administrator-log.json', 'duo-admin:2026-11-20T16:04:00.000Z', 'nora.admin@example.com', 'high'], // new Owner admin
      ['duo', 'administrator-log.json', 'duo-admin:2026-11-20T16:05:00.000Z', 'nora admin', 'medium'], // an admin's role set to Help Desk (the admin by name)
      ['auth0', 'management-api-page.json', '90020261121010000000000000000000000000000000000000000001', 'auth0|110000000000000000000011', 'medium'],
      ['onelogin', 'webhook-json-array.json', '0e1c1000-0010-4000-8000-000000000010', 'tess@example.com', 'high'], // Super user
      ['pingone', 'activities-page.json', '9a100004-0000-4000-8000-000000000004', 'olga@example.com', 'medium'],
      ['jumpcloud', 'directory-page.json', '6560aa00000000000000001a', 'bob@example.com', 'medium'],
      ['jumpcloud', 'directory-page.json', '6560aa000000000000000014', 'helpdesk@example.com', 'medium'], // admin_update: role set to Administrator
      ['keycloak', 'hook-bulk.json', '7d1e0000-0008-4000-8000-000000000008', '5c100017-0000-4000-8000-000000000017', 'medium'],
      ['aws_signin', 'iam-changes.json', 'e3c00004-0000-4000-8000-000000000004', 'bob', 'high'], // AttachUserPolicy AdministratorAccess
    ];
    for (const [kind, file, uid, user, severity] of cases) {
      const e = vendorEvent(kind, file, uid);
      assert.deepEqual(play([e]).raised.filter((a) => a.rule === 'admin_role_granted').map((a) => [a.severity, a.user, a.event_uids]), [[severity, user, [`acme-${kind}#${e.event_uid}`]]], `${kind} ${uid}`);
    }
  });
});

describe('admin_role_granted scenario', () => {
  it('the attack as the vendor sends it raises exactly the one alert expected; the near miss none', () => assertScenario(scenario));
});
