/** `session_anomaly`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { play, signIn, vendorEvents, playScenario } from '../../../../../test/helpers/detect.ts';
import scenario from './scenario.ts';
import { AlertsConfig } from '../../settings.ts';
import { userOf } from '../kit.ts';
import type { AuthEvent, SourceKind } from '../../../event.ts';
import { networkOf } from './index.ts';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const CURL = 'curl/8.5.0';
/** A sign-in in session `s1` from the office (198.51.100.10) with Chrome, unless told otherwise. */
const use = (uid: string, minutes: number, over: Partial<AuthEvent> = {}) =>
  signIn(uid, minutes, { session_id: 's1', src_ip: '198.51.100.10', user_agent: CHROME, ...over });
const rows = (r: { raised: { rule: string; severity: string; user: string; count: number; event_uids: string[] }[] }) =>
  r.raised.map((a) => [a.rule, a.severity, a.user, a.count, a.event_uids]);

describe('one vendor session used from two networks or two browsers', () => {
  it('another network within the hour: one medium alert for the session\'s user', () => {
    assert.deepEqual(rows(play([use('a', 0), use('b', 30, { src_ip: '203.0.113.50' })])),
      [['session_anomaly', 'medium', 'erin@example.com', 2, ['acme-okta#a', 'acme-okta#b']]]);
  });
  it('another network and another user agent: high', () => {
    assert.deepEqual(play([use('a', 0), use('b', 30, { src_ip: '203.0.113.50', user_agent: CURL })]).raised.map((a) => [a.rule, a.severity]), [['session_anomaly', 'high']]);
  });
  it('a changed user agent alone: medium; not with userAgent off for the tenant', () => {
    assert.deepEqual(play([use('a', 0), use('b', 10, { user_agent: CURL })]).raised.map((a) => [a.rule, a.severity]), [['session_anomaly', 'medium']]);
    const off = AlertsConfig.parse({ tenants: { acme: { rules: { session_anomaly: { userAgent: false } } } } });
    assert.equal(play([use('a', 0), use('b', 10, { user_agent: CURL })], off).raised.length, 0);
    const disabled = AlertsConfig.parse({ tenants: { acme: { rules: { session_anomaly: { enabled: false } } } } });
    assert.equal(play([use('a', 0), use('b', 10, { src_ip: '203.0.113.50' })], disabled).raised.length, 0);
  });
  it('silent: the same /24 or /48, IPv4 against IPv6 (dual stack), two sessions, missing values, another user', () => {
    const quiet: AuthEvent[][] = [
      [use('a', 0), use('b', 10, { src_ip: '198.51.100.200' })],
      [use('a', 0, { src_ip: '2001:db8:abcd:1::10' }), use('b', 10, { src_ip: '2001:db8:abcd:ff::2' })],
      [use('a', 0), use('b', 10, { src_ip: '2001:db8:abcd:1::10' })],
      [use('a', 0), use('b', 10, { src_ip: '203.0.113.50', session_id: 's2' })],
      [use('a', 0), use('b', 10, { src_ip: null }), use('c', 20, { user_agent: null })],
      [use('a', 0), use('b', 10, { src_ip: '203.0.113.50', user_email: 'zed@example.com' })],
    ];
    for (const seq of quiet) assert.equal(play(seq).raised.length, 0, seq.map((e) => `${e.src_ip} ${e.session_id}`).join(' → '));
    assert.deepEqual(play([use('a', 0, { src_ip: '2001:db8:abcd:1::10' }), use('b', 10, { src_ip: '2001:db8:beef::1' })]).raised.map((a) => a.rule), ['session_anomaly']);
  });
  it('an admin acting on the user (actor set) is the admin\'s session, not the user\'s', () => {
    assert.equal(play([use('a', 0), use('b', 10, { src_ip: '203.0.113.50', actor_login: 'helpdesk@example.com' })]).raised.length, 0);
    const admin = vendorEvents('okta', (e) => e.session_id === '102sessAdmin0009');
    assert.ok(admin.length >= 5 && new Set(admin.map((e) => e.src_ip)).size >= 2, 'one admin session, several IPs, several affected users');
    assert.deepEqual(play(admin).raised.filter((a) => a.rule === 'session_anomaly'), []);
  });
  it('outside the window: a use three hours after the session\'s last use elsewhere is silent', () => {
    assert.equal(play([use('a', 0), use('b', 180, { src_ip: '203.0.113.50' })]).raised.length, 0);
    const short = AlertsConfig.parse({ tenants: { acme: { rules: { session_anomaly: { windowMinutes: 10 } } } } });
    assert.equal(play([use('a', 0), use('b', 30, { src_ip: '203.0.113.50' })], short).raised.length, 0);
  });
  it('one alert per session: a third network adds nothing; a later user agent change escalates it to high', () => {
    const r = play([use('a', 0), use('b', 10, { src_ip: '203.0.113.50' }), use('c', 20, { src_ip: '192.0.2.7' }), use('d', 30, { src_ip: '192.0.2.7', user_agent: CURL })]);
    assert.deepEqual(r.raised.map((a) => [a.severity, a.count]), [['medium', 2], ['high', 3]]);
    assert.equal(r.raised[1]!.alert_id, r.raised[0]!.alert_id);
  });
  it('late and out-of-order uses: the same alert', () => {
    assert.deepEqual(rows(play([use('b', 30, { src_ip: '203.0.113.50' }), use('a', 0)])),
      [['session_anomaly', 'medium', 'erin@example.com', 2, ['acme-okta#a', 'acme-okta#b']]]);
  });
  it('a redelivered batch raises nothing new', () => {
    const seq = [use('a', 0), use('b', 30, { src_ip: '203.0.113.50' })];
    const twice = play([...seq, ...seq]);
    assert.deepEqual(twice.raised.map((a) => a.rule), ['session_anomaly']);
    assert.deepEqual(twice.updated, []);
  });
  it('a routine session costs one state write when first seen, then at most one per window of use', () => {
    assert.equal(play(Array.from({ length: 10 }, (_, k) => use(`r${k}`, k * 5))).writes, 1, 'ten uses within the hour: the first only');
    assert.equal(play(Array.from({ length: 10 }, (_, k) => use(`r${k}`, k * 20))).writes, 4, 'three hours of use: the first, then at 60, 120 and 180 min');
    const s = play([use('a', 0), use('b', 10)]).states.get('acme#erin@example.com')!;
    assert.deepEqual(Object.keys(s.sessions!), ['acme-okta#s1']);
    assert.equal(s.sessions!['acme-okta#s1']!.c.length, 1, 'one context, recorded once');
  });
  it('keeps the 32 most recently used sessions of a user, and drops idle ones', () => {
    const many = play(Array.from({ length: 100 }, (_, k) => use(`m${k}`, k / 10, { session_id: `s${k}` })));
    assert.equal(Object.keys(many.states.get('acme#erin@example.com')!.sessions!).length, 32);
    const idle = play([use('a', 0), use('b', 600, { session_id: 's2' })]);
    assert.deepEqual(Object.keys(idle.states.get('acme#erin@example.com')!.sessions!), ['acme-okta#s2']);
  });
  it('networks: IPv4 /24, IPv6 /48, IPv4-mapped IPv6 as IPv4, anything else none', () => {
    assert.deepEqual(['198.51.100.23', '::ffff:198.51.100.23', '2001:db8:abcd:12::1', '2001:DB8::20', '2001:0db8:0000:0001:0:0:0:1', 'unknown', null].map(networkOf),
      ['198.51.100.0/24', '198.51.100.0/24', '2001:db8:abcd::/48', '2001:db8:0::/48', '2001:db8:0::/48', null, null]);
  });
  // Every vendor whose mapping gives a session id: its event, as normalized, reaches the rule.
  const KINDS: SourceKind[] = ['okta', 'entra', 'auth0', 'keycloak', 'aws_signin'];
  for (const kind of KINDS) {
    it(`${kind}: its session event, from its fixtures through the real normalizer, then the same session from another network`, () => {
      const base = vendorEvents(kind, (e) => !!e.session_id && !!networkOf(e.src_ip) && !!userOf(e))[0];
      assert.ok(base, `${kind} fixtures hold an event with a session id and an IP`);
      const t = Date.parse(base.event_time);
      const moved = { ...base, event_uid: `${base.event_uid}-moved`, event_time: new Date(t + 20 * 60_000).toISOString(), src_ip: base.src_ip!.includes(':') ? '2001:db8:ffff::9' : '192.0.2.250' };
      assert.deepEqual(play([base, moved]).raised.map((a) => [a.rule, a.severity, a.user]), [['session_anomaly', 'medium', userOf(base)]]);
    });
  }
  it('its scenario, as the vendor sends it through the real normalizer: the attack raises exactly its alert, the near miss none', () => {
    assert.deepEqual(playScenario(scenario, 'attack').map((a) => [a.rule, a.user, a.severity]), [[scenario.rule, scenario.expect.user, scenario.expect.severity]]);
    assert.deepEqual(playScenario(scenario, 'nearMiss'), []);
  });
});
