/** `anonymizer_sign_in`: its alerts over event sequences, with the exact alerts expected, and each mapped vendor's flag reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertScenario, at, play, signIn, vendorEvent, view } from '../../../../../test/helpers/detect.ts';
import { fixture } from '../../../../../test/helpers/fixtures.ts';
import scenario from './scenario.ts';
import type { AuthEvent } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';
import { concernsTenant, concernsUser } from '../../engine.ts';

const viaTor = (uid: string, minutes: number, over: Partial<AuthEvent> = {}) => signIn(uid, minutes, { anonymizer: true, src_ip: '203.0.113.99', ...over });
const only = <A extends { rule: string }>(l: A[]) => l.filter((a) => a.rule === 'anonymizer_sign_in');
const H = 60;

describe('anonymizer sign-in', () => {
  it('a successful sign-in through an anonymizer: one medium alert, the user\'s', () => {
    const { raised } = play([viaTor('a1', 0)]);
    assert.deepEqual(only(raised).map(view), [['anonymizer_sign_in', 'medium', 'erin@example.com', 1, ['acme-okta#a1']]]);
    assert.match(only(raised)[0]!.summary, /203\.0\.113\.99/);
  });
  it('first per user per 6 h: later ones within 6 h of the first count in it (past the 60-min suppression), one after 6 h alerts again', () => {
    const { raised, updated } = play([viaTor('a', 0), viaTor('b', 2 * H), viaTor('c', 5 * H), viaTor('d', 6 * H + 1)]);
    assert.deepEqual(only(raised).map(view), [['anonymizer_sign_in', 'medium', 'erin@example.com', 1, ['acme-okta#a']], ['anonymizer_sign_in', 'medium', 'erin@example.com', 1, ['acme-okta#d']]]);
    assert.deepEqual(only(updated).map((a) => a.count), [2, 3]);
  });
  it('a failed sign-in, an unflagged or unknown one: nothing, and no read or write', () => {
    const quiet = [viaTor('f', 0, { outcome: 'failure' }), signIn('n', 1, { anonymizer: false }), signIn('u', 2, { anonymizer: null }), viaTor('c', 3, { category: 'mfa_challenge', outcome: 'challenge' })];
    assert.equal(quiet.some((e) => concernsTenant(e)), false);
    const r = play(quiet);
    assert.equal(only(r.raised).length, 0);
    assert.equal(concernsUser(viaTor('g', 0)), true);
  });
  it('out of order: an earlier sign-in arriving late joins the alert (within the suppression window before it); a redelivery changes nothing; another user is another alert', () => {
    const late = viaTor('late', 3 * H);
    const early = viaTor('early', 3 * H - 30);
    const { raised, updated } = play([late, early, late, early, viaTor('z', 0, { user_email: 'zed@example.com' })]);
    assert.deepEqual(only(raised).map((a) => [a.user, a.event_uids]), [['erin@example.com', ['acme-okta#late']], ['zed@example.com', ['acme-okta#z']]]);
    assert.deepEqual(only(updated).map((a) => [a.count, a.first_event_time]), [[2, at(3 * H - 30)]]);
  });
  it('a sign-in from hours before the alerted one, arriving late, was the first of its own window: it alerts', () => {
    const { raised } = play([viaTor('late', 3 * H), viaTor('earliest', 0)]);
    assert.deepEqual(only(raised).map((a) => a.event_uids), [['acme-okta#late'], ['acme-okta#earliest']]);
  });
  it('per tenant: a shorter window, or off', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { anonymizer_sign_in: { windowMinutes: 60 } } }, globex: { rules: { anonymizer_sign_in: { enabled: false } } } } });
    assert.equal(only(play([viaTor('a', 0), viaTor('b', 2 * H)], settings).raised).length, 2);
    assert.equal(only(play([viaTor('a', 0), viaTor('b', 2 * H)]).raised).length, 1);
    assert.equal(only(play([viaTor('c', 0, { tenant: 'globex' })], settings).raised).length, 0);
  });
  it('each mapped vendor\'s anonymizer flag on a successful sign-in reaches it', () => {
    const e = vendorEvent('entra', 'SignInLogs.json', 'e1a10019-0000-4000-8000-000000000019'); // ID Protection anonymizedIPAddress
    assert.deepEqual(only(play([e]).raised).map((a) => [a.severity, a.user, a.event_uids]), [['medium', 'erin@example.com', [`acme-entra#${e.event_uid}`]]]);
    // Okta's securityContext.isProxy on a successful sign-in (the fixture's own flagged sign-in failed: a failed one is not this rule's).
    const okta = vendorEvent('okta', 'eventbridge-oie.json', 'e5d4c3b2-5555-11f1-9f3a-000000000063');
    assert.equal(okta.anonymizer, true);
    assert.equal(only(play([okta]).raised).length, okta.outcome === 'success' ? 1 : 0);
    const ok = { ...okta, event_uid: 'proxy-ok', outcome: 'success' as const };
    assert.deepEqual(only(play([ok]).raised).map((a) => [a.severity, a.user]), [['medium', 'frank@example.com']]);
  });
});

describe('anonymizer_sign_in scenario', () => {
  it('the attack as the vendor sends it raises exactly the one alert expected; the near miss none', () => assertScenario(scenario));
});
