/**
 * Detector cost and speed, side by side in one run: a day of synthetic sign-in traffic for a
 * 2,000-user tenant (routine sign-ins from each user's usual IP and city, MFA prompts, some
 * failures, a few travellers) plus injected attacks, run through the real `detectEvents` with an
 * in-memory state store that counts reads and writes and sizes every written item.
 *
 * Prints events/s, state reads and writes per event, the write units they cost (1 per started
 * KB), and the same figures for the naive design that writes the user's state on every event
 * it reads, plus the alerts raised (every injected attack must be found), and writes the figures
 * to bench/figures.json (`detect`) for `npm run cost` and `npm run scale`.
 */
import { performance } from 'node:perf_hooks';
import { AlertsConfig } from '../lambdas/core/detect/settings.ts';
import type { Alert, KeyState } from '../lambdas/core/detect/engine.ts';
import type { AuthEvent } from '../lambdas/core/event.ts';
import { ev } from '../test/helpers/events.ts';
import { recordFigures } from './figures.ts';

process.env.AUTHTRAIL_RUNTIME_CONFIG ??= JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [] });
const { detectEvents } = await import('../lambdas/handlers/detector.ts');

const USERS = 2_000;
const T0 = Date.parse('2026-11-20T00:00:00.000Z');
let seq = 0;
let rnd = 42;
const random = () => ((rnd = (rnd * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const CITIES = [[40.71, -74.0, 'US'], [51.51, -0.13, 'GB'], [52.52, 13.4, 'DE'], [35.68, 139.69, 'JP'], [-33.87, 151.21, 'AU']] as const;

function day(): AuthEvent[] {
  const out: AuthEvent[] = [];
  const at = (ms: number) => new Date(ms).toISOString();
  for (let u = 0; u < USERS; u++) {
    const user = `user${u}@example.com`;
    const [lat, lon, country] = CITIES[u % 3]!;
    const ip = `198.51.100.${u % 250}`;
    const base = { user_email: user, src_ip: ip, geo_lat: lat, geo_lon: lon, geo_country: country };
    // ~12 sign-ins spread over the working day, each an MFA prompt then a success.
    for (let k = 0; k < 12; k++) {
      const t = T0 + 8 * 3_600_000 + Math.floor(random() * 9 * 3_600_000);
      out.push(ev({ ...base, event_uid: `c${seq++}`, event_time: at(t), category: 'mfa_challenge', outcome: 'challenge', factor: 'push', is_mfa: true }));
      out.push(ev({ ...base, event_uid: `s${seq++}`, event_time: at(t + 5_000), category: 'login', outcome: 'success', factor: 'push', is_mfa: true }));
      if (random() < 0.05) out.push(ev({ ...base, event_uid: `f${seq++}`, event_time: at(t - 60_000), category: 'login', outcome: 'failure', factor: 'password' }));
    }
  }
  // Attacks: 20 push bombings, 10 brute forces, 10 impossible trips.
  for (let a = 0; a < 20; a++) for (let k = 0; k < 5; k++)
    out.push(ev({ event_uid: `bomb${seq++}`, event_time: new Date(T0 + 10 * 3_600_000 + a * 600_000 + k * 30_000).toISOString(), category: 'mfa_verify', outcome: 'denied', factor: 'push', is_mfa: true, user_email: `user${a * 7}@example.com` }));
  for (let a = 0; a < 10; a++) for (let k = 0; k < 12; k++)
    out.push(ev({ event_uid: `bf${seq++}`, event_time: new Date(T0 + 12 * 3_600_000 + k * 40_000).toISOString(), category: 'login', outcome: 'failure', factor: 'password', user_email: `user${1000 + a}@example.com` }));
  for (let a = 0; a < 10; a++)
    out.push(ev({ event_uid: `trip${seq++}`, event_time: new Date(T0 + 13 * 3_600_000).toISOString(), category: 'login', outcome: 'success', factor: 'push', is_mfa: true, user_email: `user${1500 + a * 3}@example.com`, src_ip: '203.0.113.50', geo_lat: CITIES[3][0], geo_lon: CITIES[3][1], geo_country: 'JP' }));
  return out.sort((a, b) => (a.ingest_time < b.ingest_time ? -1 : 0) || (a.event_time < b.event_time ? -1 : 1));
}

async function run(events: AuthEvent[], naive: boolean) {
  const store = new Map<string, { state: KeyState; version: number }>();
  const c = { reads: 0, readUnits: 0, writes: 0, units: 0, raised: [] as Alert[] };
  const deps = {
    settings: AlertsConfig.parse({}),
    state: {
      async get(tenant: string, key: string) {
        const found = store.get(`${tenant}#${key}`);
        c.reads++;
        // A consistent read: 1 read unit per started 4 KB (a miss costs one too).
        c.readUnits += Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(found?.state ?? {})) / 4096));
        return structuredClone(found ?? { state: { occ: {}, open: {} }, version: 0 });
      },
      async put(tenant: string, key: string, s: { state: KeyState; version: number }) {
        c.writes++;
        c.units += Math.ceil(Buffer.byteLength(JSON.stringify(s.state)) / 1024);
        store.set(`${tenant}#${key}`, { state: s.state, version: s.version + 1 });
      },
    },
    feeds: { touch: async () => undefined, get: async () => null, markAlerted: async () => true },
    sink: { publish: async (a: readonly Alert[]) => { c.raised.push(...a); } },
    store: { store: async () => 1 },
  };
  const t = performance.now();
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500);
    const before = c.writes;
    await detectEvents(batch, deps as never);
    // The naive design writes every key it read, changed or not.
    if (naive) {
      const keys = new Set(batch.map((e) => `${e.tenant}#${e.user_email}`));
      const extra = keys.size - (c.writes - before);
      c.writes += Math.max(0, extra);
      c.units += Math.max(0, extra);
    }
  }
  return { ms: performance.now() - t, ...c };
}

const events = day();
const routine = await run(events, false);
const naive = await run(events, true);
const n = events.length;
const rules = new Map<string, number>();
for (const a of routine.raised) rules.set(a.rule, (rules.get(a.rule) ?? 0) + 1);
console.log(`detector: ${n.toLocaleString('en-US')} events, ${USERS} users, batches of 500`);
console.log(`  speed: ${Math.round(n / (routine.ms / 1000)).toLocaleString('en-US')} events/s through detectEvents (in-memory state)`);
console.log(`  state reads per event: ${(routine.reads / n).toFixed(3)} (${(routine.readUnits / n).toFixed(3)} read units)`);
console.log(`  state writes per event: ${(routine.writes / n).toFixed(3)} (naive: ${(naive.writes / n).toFixed(3)}; ratio ${(routine.writes / naive.writes).toFixed(2)})`);
console.log(`  write units per event: ${(routine.units / n).toFixed(3)} (naive ≥ ${(naive.units / n).toFixed(3)})`);
console.log(`  write units per 1M events: ${Math.round((routine.units / n) * 1e6).toLocaleString('en-US')} → $${((routine.units / n) * 0.625).toFixed(2)} at $0.625 per million`);
console.log(`  alerts: ${[...rules].map(([r, k]) => `${r} ${k}`).join(', ')} (injected: mfa_fatigue 20, brute_force 10, impossible_travel 10)`);
recordFigures('detect', {
  events: n,
  users: USERS,
  batch_size: 500,
  events_per_second: Math.round(n / (routine.ms / 1000)),
  ms_per_500_event_batch: +((routine.ms / n) * 500).toFixed(2),
  state_reads_per_event: +(routine.reads / n).toFixed(4),
  state_read_units_per_event: +(routine.readUnits / n).toFixed(4),
  state_writes_per_event: +(routine.writes / n).toFixed(4),
  state_write_units_per_event: +(routine.units / n).toFixed(4),
  naive_state_writes_per_event: +(naive.writes / n).toFixed(4),
  naive_state_write_units_per_event: +(naive.units / n).toFixed(4),
  alerts: Object.fromEntries(rules),
});
