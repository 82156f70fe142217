/**
 * `npm run bench`: figures and ratios measured side by side in one run (DESIGN.md targets).
 * - normalizer throughput per core vs. the JSON limit (parse + field extraction + stringify of
 *   the same events), target ≥ 50%
 * - hot-item size and DynamoDB write units per event (table + index entries)
 */
import { performance } from 'node:perf_hooks';
import { AUTH_EVENT_FIELDS } from '../lambdas/core/event.ts';
import { toItem } from '../lambdas/adapters/hot-store.ts';
import { normalizerFor } from '../lambdas/sources/index.ts';
import { fixture } from '../test/helpers/fixtures.ts';
import type { AuthEvent } from '../lambdas/core/event.ts';

const N = 20_000;
const hook = fixture<{ data: { events: unknown[] } }>('okta/event-hook.json');
const pool = [...hook.data.events, ...(fixture<unknown[]>('okta/api-page.json')), fixture<{ detail: unknown }>('okta/eventbridge.json').detail];
const bodies: string[] = [];
for (let i = 0; i < N / 50; i++) bodies.push(JSON.stringify(Array.from({ length: 50 }, (_, j) => ({ ...(pool[(i + j) % pool.length] as object), uuid: `bench-${i}-${j}` }))));

function time(fn: () => number): { ms: number; n: number } {
  fn(); // warm-up
  const t = performance.now();
  const n = fn();
  return { ms: performance.now() - t, n };
}

// The JSON limit: parse, pull the same number of fields out, stringify the result.
const limitRun = () => {
  let n = 0;
  for (const b of bodies) for (const e of JSON.parse(b) as Record<string, unknown>[]) {
    const out: Record<string, unknown> = {};
    for (const f of AUTH_EVENT_FIELDS) out[f] = (e as Record<string, unknown>)[f] ?? null;
    out['raw'] = JSON.stringify(e);
    JSON.stringify(out);
    n++;
  }
  return n;
};
const limit = time(limitRun);

const okta = normalizerFor('okta')!;
const events: AuthEvent[] = [];
const normRun = () => {
  let n = 0;
  events.length = 0;
  for (const b of bodies) for (const item of okta.unwrap(JSON.parse(b))) {
    const r = okta.normalize(item);
    if (r.kind === 'event') {
      const e = { tenant: 'bench', source_id: 'bench-okta', source: 'okta' as const, ingest_time: '2026-11-21T00:00:00.000Z', ...r.event };
      JSON.stringify(e);
      events.push(e);
      n++;
    }
  }
  return n;
};
const norm = time(normRun);

const rate = (x: { ms: number; n: number }) => Math.round(x.n / (x.ms / 1000));
// A VM's speed drifts between runs: measure both sides alternately, several rounds, report medians.
const rounds: { limit: number; norm: number }[] = [{ limit: rate(limit), norm: rate(norm) }];
for (let r = 0; r < 6; r++) rounds.push({ limit: rate(time(limitRun)), norm: rate(time(normRun)) });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mLimit = median(rounds.map((r) => r.limit));
const mNorm = median(rounds.map((r) => r.norm));
const mRatio = median(rounds.map((r) => r.norm / r.limit));
console.log(`normalizer okta (median of ${rounds.length} alternating rounds): ${mNorm.toLocaleString('en')} events/s; JSON limit ${mLimit.toLocaleString('en')} events/s; ratio ${(mRatio * 100).toFixed(0)}% (target ≥ 50%)`);

// DynamoDB bills one write unit per started KB of the item, plus one per index entry.
const sizes = events.slice(0, 1000).map((e) => Buffer.byteLength(JSON.stringify(toItem(e, 90))));
const avg = sizes.reduce((a, b) => a + b, 0) / sizes.length;
const wcu = sizes.reduce((a, s) => a + Math.ceil(s / 1024) + 2, 0) / sizes.length;
console.log(`hot item: ${Math.round(avg)} bytes/event (JSON approximation); ${wcu.toFixed(2)} write units/event incl. 2 index entries (target ≤ 1.05)`);
