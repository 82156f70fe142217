/**
 * Detector core (issue 5, first step): rules over event sequences — late and out-of-order
 * events, redeliveries, just-below-threshold cases — and suppression.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, RULES, suppressUntil, userOf, type Alert, type OpenAlert, type Occurrence } from '../../lambdas/core/detect/engine.ts';
import { AlertsConfig, type RuleName } from '../../lambdas/core/detect/settings.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { ev } from '../helpers/events.ts';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const denial = (uid: string, minutes: number, user = 'bob@example.com') =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'mfa_verify', outcome: 'denied', factor: 'push', is_mfa: true, user_email: user });

/** Plays events through the engine the way the stream consumer will: history and open alerts per user. */
function play(events: AuthEvent[], settings = AlertsConfig.parse({})) {
  const history = new Map<string, Partial<Record<RuleName, Occurrence[]>>>();
  const open = new Map<string, Partial<Record<RuleName, OpenAlert>>>();
  const raised: Alert[] = [];
  const updated: Alert[] = [];
  for (const e of events) {
    const user = userOf(e)!;
    const h = history.get(user) ?? {};
    const o = open.get(user) ?? {};
    const d = evaluate({ event: e, settings, history: h, open: o });
    for (const a of d.raise) { raised.push(a); o[a.rule] = { alert: a, until: suppressUntil(a, settings) }; }
    for (const a of d.update) { updated.push(a); o[a.rule] = { alert: a, until: suppressUntil(a, settings) }; }
    for (const [name, rule] of Object.entries(RULES) as [RuleName, (typeof RULES)[RuleName]][]) {
      if (!rule.matches(e)) continue;
      const uid = `${e.source_id}#${e.event_uid}`;
      const list = h[name] ?? [];
      if (!list.some((x) => x.uid === uid)) list.push({ uid, time: Date.parse(e.event_time) });
      h[name] = list;
    }
    history.set(user, h);
    open.set(user, o);
  }
  return { raised, updated };
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
