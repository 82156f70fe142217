/** `password_spray`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, play, signIn, vendorEvents, playScenario } from '../../../../../test/helpers/detect.ts';
import scenario from './scenario.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import { AlertsConfig } from '../../settings.ts';
import { isSignInFailure } from '../kit.ts';
import type { AuthEvent, SourceKind } from '../../../event.ts';

const IP = '203.0.113.9';
const fail = (uid: string, minutes: number, user: string, over: Partial<AuthEvent> = {}) =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'login', outcome: 'failure', factor: 'password', user_email: user, src_ip: IP, ...over });
const u = (i: number) => `u${i}@example.com`;
/** `users` users, `each` failures apiece, one a minute, user after user. */
const spray = (users: number, each: number, from = 0, over: Partial<AuthEvent> = {}) =>
  Array.from({ length: users * each }, (_, k) => fail(`f${from + k}`, from + k, u(Math.floor(k / each)), over));

describe('password spraying from one IP', () => {
  it('ten users failing twice each within the hour: one high alert for the IP, raised at the tenth user', () => {
    const { raised, updated } = play(spray(10, 2));
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.user, a.count, a.first_event_time, a.last_event_time]),
      [['password_spray', 'high', `ip:${IP}`, 19, at(0), at(18)]]);
    assert.deepEqual(raised[0]!.event_uids, Array.from({ length: 19 }, (_, k) => `acme-okta#f${k}`));
    assert.deepEqual(updated.map((a) => [a.count, a.last_event_time]), [[20, at(19)]]);
  });
  it('credential stuffing (fifteen users, one failure each) fires; fourteen do not', () => {
    assert.deepEqual(play(spray(15, 1)).raised.map((a) => [a.rule, a.user, a.count]), [['password_spray', `ip:${IP}`, 15]]);
    assert.equal(play(spray(14, 1)).raised.length, 0);
  });
  it('just below: nine users failing three times each, or ten users spread over two hours, stay silent', () => {
    assert.equal(play(spray(9, 3)).raised.length, 0);
    const slow = Array.from({ length: 20 }, (_, k) => fail(`s${k}`, k * 7, u(k % 10)));
    assert.equal(play(slow).raised.length, 0);
  });
  it('failures from several IPs, of several tenants, or of second factors do not add up', () => {
    assert.equal(play(spray(10, 2).map((e, k) => ({ ...e, src_ip: k % 2 ? IP : '198.51.100.7' }))).raised.length, 0);
    assert.equal(play(spray(10, 2).map((e, k) => ({ ...e, tenant: k % 2 ? 'acme' : 'globex' }))).raised.length, 0);
    assert.equal(play(spray(10, 2, 0, { category: 'mfa_verify', factor: 'totp' })).raised.length, 0);
  });
  it('at most maxPerUser failures of one user count (more is brute force on one account); per-tenant overrides apply', () => {
    // One user failing ten times and nine once: 10 users, 19 failures, 8 + 9 = 17 counted.
    const seq = [...Array.from({ length: 10 }, (_, k) => fail(`h${k}`, k, u(0))), ...Array.from({ length: 9 }, (_, k) => fail(`o${k}`, 10 + k, u(k + 1)))];
    assert.deepEqual(play(seq).raised.map((a) => [a.rule, a.user, a.count]), [['brute_force', u(0), 10], ['password_spray', `ip:${IP}`, 19]]);
    const strict = AlertsConfig.parse({ tenants: { acme: { rules: { password_spray: { maxPerUser: 2 } } } } });
    assert.deepEqual(play(seq, strict).raised.map((a) => a.rule), ['brute_force'], '2 + 9 = 11 counted: below 15');
    const small = AlertsConfig.parse({ tenants: { acme: { rules: { password_spray: { threshold: 3, minFailures: 3 } } } } });
    assert.deepEqual(play(spray(3, 1), small).raised.map((a) => [a.rule, a.count]), [['password_spray', 3]]);
    assert.equal(play(spray(3, 1), AlertsConfig.parse({ tenants: { acme: { rules: { password_spray: { threshold: 3, minFailures: 3, enabled: false } } } } })).raised.length, 0);
  });
  it('late and out-of-order failures count in their window: the same one alert', () => {
    const { raised, updated } = play(spray(10, 2).reverse());
    assert.deepEqual(raised.map((a) => [a.rule, a.count]), [['password_spray', 19]]);
    assert.deepEqual(updated.map((a) => [a.count, a.first_event_time, a.last_event_time]), [[20, at(0), at(19)]]);
  });
  it('a redelivered batch raises nothing new and counts nothing twice', () => {
    const seq = [...spray(10, 2), signIn('ok', 25, { user_email: u(3), src_ip: IP })];
    const once = play(seq);
    const twice = play([...seq, ...seq]);
    assert.deepEqual(twice.raised, once.raised);
    assert.deepEqual(twice.updated, once.updated);
  });
  it('critical when a sprayed user then signs in from that IP within the window (the same alert, published again)', () => {
    const { raised } = play([...spray(10, 2), signIn('ok', 25, { user_email: u(3), src_ip: IP })]);
    assert.deepEqual(raised.map((a) => [a.severity, a.count]), [['high', 19], ['critical', 21]]);
    assert.equal(raised[1]!.alert_id, raised[0]!.alert_id);
    assert.ok(raised[1]!.event_uids.includes('acme-okta#ok'));
    assert.match(raised[1]!.summary, /1 of them then signed in from it/);
    // A success that completes a spray still under way escalates as the spray is found.
    const early = play([...spray(10, 2).slice(0, 12), signIn('ok2', 12, { user_email: u(3), src_ip: IP }), ...spray(10, 2).slice(12)]);
    assert.deepEqual(early.raised.map((a) => a.severity), ['critical']);
  });
  it('no escalation for a success from another IP, by a user who never failed, or after the window', () => {
    for (const s of [signIn('a', 25, { user_email: u(3), src_ip: '198.51.100.7' }), signIn('b', 25, { user_email: 'zed@example.com', src_ip: IP }), signIn('c', 80, { user_email: u(3), src_ip: IP })]) {
      assert.deepEqual(play([...spray(10, 2), s]).raised.map((a) => a.severity), ['high'], s.event_uid);
    }
  });
  it('routine traffic costs the IP no write: a user\'s own typo, then their sign-in', () => {
    const r = play([fail('t', 0, 'erin@example.com'), signIn('ok', 1, { src_ip: IP })]);
    assert.equal(r.states.get(`acme#ip:${IP}`)!.occ.success, undefined, 'the success is not kept on the IP');
    assert.equal(play([signIn('a', 0, { src_ip: IP }), signIn('b', 5, { src_ip: IP, user_email: u(1) })]).states.has(`acme#ip:${IP}`), true);
    assert.equal(play([signIn('a', 0, { src_ip: IP }), signIn('b', 5, { src_ip: IP, user_email: u(1) })]).writes, 2, 'one profile write per user, none for the IP');
  });
  it('a spray of 3,000 users is one alert counting them all, with the IP\'s state bounded', () => {
    const seq = Array.from({ length: 3000 }, (_, k) => ev({ event_uid: `m${k}`, event_time: new Date(Date.parse(at(0)) + k * 1000).toISOString(), category: 'login', outcome: 'failure', factor: 'password', user_email: u(k), src_ip: IP }));
    const { raised, updated, states } = play(seq);
    assert.deepEqual(raised.map((a) => a.count), [15]);
    assert.equal(updated.at(-1)!.count, 3000);
    const s = states.get(`acme#ip:${IP}`)!;
    assert.ok(s.occ.failure!.length <= 500);
    assert.ok(Buffer.byteLength(JSON.stringify(s)) < 100_000);
  });
  // Every vendor whose mapping gives failed sign-ins with a source IP: its event, as normalized, reaches the rule.
  const KINDS: SourceKind[] = ['okta', 'duo', 'entra', 'auth0', 'onelogin', 'jumpcloud', 'aws_signin'];
  for (const kind of KINDS) {
    it(`${kind}: its failed sign-in, from its fixtures through the real normalizer, counts toward a spray`, () => {
      const base = vendorEvents(kind, (e) => isSignInFailure(e) && !!e.src_ip && !!(e.user_email ?? e.user_login ?? e.user_id))[0];
      assert.ok(base, `${kind} fixtures hold a failed sign-in with an IP`);
      const seq = Array.from({ length: 15 }, (_, k) => ({ ...base, event_uid: `${base.event_uid}-${k}`, event_time: at(k), user_email: u(k), user_login: u(k), user_id: `id${k}` }));
      // (The vendor's own verdict on such a sign-in may raise vendor_risk beside it: not this rule's business.)
      assert.deepEqual(play(seq).raised.filter((a) => a.rule === 'password_spray').map((a) => [a.rule, a.severity, a.user]), [['password_spray', 'high', `ip:${base.src_ip!.toLowerCase()}`]]);
    });
  }
  it('its scenario, as the vendor sends it through the real normalizer: the attack raises exactly its alert, the near miss none', () => {
    assert.deepEqual(playScenario(scenario, 'attack').map((a) => [a.rule, a.user, a.severity]), [[scenario.rule, scenario.expect.user, scenario.expect.severity]]);
    assert.deepEqual(playScenario(scenario, 'nearMiss'), []);
  });
});
