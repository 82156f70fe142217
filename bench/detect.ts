/**
 * Detector cost, speed and detection, side by side in one run: a clean day of synthetic sign-in
 * traffic for a 2,000-user tenant (routine sign-ins from each user's usual IP and city, MFA
 * prompts, some failures), and the same day with attacks injected: the synthetic ones (push
 * bombings, brute forces, impossible trips) and the attack corpus, each detection rule's
 * scenario (`lambdas/core/detect/rules/<rule>/scenario.ts`: the attack as the vendor sends it)
 * normalized through the real normalizer and retargeted to the day's tenant, three times each
 * (other users, hours apart). Both run through the real `detectEvents` with an in-memory state
 * store that counts reads and writes and sizes every written item.
 *
 * Prints, per day: events/s, state reads and writes per event (with the target), the write units
 * they cost (1 per started KB), and for the attacked day the naive design that writes the user's
 * state on every event it reads; per rule: attacks injected and found (the expected alert, user
 * and severity, on the attack's events), false positives on the clean day, and the other alerts
 * on the attacked day. Writes the attacked day's figures to bench/figures.json (`detect`) for
 * `npm run cost` and `npm run scale`.
 */
import { performance } from 'node:perf_hooks';
import { RULES } from '../lambdas/core/detect/rules/index.ts';
import { AlertsConfig } from '../lambdas/core/detect/settings.ts';
import type { Alert, KeyState, Severity } from '../lambdas/core/detect/engine.ts';
import type { AuthEvent } from '../lambdas/core/event.ts';
import { ev } from '../test/helpers/events.ts';
import { normalized, scenarioOf, type RuleScenario } from '../test/helpers/rule-scenario.ts';
import { recordFigures } from './figures.ts';

process.env.AUTHTRAIL_RUNTIME_CONFIG ??= JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [] });
const { detectEvents } = await import('../lambdas/handlers/detector.ts');

const TENANT = 'acme';
const USERS = 2_000;
const T0 = Date.parse('2026-11-20T00:00:00.000Z');
const HOUR = 3_600_000;
/** State writes per event the detector must stay under on the attacked day. */
const WRITES_TARGET = 0.3;
/** Copies of each rule's scenario in the attacked day (other users, five hours apart). */
const COPIES = 3;
/** Rules no event raises. */
const NOT_BY_EVENTS: Record<string, string> = { feed_silence: 'raised by the feed-health check, not by events' };
const INGESTED = '2026-11-22T12:00:00.000Z';

let seq = 0;
let rnd = 42;
const random = () => ((rnd = (rnd * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const CITIES = [[40.71, -74.0, 'US'], [51.51, -0.13, 'GB'], [52.52, 13.4, 'DE'], [35.68, 139.69, 'JP'], [-33.87, 151.21, 'AU']] as const;
const at = (ms: number) => new Date(ms).toISOString();

/** The clean day: routine traffic only. */
function cleanDay(): AuthEvent[] {
  const out: AuthEvent[] = [];
  for (let u = 0; u < USERS; u++) {
    const user = `user${u}@example.com`;
    const [lat, lon, country] = CITIES[u % 3]!;
    const ip = `198.51.100.${u % 250}`;
    const base = { user_email: user, src_ip: ip, geo_lat: lat, geo_lon: lon, geo_country: country };
    // ~12 sign-ins spread over the working day, each an MFA prompt then a success, in the user's
    // vendor sessions (a new one after 2 h idle, as Okta's default) from one browser: most vendors
    // send a session id, and session_anomaly keeps state on it.
    const times = Array.from({ length: 12 }, () => T0 + 8 * HOUR + Math.floor(random() * 9 * HOUR)).sort((a, b) => a - b);
    const user_agent = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${120 + (u % 12)}.0.0.0 Safari/537.36`;
    let session_id = '';
    let last = 0;
    for (const t of times) {
      if (t - last > 2 * HOUR) session_id = `102${u.toString(36)}x${t.toString(36)}`;
      last = t;
      const inSession = { ...base, session_id, user_agent };
      out.push(ev({ ...inSession, event_uid: `c${seq++}`, event_time: at(t), category: 'mfa_challenge', outcome: 'challenge', factor: 'push', is_mfa: true }));
      out.push(ev({ ...inSession, event_uid: `s${seq++}`, event_time: at(t + 5_000), category: 'login', outcome: 'success', factor: 'push', is_mfa: true }));
      if (random() < 0.05) out.push(ev({ ...base, event_uid: `f${seq++}`, event_time: at(t - 60_000), category: 'login', outcome: 'failure', factor: 'password' }));
    }
  }
  return out;
}

/** One injected attack: its events, and the alert that finds it. */
interface Attack { rule: string; user: string; severity: Severity; events: AuthEvent[] }

/** The synthetic attacks: 20 push bombings, 10 brute forces, 10 impossible trips. */
function syntheticAttacks(): Attack[] {
  const out: Attack[] = [];
  for (let a = 0; a < 20; a++) {
    const user = `user${a * 7}@example.com`;
    out.push({ rule: 'mfa_fatigue', user, severity: 'high', events: Array.from({ length: 5 }, (_, k) =>
      ev({ event_uid: `bomb${seq++}`, event_time: at(T0 + 10 * HOUR + a * 600_000 + k * 30_000), category: 'mfa_verify', outcome: 'denied', factor: 'push', is_mfa: true, user_email: user })) });
  }
  for (let a = 0; a < 10; a++) {
    const user = `user${1000 + a}@example.com`;
    out.push({ rule: 'brute_force', user, severity: 'medium', events: Array.from({ length: 12 }, (_, k) =>
      ev({ event_uid: `bf${seq++}`, event_time: at(T0 + 12 * HOUR + k * 40_000), category: 'login', outcome: 'failure', factor: 'password', user_email: user })) });
  }
  for (let a = 0; a < 10; a++) {
    const user = `user${1500 + a * 3}@example.com`;
    out.push({ rule: 'impossible_travel', user, severity: 'high', events: [
      ev({ event_uid: `trip${seq++}`, event_time: at(T0 + 13 * HOUR), category: 'login', outcome: 'success', factor: 'push', is_mfa: true, user_email: user, src_ip: '203.0.113.50', geo_lat: CITIES[3][0], geo_lon: CITIES[3][1], geo_country: 'JP' })] });
  }
  return out;
}

/** `bob@example.com` → `bob+a1@example.com` (a user of the day's tenant the scenario has not met); `*` and `ip:` keys stay. */
const renamed = (who: string | null, k: number) => (who === null || who === '*' || who.startsWith('ip:') ? who : who.includes('@') ? who.replace('@', `+a${k}@`) : `${who}+a${k}`);

/** The attack corpus: every rule's scenario attack, normalized, in the day's tenant, `COPIES` times. */
async function corpus(): Promise<{ attacks: Attack[]; settings: Record<string, unknown>; missing: string[] }> {
  const attacks: Attack[] = [];
  const settings: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const r of RULES) {
    if (r.id in NOT_BY_EVENTS) continue;
    const s: RuleScenario | null = await scenarioOf(r.id);
    if (!s) { missing.push(r.id); continue; }
    if (s.settings) settings[r.id] = s.settings;
    for (let k = 0; k < COPIES; k++) {
      const t0 = T0 + (7 + 5 * k) * HOUR;
      const events = normalized(s.kind, [...(s.history?.(t0) ?? []), ...s.attack(t0)], { tenant: TENANT, sourceId: `${TENANT}-${s.kind}`, ingestTime: INGESTED }).map((e) => ({
        ...e, event_uid: `${e.event_uid}+a${k}`,
        user_email: renamed(e.user_email, k), user_login: renamed(e.user_login, k), user_id: renamed(e.user_id, k),
      }));
      attacks.push({ rule: s.rule, user: renamed(s.expect.user, k)!, severity: s.expect.severity, events });
    }
  }
  return { attacks, settings, missing };
}

const inOrder = (events: AuthEvent[]) => events.sort((a, b) => (a.ingest_time < b.ingest_time ? -1 : 0) || (a.event_time < b.event_time ? -1 : 1));

async function run(events: readonly AuthEvent[], settings: AlertsConfig, naive: boolean) {
  const store = new Map<string, { state: KeyState; version: number }>();
  const c = { reads: 0, readUnits: 0, writes: 0, units: 0, raised: [] as Alert[] };
  const deps = {
    settings,
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
  // An alert raised again (its severity rose) keeps its id: the newest version counts.
  const alerts = [...new Map(c.raised.map((a) => [a.alert_id, a])).values()];
  return { ms: performance.now() - t, ...c, alerts, events: events.length };
}

const clean = cleanDay();
const synthetic = syntheticAttacks();
const { attacks: scenarioAttacks, settings: scenarioSettings, missing } = await corpus();
const attacks = [...synthetic, ...scenarioAttacks];
const attacked = inOrder([...clean, ...attacks.flatMap((a) => a.events)]);
inOrder(clean);
// The scenarios' settings (e.g. mfa_required_app's apps) hold for the tenant on both days.
const settings = AlertsConfig.parse({ tenants: { [TENANT]: { rules: scenarioSettings } } });

const quiet = await run(clean, settings, false);
const loud = await run(attacked, settings, false);
const naive = await run(attacked, settings, true);

// Per rule: attacks injected and found (an alert of the rule, for the attack's user, with the
// expected severity, holding one of the attack's events), false positives on the clean day, and
// the attacked day's other alerts (on no injected attack's evidence, or of another rule).
const ids = (a: Attack) => new Set(a.events.map((e) => `${e.source_id}#${e.event_uid}`));
const foundBy = new Map<Alert, Attack>();
const rows = new Map<string, { injected: number; found: number; fp: number; other: number }>();
const row = (rule: string) => rows.get(rule) ?? rows.set(rule, { injected: 0, found: 0, fp: 0, other: 0 }).get(rule)!;
for (const r of RULES) row(r.id);
for (const a of attacks) {
  const mine = ids(a);
  const hit = loud.alerts.find((x) => x.rule === a.rule && x.user === a.user && x.severity === a.severity && x.event_uids.some((u) => mine.has(u)));
  row(a.rule).injected++;
  if (hit) { row(a.rule).found++; foundBy.set(hit, a); }
}
for (const x of quiet.alerts) row(x.rule).fp++;
for (const x of loud.alerts) if (!foundBy.has(x)) row(x.rule).other++;

const n = loud.events;
const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
const perEvent = (v: number, events: number) => (v / events).toFixed(3);
const speed = (r: typeof quiet) => fmt(r.events / (r.ms / 1000));
const col = (s: string, w: number) => s.padStart(w);
const writesOk = loud.writes / n <= WRITES_TARGET && quiet.writes / quiet.events <= WRITES_TARGET;
console.log(`detector: one day of a ${USERS.toLocaleString('en-US')}-user tenant, clean and with attacks injected, batches of 500, through detectEvents (in-memory state)`);
console.log(`  ${''.padEnd(26)}${col('clean day', 14)}${col('day + attacks', 16)}`);
console.log(`  ${'events'.padEnd(26)}${col(fmt(quiet.events), 14)}${col(fmt(n), 16)}`);
console.log(`  ${'speed (events/s)'.padEnd(26)}${col(speed(quiet), 14)}${col(speed(loud), 16)}`);
console.log(`  ${'state reads per event'.padEnd(26)}${col(perEvent(quiet.reads, quiet.events), 14)}${col(perEvent(loud.reads, n), 16)}   (read units: ${perEvent(quiet.readUnits, quiet.events)} / ${perEvent(loud.readUnits, n)})`);
console.log(`  ${'state writes per event'.padEnd(26)}${col(perEvent(quiet.writes, quiet.events), 14)}${col(perEvent(loud.writes, n), 16)}   (target ≤ ${WRITES_TARGET.toFixed(2)}: ${writesOk ? 'met' : 'MISSED'}; naive ${perEvent(naive.writes, n)}, ratio ${(loud.writes / naive.writes).toFixed(2)})`);
console.log(`  ${'write units per event'.padEnd(26)}${col(perEvent(quiet.units, quiet.events), 14)}${col(perEvent(loud.units, n), 16)}   (naive ≥ ${perEvent(naive.units, n)}; ${fmt((loud.units / n) * 1e6)} per 1M events → $${((loud.units / n) * 0.625).toFixed(2)} at $0.625 per million)`);
console.log(`  attacks: ${synthetic.length} synthetic (push bombings, brute forces, impossible trips) and each rule's scenario ${COPIES} times (${scenarioAttacks.length})`);
console.log(`  ${'rule'.padEnd(30)}${col('injected', 9)}${col('found', 7)}${col('false positives (clean day)', 29)}${col('other alerts (day + attacks)', 30)}`);
for (const [rule, r] of rows) {
  if (rule in NOT_BY_EVENTS) { console.log(`  ${rule.padEnd(30)}${col('-', 9)}${col('-', 7)}${col(String(r.fp), 29)}${col(String(r.other), 30)}   (${NOT_BY_EVENTS[rule]})`); continue; }
  console.log(`  ${rule.padEnd(30)}${col(String(r.injected), 9)}${col(String(r.found), 7)}${col(String(r.fp), 29)}${col(String(r.other), 30)}${r.found < r.injected ? '   MISSED' : ''}${missing.includes(rule) ? '   (no scenario)' : ''}`);
}
const injected = [...rows.values()].reduce((s, r) => s + r.injected, 0);
const found = [...rows.values()].reduce((s, r) => s + r.found, 0);
console.log(`  found ${found} of ${injected} injected attacks; ${quiet.alerts.length} alert(s) on the clean day`);
recordFigures('detect', {
  events: n,
  users: USERS,
  batch_size: 500,
  events_per_second: Math.round(n / (loud.ms / 1000)),
  ms_per_500_event_batch: +((loud.ms / n) * 500).toFixed(2),
  state_reads_per_event: +(loud.reads / n).toFixed(4),
  state_read_units_per_event: +(loud.readUnits / n).toFixed(4),
  state_writes_per_event: +(loud.writes / n).toFixed(4),
  state_write_units_per_event: +(loud.units / n).toFixed(4),
  naive_state_writes_per_event: +(naive.writes / n).toFixed(4),
  naive_state_write_units_per_event: +(naive.units / n).toFixed(4),
  clean_day: { events: quiet.events, events_per_second: Math.round(quiet.events / (quiet.ms / 1000)), state_reads_per_event: +(quiet.reads / quiet.events).toFixed(4), state_writes_per_event: +(quiet.writes / quiet.events).toFixed(4), alerts: quiet.alerts.length },
  attacks: { injected, found },
  alerts: Object.fromEntries([...rows].filter(([, r]) => r.found + r.other).map(([k, r]) => [k, r.found + r.other])),
});
if (found < injected || missing.length) process.exitCode = 1;
