/** `idp_trust_changed`: its alerts over event sequences, with the exact alerts expected, and each mapped vendor's events reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertScenario, at, play, vendorEvent, view } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import scenario from './scenario.ts';
import type { AuthEvent, SourceKind } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';

const idp = (uid: string, minutes: number, over: Partial<AuthEvent> = {}) => ev({
  event_uid: uid, event_time: at(minutes), raw_event_type: 'system.idp.lifecycle.create', category: 'idp_change', outcome: 'success', change: 'create',
  target_type: 'idp', target_name: 'Partner SAML IdP', actor_login: 'admin@example.com', ...over,
});

describe('identity provider trust changed', () => {
  it('an identity provider added: one high alert for the tenant', () => {
    const { raised } = play([idp('i1', 0)]);
    assert.deepEqual(raised.map(view), [['idp_trust_changed', 'high', '*', 1, ['acme-okta#i1']]]);
    assert.match(raised[0]!.summary, /identity provider \/ federation trust "Partner SAML IdP" added by admin@example.com/);
  });
  it('changed or switched on counts; removed, switched off or failed does not, and costs no state', () => {
    assert.equal(play([idp('u', 0, { change: 'update' }), idp('a', 100, { change: 'activate' }), idp('n', 200, { change: null })]).raised.length, 3);
    const quiet = play([idp('d', 0, { change: 'delete' }), idp('x', 1, { change: 'deactivate' }), idp('f', 2, { outcome: 'failure' })]);
    assert.equal(quiet.raised.length, 0);
    assert.equal(quiet.writes, 0);
  });
  it('out of order within the suppression window: one alert, count 2, from the earlier time; a redelivery changes nothing', () => {
    const late = idp('late', 40, { change: 'update' });
    const early = idp('early', 10);
    const { raised, updated } = play([late, early, early]);
    assert.deepEqual(raised.map(view), [['idp_trust_changed', 'high', '*', 1, ['acme-okta#late']]]);
    assert.deepEqual(updated.map((a) => [a.count, a.first_event_time, a.last_event_time]), [[2, at(10), at(40)]]);
  });
  it('per tenant: off for acme only', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { idp_trust_changed: { enabled: false } } } } });
    assert.equal(play([idp('a', 0)], settings).raised.length, 0);
    assert.equal(play([idp('b', 0, { tenant: 'globex' })], settings).raised.length, 1);
  });
  it('each mapped vendor\'s federation change reaches it', () => {
    const cases: [SourceKind, string, string][] = [
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000049'], // system.idp.lifecycle.create
      ['entra', 'AuditLogs.json', 'Directory_aud1013'], // Set federation settings on domain
      ['entra', 'AuditLogs.json', 'Directory_aud1016'], // cross-tenant access partner added
      ['entra', 'AuditLogs.json', 'Directory_aud1026'], // external authentication method (OpenID Connect)
      ['google_workspace', 'admin-page.json', '-4000000000000000012'], // CHANGE_SSO_SETTINGS
      ['google_workspace', 'admin-page.json', '-4000000000000000013'], // TOGGLE_SSO_ENABLED on
      ['duo', 'administrator-log.json', 'duo-admin:2026-11-20T16:19:00.000Z'], // admin SSO updated
      ['auth0', 'management-api-page.json', '90020261121070000000000000000000000000000000000000000007'], // connection updated
      ['pingone', 'activities-page.json', '9a100006-0000-4000-8000-000000000006'],
      ['onelogin', 'webhook-json-array.json', '0e1c1000-0014-4000-8000-000000000014'],
      ['keycloak', 'hook-bulk.json', '7d1e0000-0011-4000-8000-000000000011'],
      ['jumpcloud', 'directory-page.json', '6560aa000000000000000023'],
      ['aws_signin', 'iam-changes.json', 'e3c00007-0000-4000-8000-000000000007'], // CreateSAMLProvider
      ['aws_signin', 'identity-center-admin.json', 'e4c00007-0000-4000-8000-000000000007'], // Identity Center external IdP
    ];
    for (const [kind, file, uid] of cases) {
      const e = vendorEvent(kind, file, uid);
      assert.deepEqual(play([e]).raised.filter((a) => a.rule === 'idp_trust_changed').map((a) => [a.severity, a.user, a.event_uids]), [['high', '*', [`acme-${kind}#${e.event_uid}`]]], `${kind} ${uid}`);
    }
  });
});

describe('idp_trust_changed scenario', () => {
  it('the attack as the vendor sends it raises exactly the one alert expected; the near miss none', () => assertScenario(scenario));
});
