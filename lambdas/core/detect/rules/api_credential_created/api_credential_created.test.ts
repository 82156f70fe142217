/** `api_credential_created`: its alerts over event sequences, with the exact alerts expected, and each mapped vendor's events reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertScenario, at, play, vendorEvent, view } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import scenario from './scenario.ts';
import type { AuthEvent, SourceKind } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';

const cred = (uid: string, minutes: number, over: Partial<AuthEvent> = {}) => ev({
  event_uid: uid, event_time: at(minutes), raw_event_type: 'system.api_token.create', category: 'credential_change', outcome: 'success', change: 'create',
  target_type: 'token', target_name: 'siem-reader', actor_login: 'admin@example.com', ...over,
});

describe('API credential created', () => {
  it('a token created: one medium alert, tenant-wide when no user is named, the user\'s when it is theirs', () => {
    const { raised } = play([cred('t1', 0)]);
    assert.deepEqual(raised.map(view), [['api_credential_created', 'medium', '*', 1, ['acme-okta#t1']]]);
    assert.match(raised[0]!.summary, /API credential created for token "siem-reader" by admin@example.com/);
    assert.deepEqual(play([cred('k1', 0, { user_login: 'bob', raw_event_type: 'CreateAccessKey' })]).raised.map(view), [['api_credential_created', 'medium', 'bob', 1, ['acme-okta#k1']]]);
  });
  it('API access granted to an integration by an admin counts; a user\'s own OAuth consent, revokes, updates and failures do not, and cost no state', () => {
    assert.deepEqual(play([cred('g1', 0, { change: 'grant', target_type: 'app' })]).raised.map((a) => a.rule), ['api_credential_created']);
    const quiet = play([
      cred('consent', 0, { change: 'grant', target_type: 'app', user_email: 'bob@example.com', actor_login: 'bob@example.com' }),
      cred('nobody', 1, { change: 'grant', actor_login: null }),
      cred('r', 2, { change: 'revoke' }), cred('u', 3, { change: 'update' }), cred('f', 4, { outcome: 'failure' }),
    ]);
    assert.equal(quiet.raised.length, 0);
    assert.equal(quiet.writes, 0);
  });
  it('every occurrence: a second within the suppression window updates the count, out of order too; a redelivery changes nothing', () => {
    const a = cred('a', 20);
    const b = cred('b', 5);
    const { raised, updated } = play([a, b, a, b]);
    assert.deepEqual(raised.map(view), [['api_credential_created', 'medium', '*', 1, ['acme-okta#a']]]);
    assert.deepEqual(updated.map(view), [['api_credential_created', 'medium', '*', 2, ['acme-okta#a', 'acme-okta#b']]]);
    assert.equal(play([cred('x', 0), cred('y', 61)]).raised.length, 2);
  });
  it('per tenant: off for acme only', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { api_credential_created: { enabled: false } } } } });
    assert.equal(play([cred('a', 0)], settings).raised.length, 0);
    assert.equal(play([cred('b', 0, { tenant: 'globex' })], settings).raised.length, 1);
  });
  it('each mapped vendor\'s new API credential reaches it', () => {
    const cases: [SourceKind, string, string, string][] = [
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000047', '*'], // system.api_token.create
      ['entra', 'AuditLogs.json', 'Directory_aud1010', '*'], // Add service principal credentials
      ['entra', 'AuditLogs.json', 'Directory_aud1011', '*'], // Certificates and secrets management: a key added
      ['google_workspace', 'admin-page.json', '-4000000000000000014', '*'], // AUTHORIZE_API_CLIENT_ACCESS (domain-wide delegation)
      ['duo', 'administrator-log.json', 'duo-admin:2026-11-20T16:14:00.000Z', '*'], // Admin API integration created
      ['auth0', 'management-api-page.json', '90020261121040000000000000000000000000000000000000000004', '*'], // rotate-secret
      ['pingone', 'activities-page.json', '9a100007-0000-4000-8000-000000000007', '*'],
      ['onelogin', 'webhook-json-array.json', '0e1c1000-0013-4000-8000-000000000013', '*'],
      ['keycloak', 'admin-rest-admin-events.json', '7d1e0000-0023-4000-8000-000000000023', '*'],
      ['aws_signin', 'iam-changes.json', 'e3c00001-0000-4000-8000-000000000001', 'bob'], // CreateAccessKey
    ];
    for (const [kind, file, uid, user] of cases) {
      const e = vendorEvent(kind, file, uid);
      assert.deepEqual(play([e]).raised.filter((a) => a.rule === 'api_credential_created').map((a) => [a.severity, a.user, a.event_uids]), [['medium', user, [`acme-${kind}#${e.event_uid}`]]], `${kind} ${uid}`);
    }
    // A user's own consent to a third-party app (Google `token` authorize) is not one.
    assert.equal(play([vendorEvent('google_workspace', 'token-page.json', '-5000000000000000001')]).raised.filter((a) => a.rule === 'api_credential_created').length, 0);
  });
});

describe('api_credential_created scenario', () => {
  it('the attack as the vendor sends it raises exactly the one alert expected; the near miss none', () => assertScenario(scenario));
});
