/**
 * Detector core: every rule over event sequences — late and out-of-order events, redeliveries,
 * just-below-threshold cases that must not fire — and suppression, with the exact alerts expected.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concernsTenant, concernsUser, distanceKm, emptyState, feedSilence, step, userOf, withoutMfa, type Alert, type KeyState } from '../../lambdas/core/detect/engine.ts';
import { AlertsConfig } from '../../lambdas/core/detect/settings.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { normalizerFor } from '../../lambdas/sources/index.ts';
import { ev } from '../helpers/events.ts';
import { fixture } from '../helpers/fixtures.ts';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const denial = (uid: string, minutes: number, user = 'bob@example.com') =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'mfa_verify', outcome: 'denied', factor: 'push', is_mfa: true, user_email: user });

/** Plays events through the engine the way the stream consumer does: one state per key. */
function play(events: AuthEvent[], settings = AlertsConfig.parse({})) {
  const states = new Map<string, KeyState>();
  const raised: Alert[] = [];
  const updated: Alert[] = [];
  const writes = { n: 0 };
  for (const e of events) {
    const keys: ['user' | 'tenant', string][] = [];
    if (concernsUser(e)) keys.push(['user', `${e.tenant}#${userOf(e)}`]);
    if (concernsTenant(e)) keys.push(['tenant', `${e.tenant}#*`]);
    for (const [scope, key] of keys) {
      const r = step({ event: e, settings, state: states.get(key) ?? emptyState(), scope });
      raised.push(...r.raise);
      updated.push(...r.update);
      if (r.changed) writes.n++;
      states.set(key, r.state);
    }
  }
  return { raised, updated, states, writes: writes.n };
}

describe('MFA fatigue', () => {
  it('three push denials within 10 minutes raise exactly one alert', () => {
    const { raised } = play([denial('d1', 0), denial('d2', 3), denial('d3', 6)]);
    assert.equal(raised.length, 1);
    assert.deepEqual([raised[0]!.rule, raised[0]!.severity, raised[0]!.count, raised[0]!.user], ['mfa_fatigue', 'high', 3, 'bob@example.com']);
    assert.deepEqual([raised[0]!.first_event_time, raised[0]!.last_event_time], [at(0), at(6)]);
    assert.deepEqual(raised[0]!.event_uids, ['acme-okta#d1', 'acme-okta#d2', 'acme-okta#d3']);
  });
  it('two denials (just below the threshold) raise nothing', () => {
    assert.equal(play([denial('d1', 0), denial('d2', 3)]).raised.length, 0);
  });
  it('three denials spread over more than the window raise nothing', () => {
    assert.equal(play([denial('d1', 0), denial('d2', 6), denial('d3', 12)]).raised.length, 0);
  });
  it('a late event counts in the window it belongs to, whatever the arrival order', () => {
    const { raised } = play([denial('d1', 0), denial('d3', 8), denial('d2', 4)]);
    assert.equal(raised.length, 1);
    assert.deepEqual([raised[0]!.first_event_time, raised[0]!.last_event_time, raised[0]!.count], [at(0), at(8), 3]);
  });
  it('a redelivered event never counts twice', () => {
    assert.equal(play([denial('d1', 0), denial('d1', 0), denial('d2', 1), denial('d2', 1)]).raised.length, 0);
  });
  it('unanswered pushes count like denials; an approved push does not', () => {
    const unanswered = (uid: string, m: number) => ({ ...denial(uid, m), outcome: 'failure' as const });
    assert.equal(play([unanswered('u1', 0), denial('d1', 1), unanswered('u2', 2)]).raised.length, 1);
    const approved = (uid: string, m: number) => ({ ...denial(uid, m), outcome: 'success' as const });
    assert.equal(play([approved('a1', 0), approved('a2', 1), approved('a3', 2)]).raised.length, 0);
  });
  it('users are counted apart', () => {
    assert.equal(play([denial('d1', 0, 'a@example.com'), denial('d2', 1, 'b@example.com'), denial('d3', 2, 'c@example.com')]).raised.length, 0);
  });
});

describe('suppression', () => {
  it('later matches within the suppression window update the open alert instead of paging again', () => {
    const { raised, updated } = play([0, 1, 2, 3, 4, 5].map((m) => denial(`d${m}`, m)));
    assert.equal(raised.length, 1);
    assert.deepEqual(updated.map((a) => a.count), [4, 5, 6]);
    assert.ok(updated.every((a) => a.alert_id === raised[0]!.alert_id));
    assert.equal(updated[2]!.last_event_time, at(5));
  });
  it('after the suppression window a new incident raises a new alert', () => {
    const { raised } = play([...[0, 1, 2].map((m) => denial(`a${m}`, m)), ...[120, 121, 122].map((m) => denial(`b${m}`, m))]);
    assert.equal(raised.length, 2);
    assert.notEqual(raised[0]!.alert_id, raised[1]!.alert_id);
  });
});

describe('other rules and settings', () => {
  it('brute force: 10 failures within 15 minutes alert, 9 do not', () => {
    const fail = (i: number) => ev({ event_uid: `f${i}`, event_time: at(i), category: 'login', outcome: 'failure', user_email: 'dave@example.com' });
    assert.equal(play(Array.from({ length: 9 }, (_, i) => fail(i))).raised.length, 0);
    const r = play(Array.from({ length: 10 }, (_, i) => fail(i))).raised;
    assert.deepEqual(r.map((a) => [a.rule, a.count]), [['brute_force', 10]]);
  });
  it('a bypass code used alerts at once; a failed attempt does not', () => {
    const bypass = (uid: string, outcome: 'success' | 'failure') => ev({ event_uid: uid, event_time: at(0), category: 'mfa_bypass', outcome, factor: 'bypass_code', user_email: 'carol@example.com' });
    assert.deepEqual(play([bypass('b1', 'success')]).raised.map((a) => a.rule), ['bypass_code']);
    assert.equal(play([bypass('b2', 'failure')]).raised.length, 0);
  });
  it('a push approved after denials is critical; an approval without denials is not', () => {
    const approve = (uid: string, m: number) => ({ ...denial(uid, m), outcome: 'success' as const });
    const r = play([denial('d1', 0), denial('d2', 2), approve('ok', 4)]).raised;
    assert.deepEqual(r.map((a) => [a.rule, a.severity, a.count]), [['push_approved_after_denials', 'critical', 3]]);
    assert.equal(play([approve('ok1', 0), approve('ok2', 30)]).raised.length, 0);
    assert.equal(play([denial('old', 0), approve('late-ok', 40)]).raised.length, 0, 'denials outside the window do not count');
  });
  it('factor changes: high when an admin acts for someone else, low when self-service', () => {
    const change = (uid: string, actor: string | null) => ev({ event_uid: uid, event_time: at(0), category: 'factor_reset', outcome: 'success', user_email: `${uid}@example.com`, actor_login: actor });
    assert.deepEqual(play([change('u1', 'helpdesk@example.com')]).raised.map((a) => [a.rule, a.severity]), [['factor_change', 'high']]);
    assert.deepEqual(play([change('u2', null)]).raised.map((a) => [a.rule, a.severity]), [['factor_change', 'low']]);
  });
  it('a fraud report is critical', () => {
    const r = play([ev({ event_uid: 'x', event_time: at(0), category: 'fraud_report', outcome: 'fraud', user_email: 'bob@example.com' })]).raised;
    assert.deepEqual(r.map((a) => [a.rule, a.severity]), [['fraud_report', 'critical']]);
  });
  it('per-tenant thresholds override the defaults', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { mfa_fatigue: { threshold: 5 } } } } });
    assert.equal(play([denial('d1', 0), denial('d2', 1), denial('d3', 2)], settings).raised.length, 0);
    assert.equal(play([0, 1, 2, 3, 4].map((m) => denial(`d${m}`, m)), settings).raised.length, 1);
  });
  it('settings document their defaults and name a bad field', () => {
    const d = AlertsConfig.parse({});
    assert.deepEqual([d.suppressionMinutes, d.rules.mfa_fatigue.threshold, d.rules.mfa_fatigue.windowMinutes, d.rules.brute_force.threshold], [60, 3, 10, 10]);
    const bad = AlertsConfig.safeParse({ rules: { mfa_fatigue: { threshold: 0 } } });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error!.issues[0]!.path, ['rules', 'mfa_fatigue', 'threshold']);
  });
});

const signIn = (uid: string, minutes: number, over: Partial<AuthEvent> = {}) =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'login', outcome: 'success', is_mfa: true, factor: 'push', user_email: 'erin@example.com', src_ip: '192.0.2.10', ...over });
const failed = (uid: string, minutes: number, user = 'erin@example.com') =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'login', outcome: 'failure', factor: 'password', user_email: user });
const DAY = 24 * 60;

describe('pair rules, from either end', () => {
  it('success after a run of failures: 5 failures then a success alert, with all six events', () => {
    const seq = [0, 1, 2, 3, 4].map((m) => failed(`f${m}`, m));
    const { raised } = play([...seq, signIn('ok', 6)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.count]), [['success_after_failures', 'medium', 6]]);
    assert.deepEqual(raised[0]!.event_uids, ['f0', 'f1', 'f2', 'f3', 'f4', 'ok'].map((u) => `acme-okta#${u}`));
    assert.deepEqual([raised[0]!.first_event_time, raised[0]!.last_event_time], [at(0), at(6)]);
  });
  it('success after failures: four failures (just below) or failures after the success do not fire', () => {
    assert.equal(play([...[0, 1, 2, 3].map((m) => failed(`f${m}`, m)), signIn('ok', 5)]).raised.length, 0);
    assert.equal(play([signIn('ok', 0), ...[1, 2, 3, 4, 5].map((m) => failed(`f${m}`, m))]).raised.length, 0);
  });
  it('success after failures: a late failure completing the run fires when it arrives', () => {
    const { raised } = play([...[0, 1, 2, 3].map((m) => failed(`f${m}`, m)), signIn('ok', 6), failed('late', 5)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.count, a.last_event_time]), [['success_after_failures', 6, at(6)]]);
  });
  it('push approved after denials: a late denial before the approval completes it', () => {
    const approve = signIn('approve', 5, { user_email: 'bob@example.com', category: 'mfa_verify' });
    const { raised } = play([denial('d1', 0), approve, denial('d2', 3)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.count]), [['push_approved_after_denials', 'critical', 3]]);
    assert.deepEqual(raised[0]!.event_uids, ['acme-okta#d1', 'acme-okta#d2', 'acme-okta#approve']);
  });
  it('push approved after denials: an approval by another factor does not count', () => {
    const totp = signIn('otp', 5, { user_email: 'bob@example.com', category: 'mfa_verify', factor: 'totp' });
    assert.equal(play([denial('d1', 0), denial('d2', 1), totp]).raised.length, 0);
  });
});

describe('factor change, then a sign-in from a new IP', () => {
  const change = (uid: string, minutes: number) => ev({ event_uid: uid, event_time: at(minutes), category: 'factor_enroll', outcome: 'success', factor: 'push', user_email: 'erin@example.com' });
  const known = signIn('known', -2 * DAY, { src_ip: '192.0.2.10' });
  it('fires high with the change and the sign-in as evidence', () => {
    const { raised } = play([known, change('enroll', 0), signIn('new', 20, { src_ip: '198.51.100.7' })]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity]), [['factor_change', 'low'], ['factor_change_new_ip', 'high']]);
    assert.deepEqual(raised[1]!.event_uids, ['acme-okta#enroll', 'acme-okta#new']);
    assert.match(raised[1]!.summary, /198\.51\.100\.7/);
  });
  it('fires when the factor change arrives after the sign-in (late)', () => {
    const { raised } = play([known, signIn('new', 20, { src_ip: '198.51.100.7' }), change('enroll', 0)]);
    assert.deepEqual(raised.map((a) => a.rule).sort(), ['factor_change', 'factor_change_new_ip']);
  });
  it('does not fire for a known IP, outside the window, or for a user with no history', () => {
    assert.deepEqual(play([known, change('c', 0), signIn('s', 20, { src_ip: '192.0.2.10' })]).raised.map((a) => a.rule), ['factor_change']);
    assert.deepEqual(play([known, change('c', 0), signIn('s', 61, { src_ip: '198.51.100.7' })]).raised.map((a) => a.rule), ['factor_change']);
    assert.deepEqual(play([change('c', 0), signIn('s', 5, { src_ip: '198.51.100.7' })]).raised.map((a) => a.rule), ['factor_change']);
  });
});

describe('new country', () => {
  const from = (uid: string, minutes: number, geo_country: string) => signIn(uid, minutes, { geo_country });
  it('fires medium for a country never seen, after the 14-day learning period', () => {
    const { raised } = play([from('us1', -20 * DAY, 'US'), from('us2', -1 * DAY, 'US'), from('nl', 0, 'NL')]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.count, a.event_uids[0]]), [['new_country', 'medium', 1, 'acme-okta#nl']]);
    assert.match(raised[0]!.summary, /NL/);
  });
  it('is silent while learning, for known countries, and for a redelivered event', () => {
    assert.equal(play([from('us1', -13 * DAY, 'US'), from('nl', 0, 'NL')]).raised.length, 0, 'only 13 days of history');
    assert.equal(play([from('us1', -20 * DAY, 'US'), from('nl1', -10 * DAY, 'NL'), from('nl2', 0, 'NL')]).raised.length, 0);
    assert.equal(play([from('us1', -20 * DAY, 'US'), from('nl', 0, 'NL'), from('nl', 0, 'NL')]).raised.length, 1);
  });
  it('a late sign-in from an already-alerted country raises nothing new', () => {
    assert.equal(play([from('us1', -20 * DAY, 'US'), from('nl2', 0, 'NL'), from('nl1', -60, 'NL')]).raised.length, 1);
  });
  it('learning period per tenant', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { new_country: { learningDays: 0 } } } } });
    assert.equal(play([from('us1', -1, 'US'), from('nl', 0, 'NL')], settings).raised.length, 1);
  });
});

describe('impossible travel', () => {
  const NYC = { geo_lat: 40.7128, geo_lon: -74.006, geo_country: 'US' };
  const LON = { geo_lat: 51.5074, geo_lon: -0.1278, geo_country: 'GB' };
  const BOS = { geo_lat: 42.3601, geo_lon: -71.0589, geo_country: 'US' };
  it('distance is right (New York – London ≈ 5,570 km)', () => {
    assert.ok(Math.abs(distanceKm({ lat: NYC.geo_lat, lon: NYC.geo_lon }, { lat: LON.geo_lat, lon: LON.geo_lon }) - 5570) < 15);
  });
  it('New York then London within an hour fires high with both sign-ins', () => {
    const { raised } = play([signIn('ny', 0, NYC), signIn('ldn', 60, LON)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.count]), [['impossible_travel', 'high', 2]]);
    assert.deepEqual(raised[0]!.event_uids, ['acme-okta#ny', 'acme-okta#ldn']);
    assert.match(raised[0]!.summary, /US → GB/);
  });
  it('New York then London eight hours later (a flight) and New York then Boston within an hour (under 500 km) do not fire', () => {
    assert.equal(play([signIn('ny', 0, NYC), signIn('ldn', 8 * 60, LON)]).raised.length, 0);
    assert.equal(play([signIn('ny', 0, NYC), signIn('bos', 30, BOS)]).raised.length, 0);
  });
  it('out of order: a late sign-in between two others is compared with its neighbours in time', () => {
    const { raised } = play([signIn('ny1', 0, NYC), signIn('ny2', 600, NYC), signIn('ldn', 30, LON)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.event_uids]), [['impossible_travel', ['acme-okta#ny1', 'acme-okta#ldn']]]);
  });
  it('speed is tunable per tenant', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { impossible_travel: { speedKmh: 200, minDistanceKm: 100 } } } } });
    assert.equal(play([signIn('ny', 0, NYC), signIn('bos', 30, BOS)], settings).raised.length, 1);
  });
});

describe('MFA-required apps', () => {
  const settings = AlertsConfig.parse({ tenants: { acme: { rules: { mfa_required_app: { apps: ['Payroll', '0oa-vpn'] } } } } });
  const sso = (uid: string, over: Partial<AuthEvent>) => signIn(uid, 0, { category: 'sso', factor: null, ...over });
  it('a sign-in without MFA to a listed app (by name or id, any case) fires high', () => {
    const { raised } = play([sso('a', { is_mfa: false, app_name: 'payroll' }), sso('b', { is_mfa: false, app_id: '0oa-vpn', user_email: 'zed@example.com' })], settings);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.user]), [['mfa_required_app', 'high', 'erin@example.com'], ['mfa_required_app', 'high', 'zed@example.com']]);
  });
  it('with MFA, unknown MFA, another app, or another tenant: nothing', () => {
    assert.equal(play([sso('a', { is_mfa: true, app_name: 'Payroll' }), sso('b', { is_mfa: null, app_name: 'Payroll' }), sso('c', { is_mfa: false, app_name: 'Wiki' })], settings).raised.length, 0);
    assert.equal(play([sso('d', { is_mfa: false, app_name: 'Payroll', tenant: 'globex' })], settings).raised.length, 0);
  });
  it('MFA decided at the identity provider (external_idp, is_mfa null) is not a sign-in without MFA', () => {
    assert.equal(play([sso('idp', { is_mfa: null, factor: 'external_idp', app_name: 'Payroll' })], settings).raised.length, 0);
    assert.equal(withoutMfa(ev({ event_uid: 'x', event_time: at(0), category: 'login', is_mfa: null, factor: 'external_idp' })), false);
    assert.equal(withoutMfa(ev({ event_uid: 'y', event_time: at(0), category: 'mfa_verify', is_mfa: false })), false);
  });
  it('AWS console: a SAML or Identity Center sign-in (MFAUsed "No": AWS did not prompt) raises nothing; an IAM user without MFA does', () => {
    const aws = AlertsConfig.parse({ tenants: { acme: { rules: { mfa_required_app: { apps: ['AWS Management Console'] } } } } });
    const n = normalizerFor('aws_signin')!;
    const events = n.unwrap(fixture('aws_signin/console-federated.json')).map((i) => n.normalize(i))
      .flatMap((r) => (r.kind === 'event' && r.event.category === 'login' ? [{ ...r.event, tenant: 'acme', source_id: 'acme-aws', source: 'aws_signin' as const, ingest_time: at(600) }] : []));
    const federated = events.filter((e) => e.factor === 'external_idp');
    assert.equal(federated.length, 5);
    assert.equal(play(federated, aws).raised.length, 0, 'federated console sign-ins are not sign-ins without MFA');
    assert.deepEqual(play(events, aws).raised.map((a) => [a.rule, a.user]), [['mfa_required_app', 'deploy-bot']]);
  });
});

describe('lockout bursts across a tenant', () => {
  const lock = (uid: string, minutes: number, user: string, tenant = 'acme') =>
    ev({ event_uid: uid, event_time: at(minutes), category: 'lockout', outcome: 'success', user_email: user, tenant });
  it('five distinct users locked within 15 minutes fire one tenant-wide alert', () => {
    const { raised, updated } = play([0, 2, 4, 6, 8, 10].map((m, i) => lock(`l${i}`, m, `u${i}@example.com`)));
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.user, a.count]), [['lockout_burst', 'high', '*', 5]]);
    assert.deepEqual(updated.map((a) => a.count), [6]);
  });
  it('the same user locked five times, four users, or five users across two tenants do not fire', () => {
    assert.equal(play([0, 1, 2, 3, 4].map((m) => lock(`s${m}`, m, 'same@example.com'))).raised.length, 0);
    assert.equal(play([0, 1, 2, 3].map((m) => lock(`f${m}`, m, `u${m}@example.com`))).raised.length, 0);
    assert.equal(play([0, 1, 2, 3, 4].map((m) => lock(`t${m}`, m, `u${m}@example.com`, m % 2 ? 'globex' : 'acme'))).raised.length, 0);
  });
  it('late lockouts count in their window', () => {
    const { raised } = play([lock('a', 0, 'a@example.com'), lock('e', 14, 'e@example.com'), lock('c', 7, 'c@example.com'), lock('b', 3, 'b@example.com'), lock('d', 10, 'd@example.com')]);
    assert.deepEqual(raised.map((a) => [a.rule, a.first_event_time, a.last_event_time]), [['lockout_burst', at(0), at(14)]]);
  });
});

describe('feed silence', () => {
  const base = { tenant: 'acme', sourceId: 'acme-okta', gapMinutes: 60, lastIngest: T0, lastEventTime: T0 - 30_000, lastUid: 'acme-okta#x' };
  it('nothing until the gap has passed, then one alert whose id is stable for the silence', () => {
    assert.equal(feedSilence({ ...base, now: T0 + 60 * 60_000 }), null);
    const a = feedSilence({ ...base, now: T0 + 75 * 60_000 })!;
    assert.deepEqual([a.rule, a.severity, a.user, a.count, a.event_uids], ['feed_silence', 'medium', '*', 1, ['acme-okta#x']]);
    assert.match(a.summary, /acme-okta delivered no events for 75 min \(expected gap 60 min\)/);
    assert.equal(feedSilence({ ...base, now: T0 + 200 * 60_000 })!.alert_id, a.alert_id);
    assert.notEqual(feedSilence({ ...base, lastIngest: T0 + 1, now: T0 + 200 * 60_000 })!.alert_id, a.alert_id);
  });
});

describe('every rule: a redelivered event raises nothing new', () => {
  const settings = AlertsConfig.parse({ rules: { mfa_required_app: { apps: ['Payroll'] }, new_country: { learningDays: 0 } } });
  const cases: [string, AuthEvent[]][] = [
    ['bypass_code', [ev({ event_uid: 'b', event_time: at(0), category: 'mfa_bypass', outcome: 'success', user_email: 'x@example.com' })]],
    ['fraud_report', [ev({ event_uid: 'f', event_time: at(0), category: 'fraud_report', outcome: 'fraud', user_email: 'x@example.com' })]],
    ['factor_change', [ev({ event_uid: 'c', event_time: at(0), category: 'factor_remove', outcome: 'success', user_email: 'x@example.com' })]],
    ['mfa_required_app', [signIn('m', 0, { category: 'sso', is_mfa: false, app_name: 'Payroll' })]],
    ['new_country', [signIn('us', -10, { geo_country: 'US' }), signIn('nl', 0, { geo_country: 'NL' })]],
    ['impossible_travel', [signIn('ny', 0, { geo_lat: 40.7, geo_lon: -74 }), signIn('tyo', 30, { geo_lat: 35.7, geo_lon: 139.7 })]],
    ['brute_force', Array.from({ length: 10 }, (_, i) => failed(`bf${i}`, i))],
  ];
  for (const [rule, seq] of cases) {
    it(rule, () => {
      const once = play(seq, settings);
      assert.deepEqual(once.raised.map((a) => a.rule), [rule]);
      const twice = play([...seq, ...seq], settings);
      assert.deepEqual(twice.raised.map((a) => a.rule), [rule], 'no second alert');
      assert.deepEqual(twice.updated, [], 'no count change either');
    });
  }
  it('brute force counts late and out-of-order failures where they belong', () => {
    const order = [9, 0, 5, 1, 8, 2, 7, 3, 6, 4];
    const { raised } = play(order.map((i) => failed(`bf${i}`, i)));
    assert.deepEqual(raised.map((a) => [a.rule, a.count, a.first_event_time, a.last_event_time]), [['brute_force', 10, at(0), at(9)]]);
  });
});

describe('state', () => {
  it('a long push-bombing (2,000 prompts over 100 minutes) is one alert counting them all, with bounded state', () => {
    const bombs = Array.from({ length: 2000 }, (_, i) => ev({ event_uid: `b${i}`, event_time: new Date(T0 + i * 3_000).toISOString(), category: 'mfa_verify', outcome: 'denied', factor: 'push', is_mfa: true, user_email: 'bob@example.com' }));
    const { raised, updated, states } = play(bombs);
    assert.deepEqual(raised.map((a) => [a.rule, a.count]), [['mfa_fatigue', 3]]);
    const last = updated.at(-1)!;
    assert.equal(last.count, 2000);
    assert.equal(last.event_uids.length, 100, 'the evidence list is capped');
    const s = states.get('acme#bob@example.com')!;
    assert.ok(s.occ.push_denial!.length <= 500, `${s.occ.push_denial!.length} occurrences kept`);
    assert.ok(Buffer.byteLength(JSON.stringify(s)) < 100_000, 'far below the 400 KB item limit');
    // Replaying the last event (a retried batch) counts nothing.
    assert.equal(play([...bombs.slice(-5), bombs.at(-1)!]).updated.length, 2);
  });
  it('routine sign-ins from a known IP, country and place cost no state write; new ones do', () => {
    const NYC = { geo_country: 'US', geo_lat: 40.7128, geo_lon: -74.006 };
    const r = play([signIn('a', 0, NYC), signIn('b', 20, NYC), signIn('c', 50, NYC)]);
    assert.equal(r.writes, 1, 'only the first sign-in builds the profile');
    assert.equal(play([signIn('a', 0, NYC), signIn('b', 20, { ...NYC, src_ip: '198.51.100.1' })]).writes, 2, 'a new IP is remembered');
    assert.equal(play([signIn('a', 0, NYC), signIn('b', 90, NYC)]).writes, 2, 'a place more than an hour later is kept');
    assert.equal(play([failed('f', 0), signIn('b', 5)]).writes, 2, 'a success after a failure is kept for late evidence');
    assert.equal(play([ev({ event_uid: 'lo', event_time: at(0), category: 'logout', outcome: 'success', user_email: 'erin@example.com' })]).writes, 0);
    const again = play([signIn('a', 0, { geo_country: 'US' }), signIn('a', 0, { geo_country: 'US' })]);
    assert.equal(again.writes, 1, 'a replayed event changes nothing');
  });
  it('evidence older than twice the longest window is pruned; the profile stays', () => {
    const r = play([failed('old', 0), failed('new', 3 * 60)]);
    const s = r.states.get('acme#erin@example.com')!;
    assert.deepEqual(s.occ.failure!.map((o) => o.uid), ['acme-okta#new']);
  });
  it('unknown rule names and bad fields in tenant overrides are rejected with their path', () => {
    const bad = AlertsConfig.safeParse({ tenants: { acme: { rules: { mfa_fatigeu: { threshold: 2 } } } } });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error!.issues[0]!.path.slice(0, 3), ['tenants', 'acme', 'rules']);
    const d = AlertsConfig.parse({ rules: { impossible_travel: { speedKmh: 800 } } });
    assert.deepEqual([d.rules.impossible_travel.speedKmh, d.rules.impossible_travel.minDistanceKm, d.rules.new_country.learningDays, d.profileDays], [800, 500, 14, 90]);
  });
});
