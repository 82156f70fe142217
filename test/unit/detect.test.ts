/**
 * Detector engine: suppression, settings, redeliveries across every rule, and the bounding of
 * state. Each rule's own sequences are in its folder (lambdas/core/detect/rules/<rule>/<rule>.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertsConfig } from '../../lambdas/core/detect/settings.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { ev } from '../helpers/events.ts';
import { at, denial, failed, play, signIn, T0 } from '../helpers/detect.ts';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { emptyState, keyOf, stateKeys, step, type Alert, type KeyState } from '../../lambdas/core/detect/engine.ts';
import { dynamoDetectState, type StoredState } from '../../lambdas/adapters/detect-state.ts';
import { detectEvents } from '../../lambdas/adapters/detect-events.ts';

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

describe('settings', () => {
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

describe('state keys', () => {
  const fail = (uid: string, minutes: number, user: string, ip: string | null = '203.0.113.9') =>
    ev({ event_uid: uid, event_time: at(minutes), category: 'login', outcome: 'failure', factor: 'password', user_email: user, src_ip: ip });
  it('each scope with a rule the event concerns, keyed as stored: the user, `*`, `ip:<addr>`', () => {
    assert.deepEqual(stateKeys(fail('f', 0, 'Erin@Example.com')), [{ scope: 'user', key: 'erin@example.com' }, { scope: 'ip', key: 'ip:203.0.113.9' }]);
    assert.deepEqual(stateKeys(fail('f', 0, 'erin@example.com', '2001:DB8::1')).map((k) => k.key), ['erin@example.com', 'ip:2001:db8::1']);
    assert.deepEqual(stateKeys(fail('f', 0, 'erin@example.com', null)), [{ scope: 'user', key: 'erin@example.com' }], 'no IP, no IP key');
    const lock = ev({ event_uid: 'l', event_time: at(0), category: 'lockout', outcome: 'success', user_email: 'erin@example.com' });
    assert.deepEqual(stateKeys(lock), [{ scope: 'tenant', key: '*' }]);
    assert.deepEqual(stateKeys({ ...fail('f', 0, 'x'), user_email: null }), [], 'an event without a user: no key (no rule takes one)');
    assert.deepEqual(stateKeys(ev({ event_uid: 'lo', event_time: at(0), category: 'logout', outcome: 'success', user_email: 'erin@example.com' })), []);
    assert.equal(keyOf('tenant', lock), '*');
  });
  it('the stream consumer reads and writes exactly the keys the test kit plays, in the stored format', async () => {
    const seq = [...Array.from({ length: 15 }, (_, k) => fail(`f${k}`, k, `u${k}@example.com`)), ...[0, 1, 2, 3, 4].map((m) => ev({ event_uid: `l${m}`, event_time: at(m), category: 'lockout', outcome: 'success', user_email: `u${m}@example.com` }))];
    const store = new Map<string, StoredState>();
    const published: Alert[] = [];
    const deps = {
      settings: AlertsConfig.parse({}),
      state: {
        async get(tenant: string, key: string) { return structuredClone(store.get(`${tenant}#${key}`) ?? { state: emptyState(), version: 0 }); },
        async put(tenant: string, key: string, s: StoredState) { store.set(`${tenant}#${key}`, { state: s.state, version: s.version + 1 }); },
      },
      feeds: { touch: async () => undefined },
      sink: { publish: async (a: readonly Alert[]) => { published.push(...a); } },
      store: { store: async () => 1 },
    };
    await detectEvents(seq, deps);
    const played = play(seq);
    assert.deepEqual([...store.keys()].sort(), [...played.states.keys()].sort());
    assert.ok(store.has('acme#ip:203.0.113.9') && store.has('acme#*') && store.has('acme#u0@example.com'));
    assert.deepEqual(published.map((a) => [a.rule, a.user]).sort(), [['lockout_burst', '*'], ['password_spray', 'ip:203.0.113.9']]);
    assert.deepEqual(store.get('acme#ip:203.0.113.9')!.state, played.states.get('acme#ip:203.0.113.9'));
  });
  it('a step that only prunes stale evidence writes nothing; the next change drops it', () => {
    const settings = AlertsConfig.parse({});
    const stale: KeyState = { occ: { failure: [{ uid: 'acme-okta#old', time: T0, user: 'a@example.com' }] }, open: {} };
    const ok = signIn('ok', 6 * 60, { src_ip: '203.0.113.9' });
    const r = step({ event: ok, settings, state: stale, scope: 'ip' });
    assert.equal(r.changed, false);
    const next = step({ event: fail('new', 6 * 60, 'b@example.com'), settings, state: stale, scope: 'ip' });
    assert.equal(next.changed, true);
    assert.deepEqual(next.state.occ.failure!.map((o) => o.uid), ['acme-okta#new']);
  });
  it('the state table item keeps a user\'s sessions, and reads them back', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
    const mock = mockClient(doc);
    const state: KeyState = { occ: {}, open: {}, sessions: { 'acme-okta#s1': { c: [{ n: '198.51.100.0/24', a: 'abc', f: T0, l: T0, u: 'acme-okta#a' }] } } };
    mock.on(PutCommand).resolves({});
    const s = dynamoDetectState({ client: doc, table: 'state' });
    await s.put('acme', 'erin@example.com', { state, version: 0 }, 100);
    const item = mock.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    assert.equal(item['pk'], 'detect#acme#erin@example.com');
    assert.deepEqual(item['sessions'], state.sessions);
    mock.on(GetCommand).resolves({ Item: { ...item } });
    assert.deepEqual(await s.get('acme', 'erin@example.com'), { state, version: 1 });
    mock.on(BatchGetCommand).resolves({ Responses: { state: [{ pk: 'detect#acme#ip:203.0.113.9', occ: { failure: [] }, open: {}, version: 3 }] } });
    assert.deepEqual(await s.getMany!([{ tenant: 'acme', key: 'ip:203.0.113.9' }]), [{ state: { occ: { failure: [] }, open: {} }, version: 3 }]);
    mock.restore();
  });
});
