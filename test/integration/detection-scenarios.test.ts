/**
 * Every detection rule, end to end: each rule's scenario (lambdas/core/detect/rules/<rule>/scenario.ts)
 * posted as the vendor sends it to one local collector (`authtrail dev`, as `npm start` runs it),
 * the attack to one tenant and its near miss to another, then one `authtrail flush`. The attack
 * tenant must hold exactly one alert of the rule, for the expected user and severity (alerts of
 * other rules on the same events are allowed, and listed when the check fails); the near-miss
 * tenant none of it. The rules are read from the registry at run time, so a rule added there
 * without a scenario fails here by name. `feed_silence` is raised by the feed-health check, not
 * by events: test/integration/alerts.test.ts covers it.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RULES } from '../../lambdas/core/detect/rules/index.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';
import { scenarioOf, type RuleScenario } from '../helpers/rule-scenario.ts';

/** Rules no event sequence raises, and the test that covers each. */
const NOT_BY_EVENTS: Record<string, string> = { feed_silence: 'test/integration/alerts.test.ts (the feed-health check)' };
/** Kinds that only pull from the vendor's API: a scenario must use a kind that accepts posts. */
const PULL_ONLY = new Set(['duo', 'jumpcloud']);
const SECRET = 'scenario-secret';
/** Every scenario starts here (event time); the longest spans 17 days, all in the past. */
const T0 = Date.parse('2026-10-01T08:00:00.000Z');

const rules = RULES.map((r) => r.id as string).filter((id) => !(id in NOT_BY_EVENTS));
const scenarios = new Map<string, RuleScenario | null>(await Promise.all(rules.map(async (id) => [id, await scenarioOf(id)] as const)));
const runnable = [...scenarios].filter((e): e is [string, RuleScenario] => !!e[1] && !PULL_ONLY.has(e[1].kind));
const tenantOf = (rule: string, side: 'attack' | 'near') => `${rule}-${side}`;
const sourceOf = (rule: string, side: 'attack' | 'near', kind: string) => `${tenantOf(rule, side)}-${kind}`;

interface AlertLine { alert_id: string; rule: string; severity: string; tenant: string; user: string; count: number }

describe('every rule\'s scenario, end to end through the local collector', () => {
  let c: TestCollector;
  let alerts: AlertLine[] = [];
  const posted = new Map<string, unknown>();
  let flushMs = 0;

  before(async () => {
    const sides = ['attack', 'near'] as const;
    c = await startCollector({
      tenants: runnable.flatMap(([rule]) => sides.map((side) => ({ id: tenantOf(rule, side), name: `${rule} (${side})` }))),
      sources: runnable.flatMap(([rule, s]) => sides.map((side) => ({
        id: sourceOf(rule, side, s.kind), tenant: tenantOf(rule, side), kind: s.kind, auth: { type: 'shared-secret', header: 'authorization', secret: SECRET },
      }))),
      alerts: { tenants: Object.fromEntries(runnable.flatMap(([rule, s]) => sides.map((side) => [tenantOf(rule, side), { rules: { [rule]: s.settings ?? {} } }]))) },
    });
    const post = (source: string, events: readonly unknown[]) => fetch(`${c.base}/v1/ingest/${source}`, { method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: JSON.stringify(events) });
    // What the rules must have learned first (a user's usual country or IP), on both sides, processed before the rest.
    const histories = runnable.filter(([, s]) => s.history).flatMap(([rule, s]) => sides.map((side) => post(sourceOf(rule, side, s.kind), s.history!(T0))));
    if (histories.length) {
      for (const res of await Promise.all(histories)) assert.equal(res.status, 200, await res.text());
      const f = await c.cli(['flush']);
      assert.equal(f.code, 0, f.stderr);
    }
    // Every scenario's events, posted in parallel (one JSON array per source), then one flush.
    await Promise.all(runnable.flatMap(([rule, s]) => sides.map(async (side) => {
      const events = side === 'attack' ? s.attack(T0) : s.nearMiss(T0);
      const res = await post(sourceOf(rule, side, s.kind), events);
      posted.set(`${rule}/${side}`, { status: res.status, body: await res.json(), sent: events.length });
    })));
    const t = performance.now();
    const flush = await c.cli(['flush']);
    flushMs = performance.now() - t;
    assert.equal(flush.code, 0, flush.stderr);
    const f = join(c.home, 'alerts.ndjson');
    alerts = existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AlertLine) : [];
  });
  after(async () => {
    if (flushMs) console.log(`# detection scenarios: ${runnable.length} rules, ${posted.size} posts, one flush in ${Math.round(flushMs)} ms`);
    await c?.stop();
  });

  /** A tenant's alerts, one per alert_id (a severity raised later is published again under the same id: the last one counts). */
  const of = (tenant: string) => [...new Map(alerts.filter((a) => a.tenant === tenant).map((a) => [a.alert_id, a])).values()];

  for (const [rule, s] of scenarios) {
    it(`${rule}: the attack raises one alert for the expected user and severity; the near miss none`, () => {
      assert.ok(s, `${rule} has no scenario: add lambdas/core/detect/rules/${rule}/scenario.ts (see test/helpers/rule-scenario.ts)`);
      assert.ok(!PULL_ONLY.has(s.kind), `${rule}'s scenario uses ${s.kind}, which only pulls: use a kind that accepts posts`);
      for (const side of ['attack', 'near'] as const) {
        const p = posted.get(`${rule}/${side}`) as { status: number; body: { accepted: number; quarantined: number }; sent: number };
        assert.equal(p.status, 200, `${rule} ${side}: ${JSON.stringify(p.body)}`);
        assert.equal(p.body.quarantined, 0, `${rule} ${side}: ${JSON.stringify(p.body)}`);
        assert.ok(p.body.accepted >= p.sent, `${rule} ${side}: ${JSON.stringify(p.body)} for ${p.sent} events`);
      }
      const attack = of(tenantOf(rule, 'attack'));
      const others = attack.filter((a) => a.rule !== rule).map((a) => `${a.rule} (${a.user}, ${a.severity})`);
      const mine = attack.filter((a) => a.rule === rule);
      assert.deepEqual(mine.map((a) => [a.rule, a.user, a.severity]), [[rule, s.expect.user, s.expect.severity]],
        `${rule}: the attack's alerts of the rule; other rules' alerts on the same events: ${others.join(', ') || 'none'}`);
      const near = of(tenantOf(rule, 'near'));
      assert.deepEqual(near.filter((a) => a.rule === rule).map((a) => [a.rule, a.user, a.severity]), [],
        `${rule}: the near miss raised it; other rules' alerts there: ${near.filter((a) => a.rule !== rule).map((a) => a.rule).join(', ') || 'none'}`);
    });
  }

  it('rules no event raises are covered elsewhere, and exist', () => {
    for (const [id, where] of Object.entries(NOT_BY_EVENTS)) assert.ok(RULES.some((r) => r.id === id), `${id} (covered by ${where}) is in the registry`);
  });
});
