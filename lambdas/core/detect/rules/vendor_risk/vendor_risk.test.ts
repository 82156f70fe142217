/** `vendor_risk`: its alerts over event sequences, with the exact alerts expected, and each mapped vendor's verdicts reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertScenario, at, play, signIn, vendorEvent, view } from '../../../../../test/helpers/detect.ts';
import scenario from './scenario.ts';
import type { AuthEvent, SourceKind } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';
import { concernsTenant, concernsUser, type Alert } from '../../engine.ts';
import { isHighRisk } from '../kit.ts';

const risky = (uid: string, minutes: number, over: Partial<AuthEvent> = {}) => signIn(uid, minutes, { risk_level: 'HIGH', raw_event_type: 'user.session.start', ...over });
const only = (r: { raised: Alert[] }) => r.raised.filter((a) => a.rule === 'vendor_risk');

describe('vendor risk', () => {
  it('a sign-in the vendor rated high risk: one high alert, the user\'s; failed ones too', () => {
    const r = play([risky('r1', 0)]);
    assert.deepEqual(only(r).map(view), [['vendor_risk', 'high', 'erin@example.com', 1, ['acme-okta#r1']]]);
    assert.match(only(r)[0]!.summary, /okta rated a successful sign-in from 192\.0\.2\.10 high risk \(HIGH, user\.session\.start\)/);
    assert.equal(only(play([risky('r2', 0, { outcome: 'failure' })])).length, 1);
  });
  it('the verdicts that are high, whatever the vendor calls them; the rest are not, and routine sign-ins are not its concern', () => {
    const e = (risk_level: string | null, source: SourceKind = 'okta') => risky('x', 0, { risk_level, source });
    for (const [level, source] of [['high', 'entra'], ['HIGH', 'okta'], ['suspicious', 'google_workspace'], ['government_backed_attack', 'google_workspace'], ['leaked_password', 'google_workspace'],
      ['hijacked', 'google_workspace'], ['leaked_password', 'auth0'], ['low', 'auth0'], ['72', 'onelogin'], ['anomalous_push', 'duo']] as const) assert.equal(isHighRisk(e(level, source)), true, `${source} ${level}`);
    for (const [level, source] of [['medium', 'entra'], ['none', 'entra'], ['LOW', 'okta'], ['high', 'auth0'], ['medium', 'auth0'], ['50', 'onelogin'], ['49.5', 'onelogin'], [null, 'okta'], ['hidden', 'entra']] as const) {
      assert.equal(isHighRisk(e(level, source)), false, `${source} ${level}`);
    }
    const routine = signIn('ok', 0, { risk_level: 'LOW' });
    assert.equal(concernsTenant(routine), false);
    assert.equal(play([routine]).raised.length, 0);
    assert.equal(concernsUser(risky('y', 0, { is_mfa: true })), true);
  });
  it('a verdict on a request naming no user (a threat detected from an IP): tenant-wide', () => {
    assert.deepEqual(only(play([risky('t', 0, { user_email: null, category: 'other', outcome: 'failure' })])).map(view), [['vendor_risk', 'high', '*', 1, ['acme-okta#t']]]);
  });
  it('out of order within the suppression window: one alert, count 2; a redelivery changes nothing; another user is another alert', () => {
    const late = risky('late', 30);
    const early = risky('early', 0);
    const r = play([late, early, late, early, risky('other', 5, { user_email: 'zed@example.com' })]);
    assert.deepEqual(only(r).map(view), [['vendor_risk', 'high', 'erin@example.com', 1, ['acme-okta#late']], ['vendor_risk', 'high', 'zed@example.com', 1, ['acme-okta#other']]]);
    assert.deepEqual(r.updated.filter((a) => a.rule === 'vendor_risk').map((a) => [a.count, a.first_event_time]), [[2, at(0)]]);
  });
  it('per tenant: off for acme only', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { vendor_risk: { enabled: false } } } } });
    assert.equal(only(play([risky('a', 0)], settings)).length, 0);
    assert.equal(only(play([risky('b', 0, { tenant: 'globex' })], settings)).length, 1);
  });
  it('each mapped vendor\'s own high-risk verdict reaches it; a dismissed one does not', () => {
    const cases: [SourceKind, string, string, string][] = [
      ['okta', 'eventbridge-oie.json', 'e5d4c3b2-5555-11f1-9f3a-000000000063', 'frank@example.com'], // debugData risk level=HIGH
      ['okta', 'event-hook-admin.json', 'd4c3b2a1-4444-11f1-8e2f-000000000055', '*'], // ThreatInsight security.threat.detected
      ['entra', 'SignInLogs.json', 'e1a10019-0000-4000-8000-000000000019', 'erin@example.com'], // riskLevelDuringSignIn high
      ['google_workspace', 'login-variants.json', '-2000000000000000006', 'bob@example.com'], // suspicious_login
      ['google_workspace', 'login-variants.json', '-2000000000000000011', 'bob@example.com'], // account_disabled_password_leak
      ['auth0', 'log-stream-mfa.json', '90020261121360000000000000000000000000000000000000000036', 'gus@example.com'], // pwd_leak
      ['auth0', 'log-stream-mfa.json', '90020261121220000000000000000000000000000000000000000022', 'walt@example.com'], // Adaptive MFA: low confidence
      ['onelogin', 'webhook-events.json', '0e1c0000-0002-4000-8000-000000000002', 'bob@example.com'], // risk_score 72
      ['duo', 'authlogs-v2-variants.json', '4b1c7c7a-0026-4000-8000-000000000026', 'judy@example.com'], // anomalous_push
    ];
    for (const [kind, file, uid, user] of cases) {
      const e = vendorEvent(kind, file, uid);
      assert.deepEqual(only(play([e])).map((a) => [a.severity, a.user]), [['high', user]], `${kind} ${uid}`);
    }
    assert.equal(only(play([vendorEvent('entra', 'SignInLogs.json', 'e1a10020-0000-4000-8000-000000000020')])).length, 0, 'dismissed by an admin');
  });
});

describe('vendor_risk scenario', () => {
  it('the attack as the vendor sends it raises exactly the one alert expected; the near miss none', () => assertScenario(scenario));
});
