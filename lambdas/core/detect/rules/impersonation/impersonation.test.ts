/** `impersonation`: its alerts over event sequences, with the exact alerts expected, and each mapped vendor's events reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertScenario, at, play, vendorEvent, view } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import scenario from './scenario.ts';
import type { AuthEvent, SourceKind } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';

const assume = (uid: string, minutes: number, over: Partial<AuthEvent> = {}) => ev({
  event_uid: uid, event_time: at(minutes), raw_event_type: 'user.session.impersonation.initiate', category: 'impersonation', outcome: 'success', change: 'activate',
  target_type: 'user', user_email: 'bob@example.com', actor_login: 'support@example.com', ...over,
});

describe('impersonation', () => {
  it('a user\'s session assumed: one high alert, the assumed user\'s', () => {
    const { raised } = play([assume('i1', 0)]);
    assert.deepEqual(raised.map(view), [['impersonation', 'high', 'bob@example.com', 1, ['acme-okta#i1']]]);
    assert.match(raised[0]!.summary, /session assumed by support@example.com/);
  });
  it('support access granted (no user): tenant-wide; extended counts too', () => {
    const { raised } = play([assume('g', 0, { raw_event_type: 'user.session.impersonation.grant', change: 'grant', user_email: null })]);
    assert.deepEqual(raised.map(view), [['impersonation', 'high', '*', 1, ['acme-okta#g']]]);
    assert.match(raised[0]!.summary, /support access granted/);
    assert.equal(play([assume('x', 0, { change: 'update' })]).raised.length, 1);
  });
  it('its end, its revocation or a failed attempt: nothing, and no state', () => {
    const r = play([assume('e', 0, { change: 'deactivate' }), assume('r', 1, { change: 'revoke' }), assume('f', 2, { outcome: 'failure' }), assume('d', 3, { outcome: 'denied' })]);
    assert.equal(r.raised.length, 0);
    assert.equal(r.writes, 0);
  });
  it('per user: two users assumed are two alerts; one user twice within the suppression window is one (count 2), out of order; redelivery changes nothing', () => {
    assert.deepEqual(play([assume('a', 0), assume('b', 1, { user_email: 'carol@example.com' })]).raised.map((a) => a.user), ['bob@example.com', 'carol@example.com']);
    const late = assume('late', 30);
    const early = assume('early', 0);
    const { raised, updated } = play([late, early, late]);
    assert.deepEqual(raised.map(view), [['impersonation', 'high', 'bob@example.com', 1, ['acme-okta#late']]]);
    assert.deepEqual(updated.map((a) => [a.count, a.first_event_time]), [[2, at(0)]]);
  });
  it('per tenant: off for acme only', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { impersonation: { enabled: false } } } } });
    assert.equal(play([assume('a', 0)], settings).raised.length, 0);
    assert.equal(play([assume('b', 0, { tenant: 'globex' })], settings).raised.length, 1);
  });
  it('each mapped vendor\'s assumption or support grant reaches it', () => {
    const cases: [SourceKind, string, string, string][] = [
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000050', '*'], // support access granted to the org by an admin
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000051', 'bob@example.com'], // impersonation initiated
      ['onelogin', 'webhook-json-array.json', '0e1c1000-0006-4000-8000-000000000006', 'quinn@example.com'], // USER_ASSUMED_USER
      ['keycloak', 'hook-bulk.json', '7d1e0000-0003-4000-8000-000000000003', '5c100013-0000-4000-8000-000000000013'], // IMPERSONATE
      ['jumpcloud', 'systems-page.json', '6560aa000000000000000054', '*'], // remote session to a user's device
    ];
    for (const [kind, file, uid, user] of cases) {
      const e = vendorEvent(kind, file, uid);
      assert.deepEqual(play([e]).raised.filter((a) => a.rule === 'impersonation').map((a) => [a.severity, a.user, a.event_uids]), [['high', user, [`acme-${kind}#${e.event_uid}`]]], `${kind} ${uid}`);
    }
  });
});

describe('impersonation scenario', () => {
  it('the attack as the vendor sends it raises exactly the one alert expected; the near miss none', () => assertScenario(scenario));
});
