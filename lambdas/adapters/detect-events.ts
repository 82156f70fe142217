/**
 * Runs new events through the detection rules against stored state (the detector's core loop,
 * shared by the stream handler and the backfill). Per key (`stateKeys` in core/detect/engine.ts:
 * the user; the tenant for tenant-wide rules; the source IP for IP-keyed rules): read the state, step the key's events through the rules, publish new alerts, store the
 * newest version of every raised or updated alert, then write the state under its version.
 */
import { stateKeys, step, type Alert, type Scope } from '../core/detect/engine.ts';
import type { AlertsConfig } from '../core/detect/settings.ts';
import type { AuthEvent } from '../core/event.ts';
import type { AlertSink, AlertStore } from './alert-sink.ts';
import { StateConflictError, type DetectState, type Feeds } from './detect-state.ts';

export interface DetectorDeps {
  state: DetectState;
  feeds: Pick<Feeds, 'touch'>;
  sink: AlertSink;
  store: AlertStore;
  settings: AlertsConfig;
  now?: () => number;
}

export interface DetectResult { raised: Alert[]; updated: Alert[]; writes: number }

/**
 * Runs a batch of new events through the rules (exported for tests and the local runtime). The
 * events of one key are stepped together: one state read and one write per key and batch, and
 * only the newest version of each alert is published and archived.
 */
export async function detectEvents(events: readonly AuthEvent[], d: DetectorDeps): Promise<DetectResult> {
  const out: DetectResult = { raised: [], updated: [], writes: 0 };
  const now = d.now ?? Date.now;
  const groups = new Map<string, { tenant: string; key: string; scope: Scope; events: AuthEvent[] }>();
  for (const e of events) {
    for (const { scope, key } of stateKeys(e)) {
      const id = `${e.tenant}#${key}`;
      const g = groups.get(id) ?? { tenant: e.tenant, key, scope, events: [] };
      g.events.push(e);
      groups.set(id, g);
    }
  }
  const list = [...groups.values()];
  // Every key's state in a few batched reads; a key re-read after a conflict is read alone.
  const first = d.state.getMany ? await d.state.getMany(list) : undefined;
  await pool(list.map((g, i) => ({ g, read: first?.[i] })), 8, async ({ g, read }) => {
    for (let attempt = 0; ; attempt++) {
      const s = attempt === 0 && read ? read : await d.state.get(g.tenant, g.key);
      let state = s.state;
      let json: string | undefined;
      let changed = false;
      const latest = new Map<string, Alert>();
      const raisedIds = new Set<string>();
      for (const e of g.events) {
        const r = step({ event: e, settings: d.settings, state, scope: g.scope, key: g.key, ...(json === undefined ? {} : { json }) });
        state = r.state;
        json = r.json;
        changed ||= r.changed;
        for (const a of r.raise) { latest.set(a.alert_id, a); raisedIds.add(a.alert_id); }
        for (const a of r.update) latest.set(a.alert_id, a);
      }
      const raise = [...latest.values()].filter((a) => raisedIds.has(a.alert_id));
      const update = [...latest.values()].filter((a) => !raisedIds.has(a.alert_id));
      if (raise.length) await d.sink.publish(raise);
      if (latest.size) await d.store.store([...latest.values()]);
      if (!changed) return;
      try {
        const days = g.scope === 'user' && state.profile ? d.settings.profileDays : 1;
        await d.state.put(g.tenant, g.key, { state, version: s.version }, Math.floor(now() / 1000) + days * 86_400 + d.settings.suppressionMinutes * 60);
        out.writes++;
        out.raised.push(...raise);
        out.updated.push(...update);
        return;
      } catch (err) {
        if (!(err instanceof StateConflictError) || attempt >= 7) throw err;
      }
    }
  });
  // Feed health: the newest delivery of each source in this batch.
  const newest = new Map<string, AuthEvent>();
  for (const e of events) {
    const n = newest.get(e.source_id);
    if (!n || e.ingest_time > n.ingest_time) newest.set(e.source_id, e);
  }
  for (const e of newest.values()) {
    await d.feeds.touch({ sourceId: e.source_id, tenant: e.tenant, lastIngest: Date.parse(e.ingest_time), lastEventTime: Date.parse(e.event_time), lastUid: `${e.source_id}#${e.event_uid}` });
  }
  return out;
}

/** Runs `fn` over `items`, at most `n` at a time; the first failure fails the whole. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}
