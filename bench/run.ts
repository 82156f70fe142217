/**
 * `npm run bench`: figures and ratios measured side by side in one run (DESIGN.md targets).
 * - normalizer throughput per core of every vendor vs. the JSON limit (parse + field extraction +
 *   stringify of the same events), target ≥ 50 %
 * - hot-item size and DynamoDB write units per event (table + index entries), as DynamoDB counts them
 * - the ingest function's CPU time per 50-event webhook body (parse, normalize, item, marshal)
 * and writes them to bench/figures.json (`run`) for `npm run cost` and `npm run scale`.
 */
import { performance } from 'node:perf_hooks';
import { readdirSync } from 'node:fs';
import { AUTH_EVENT_FIELDS } from '../lambdas/core/event.ts';
import { itemSize, toItem } from '../lambdas/adapters/hot-store.ts';
import { TABLE_LAYOUT } from '../lambdas/adapters/table-layout.ts';
import { marshall } from '@aws-sdk/util-dynamodb';
import { recordFigures } from './figures.ts';
import { normalizerFor } from '../lambdas/sources/index.ts';
import { fixture } from '../test/helpers/fixtures.ts';
import type { AuthEvent, SourceKind } from '../lambdas/core/event.ts';

const N = 20_000;
const KINDS: SourceKind[] = ['okta', 'duo', 'entra', 'google_workspace', 'auth0', 'pingone', 'onelogin', 'jumpcloud', 'keycloak', 'aws_signin'];

/** Every vendor event of a kind's fixtures (each file unwrapped as its delivery path does). */
function vendorItems(kind: SourceKind): unknown[] {
  const n = normalizerFor(kind)!;
  const dir = new URL(`../test/fixtures/${kind}/`, import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'expected.json' && f !== 'truth.json');
  return files.flatMap((f) => n.unwrap(fixture(`${kind}/${f}`)));
}
/** N events of a kind as JSON bodies of 50, cycling the fixtures' events. */
function bodiesOf(kind: SourceKind): string[] {
  const pool = vendorItems(kind);
  const out: string[] = [];
  for (let i = 0; i < N / 50; i++) out.push(JSON.stringify(Array.from({ length: 50 }, (_, j) => pool[(i * 50 + j) % pool.length])));
  return out;
}

function time(fn: () => number): { ms: number; n: number } {
  const t = performance.now();
  const n = fn();
  return { ms: performance.now() - t, n };
}

/** The JSON limit: parse, pull the same number of fields out, stringify the result. */
const limitRun = (bodies: string[]) => () => {
  let n = 0;
  for (const b of bodies) for (const e of JSON.parse(b) as Record<string, unknown>[]) {
    const out: Record<string, unknown> = {};
    for (const f of AUTH_EVENT_FIELDS) out[f] = e[f] ?? null;
    out['raw'] = JSON.stringify(e);
    JSON.stringify(out);
    n++;
  }
  return n;
};

/** The normalizer: parse, normalize each event, complete and serialize it as the hot store would. */
const normRun = (kind: SourceKind, bodies: string[], keep?: AuthEvent[]) => () => {
  const n = normalizerFor(kind)!;
  let count = 0;
  for (const b of bodies) for (const item of JSON.parse(b) as unknown[]) {
    const r = n.normalize(item);
    count++; // every item is work, whatever it ends as
    if (r.kind !== 'event') continue;
    const e = { tenant: 'bench', source_id: `bench-${kind}`, source: kind, ingest_time: '2026-11-21T00:00:00.000Z', ...r.event };
    JSON.stringify(e);
    keep?.push(e);
  }
  return count;
};

const rate = (x: { ms: number; n: number }) => x.n / (x.ms / 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
let events: AuthEvent[] = [];
const normRates: [string, number][] = [];
const normRatios: [string, number][] = [];
console.log('normalizer throughput per vendor (one core; median of 7 alternating rounds after a warm-up; target ≥ 50 % of the JSON limit):');
for (const kind of KINDS) {
  const bodies = bodiesOf(kind);
  const limit = limitRun(bodies);
  const norm = normRun(kind, bodies);
  limit(); norm(); // warm-up
  // A VM's speed drifts between runs: measure both sides alternately, several rounds, report medians.
  const rounds: { limit: number; norm: number }[] = [];
  for (let r = 0; r < 7; r++) rounds.push({ limit: rate(time(limit)), norm: rate(time(norm)) });
  const ratio = median(rounds.map((r) => r.norm / r.limit));
  console.log(`  ${kind.padEnd(17)} ${Math.round(median(rounds.map((r) => r.norm))).toLocaleString('en').padStart(8)} events/s; JSON limit ${Math.round(median(rounds.map((r) => r.limit))).toLocaleString('en').padStart(8)} events/s; ratio ${(ratio * 100).toFixed(0)} %${ratio < 0.5 ? '  BELOW TARGET' : ''}`);
  normRates.push([kind, Math.round(median(rounds.map((r) => r.norm)))]);
  normRatios.push([kind, +ratio.toFixed(3)]);
  if (kind === 'okta') { events = []; normRun(kind, bodies, events)(); }
}

// DynamoDB bills one write unit per started KB of the item, and one per started KB of each index
// entry: the index's key attributes + the table's key (the indexes are keys only) + 100 bytes.
const INDEX_OVERHEAD = 100;
const sample = events.slice(0, 1000).map((e) => toItem(e, 90));
const indexEntry = (item: Record<string, unknown>, pk: string, sk: string): number | null => {
  if (item[pk] === undefined) return null;
  const entry: Record<string, unknown> = { [TABLE_LAYOUT.partitionKey]: item[TABLE_LAYOUT.partitionKey], [TABLE_LAYOUT.sortKey]: item[TABLE_LAYOUT.sortKey], [pk]: item[pk], [sk]: item[sk] };
  return itemSize(entry) + INDEX_OVERHEAD;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const baseBytes = sample.map((i) => itemSize(i));
const entries = TABLE_LAYOUT.indexes.map((ix) => sample.map((i) => indexEntry(i, ix.partitionKey, ix.sortKey)));
const baseUnits = mean(baseBytes.map((b) => Math.ceil(b / 1024)));
const indexUnits = entries.map((es) => mean(es.map((b) => (b === null ? 0 : Math.ceil(b / 1024)))));
const indexBytes = entries.map((es) => mean(es.map((b) => b ?? 0)));
const writeUnits = baseUnits + indexUnits.reduce((a, b) => a + b, 0);
console.log(`hot item: ${Math.round(mean(baseBytes))} bytes/event as DynamoDB counts them (${baseUnits.toFixed(2)} write units); index entries ${TABLE_LAYOUT.indexes.map((ix, k) => `${ix.name} ${Math.round(indexBytes[k]!)} bytes (${indexUnits[k]!.toFixed(2)} units)`).join(', ')}; ${writeUnits.toFixed(2)} write units/event all-in (target ≤ 2.0)`);

// The ingest function's own work on a 50-event Okta body, without the DynamoDB round trips.
const oktaBodies = bodiesOf('okta');
const okta = normalizerFor('okta')!;
const ingestCpu = () => {
  let n = 0;
  for (const b of oktaBodies) for (const item of JSON.parse(b) as unknown[]) {
    const r = okta.normalize(item);
    if (r.kind !== 'event') continue;
    marshall(toItem({ tenant: 'bench', source_id: 'bench-okta', source: 'okta', ingest_time: '2026-11-21T00:00:00.000Z', ...r.event } as AuthEvent, 90), { removeUndefinedValues: true });
    n++;
  }
  return n;
};
ingestCpu();
const cpuMs = median(Array.from({ length: 5 }, () => time(ingestCpu).ms)) / oktaBodies.length;
console.log(`ingest CPU per 50-event Okta body (parse, normalize, item, marshal; no DynamoDB round trips): ${cpuMs.toFixed(2)} ms`);

recordFigures('run', {
  hot_item_bytes: Math.round(mean(baseBytes)),
  hot_item_write_units: +baseUnits.toFixed(3),
  index_entries: Object.fromEntries(TABLE_LAYOUT.indexes.map((ix, k) => [ix.name, { bytes: Math.round(indexBytes[k]!), write_units: +indexUnits[k]!.toFixed(3) }])),
  write_units_per_event: +writeUnits.toFixed(3),
  ingest_cpu_ms_per_50_event_body: +cpuMs.toFixed(3),
  normalizer_events_per_second: Object.fromEntries(normRates),
  normalizer_ratio_to_json_limit: Object.fromEntries(normRatios),
});
