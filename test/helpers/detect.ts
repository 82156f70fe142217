/**
 * The detector's test kit: event builders on a fixed clock and `play`, which runs events through
 * the engine the way the stream consumer does (one state per key). Used by the engine's tests
 * (test/unit/detect.test.ts) and by each rule's tests beside it (lambdas/core/detect/rules/<rule>/).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { emptyState, stateKeys, step, type Alert, type KeyState } from '../../lambdas/core/detect/engine.ts';
import { AlertsConfig } from '../../lambdas/core/detect/settings.ts';
import type { AuthEvent, SourceKind } from '../../lambdas/core/event.ts';
import { normalizerFor } from '../../lambdas/sources/index.ts';
import { ev } from './events.ts';
import type { RuleScenario } from './rule-scenario.ts';

export const T0 = Date.parse('2026-11-20T10:00:00.000Z');
export const DAY = 24 * 60;
/** `T0` plus `minutes`, as an event time. */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

export const denial = (uid: string, minutes: number, user = 'bob@example.com') =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'mfa_verify', outcome: 'denied', factor: 'push', is_mfa: true, user_email: user });
export const signIn = (uid: string, minutes: number, over: Partial<AuthEvent> = {}) =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'login', outcome: 'success', is_mfa: true, factor: 'push', user_email: 'erin@example.com', src_ip: '192.0.2.10', ...over });
export const failed = (uid: string, minutes: number, user = 'erin@example.com') =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'login', outcome: 'failure', factor: 'password', user_email: user });

/** Plays events through the engine the way the stream consumer does: one state per key (`stateKeys`), named `<tenant>#<key>`. */
export function play(events: AuthEvent[], settings = AlertsConfig.parse({})) {
  const states = new Map<string, KeyState>();
  const jsons = new Map<string, string>();
  const raised: Alert[] = [];
  const updated: Alert[] = [];
  let writes = 0;
  for (const e of events) {
    for (const { scope, key } of stateKeys(e)) {
      const id = `${e.tenant}#${key}`;
      const r = step({ event: e, settings, state: states.get(id) ?? emptyState(), scope, key, ...(jsons.has(id) ? { json: jsons.get(id)! } : {}) });
      jsons.set(id, r.json);
      raised.push(...r.raise);
      updated.push(...r.update);
      if (r.changed) writes++;
      states.set(id, r.state);
    }
  }
  return { raised, updated, states, writes };
}

/**
 * Every event a vendor's fixtures (test/fixtures/<kind>/*.json) normalize to that `pick` keeps,
 * as the pipeline stores it (tenant `acme`, source `acme-<kind>`): vendor-shaped events for the
 * rules' end-to-end tests through the real normalizer.
 */
export function vendorEvents(kind: SourceKind, pick: (e: AuthEvent) => boolean = () => true): AuthEvent[] {
  const n = normalizerFor(kind)!;
  const dir = new URL(`../fixtures/${kind}/`, import.meta.url);
  const out: AuthEvent[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json') && !/^(expected|truth)/.test(x)).sort()) {
    let items: unknown[];
    try { items = n.unwrap(JSON.parse(readFileSync(new URL(f, dir), 'utf8'))); } catch { continue; } // not this vendor's delivery shape
    for (const item of items) {
      const r = n.normalize(item);
      if (r.kind !== 'event') continue;
      const e: AuthEvent = { ...r.event, tenant: 'acme', source_id: `acme-${kind}`, source: kind, ingest_time: at(600) };
      if (pick(e)) out.push(e);
    }
  }
  return out;
}

/**
 * A rule's scenario (its `scenario.ts`): its history, then the attack or the near miss, as the
 * vendor sends them, through the vendor's real normalizer, played: the alerts raised (an alert
 * raised again under the same id, its severity risen, counts once, as its last version).
 */
export function playScenario(s: RuleScenario, which: 'attack' | 'nearMiss', t0 = T0): Alert[] {
  const n = normalizerFor(s.kind)!;
  const events = [...(s.history?.(t0) ?? []), ...s[which](t0)].flatMap((v) => n.unwrap(v)).map((item) => {
    const r = n.normalize(item);
    if (r.kind !== 'event') throw new Error(`${s.rule} scenario: ${JSON.stringify(r)}`);
    return { ...r.event, tenant: 'acme', source_id: `acme-${s.kind}`, source: s.kind, ingest_time: at(24 * 60) } as AuthEvent;
  });
  const settings = AlertsConfig.parse(s.settings ? { tenants: { acme: { rules: { [s.rule]: s.settings } } } } : {});
  return [...new Map(play(events, settings).raised.map((a) => [a.alert_id, a])).values()];
}

/** The scenario's attack raises exactly its one alert (user, severity) of the rule, and its near miss none. */
export function assertScenario(s: RuleScenario): void {
  const mine = (which: 'attack' | 'nearMiss') => playScenario(s, which).filter((a) => a.rule === s.rule).map((a) => [a.user, a.severity]);
  assert.deepEqual(mine('attack'), [[s.expect.user, s.expect.severity]], `${s.rule}: the attack`);
  assert.deepEqual(mine('nearMiss'), [], `${s.rule}: the near miss`);
}

/** An alert as the rules' tests compare it. */
export const view = (a: Alert) => [a.rule, a.severity, a.user, a.count, a.event_uids];

/** The event of a vendor fixture file whose vendor id starts with `uid`, through the real normalizer, as stored for tenant `acme`. */
export function vendorEvent(kind: SourceKind, file: string, uid: string): AuthEvent {
  const n = normalizerFor(kind)!;
  for (const item of n.unwrap(JSON.parse(readFileSync(new URL(`../fixtures/${kind}/${file}`, import.meta.url), 'utf8')))) {
    const r = n.normalize(item);
    if (r.kind === 'event' && r.event.event_uid.startsWith(uid)) return { ...r.event, tenant: 'acme', source_id: `acme-${kind}`, source: kind, ingest_time: at(24 * 60) };
  }
  throw new Error(`${kind}/${file}: no event ${uid}`);
}
