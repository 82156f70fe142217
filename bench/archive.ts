/**
 * Archive figures, measured side by side on the same events:
 * - bytes per event: Parquet (this runtime's codec) vs gzip NDJSON, with and without `raw`
 * - events per S3 object and S3 PUTs per 1M events at a steady load, replaying the deployed
 *   batching (10,000 records or 6 MB or 5 minutes per batch) through the real grouping code
 * - compaction: objects per closed tenant-day before and after at that load, and the compactor's
 *   time per object and per MB of Parquet, measured on one tenant-day of small objects
 * and writes them to bench/figures.json (`archive`) for `npm run cost` and `npm run scale`.
 */
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { groupByPartition } from '../lambdas/core/archive.ts';
import type { AuthEvent } from '../lambdas/core/event.ts';
import { eventsToParquet, PARQUET_CODEC } from '../lambdas/core/parquet.ts';
import { toItem } from '../lambdas/adapters/hot-store.ts';
import { recordFigures } from './figures.ts';
import { oktaEventMaker } from './synthetic.ts';
import { measureCompaction, objectsPerTenantDay } from './compaction.ts';

export function syntheticEvents(n: number, tenants = 5, start = Date.parse('2026-11-20T00:00:00Z'), perSecond = 200): AuthEvent[] {
  const make = oktaEventMaker();
  const out: AuthEvent[] = [];
  for (let i = 0; i < n; i++) {
    const e = make(i, start + Math.floor((i * 1000) / perSecond), `tenant${i % tenants}`);
    if (e) out.push(e);
  }
  return out;
}

const N = 20_000;
const events = syntheticEvents(N, 1);
let encodeMs = 0;
{
  const batch = events.slice(0, 3158);
  eventsToParquet(batch);
  const t = performance.now();
  for (let k = 0; k < 5; k++) eventsToParquet(batch);
  encodeMs = (performance.now() - t) / 5;
  console.log(`Parquet encoding of one 3,158-event batch (the 6 MB stream-batch cap): ${encodeMs.toFixed(0)} ms on this machine`);
}
const ndjson = (es: AuthEvent[]) => gzipSync(es.map((e) => JSON.stringify(e)).join('\n'));
const noRaw = events.map((e) => ({ ...e, raw: null }));
const pq = eventsToParquet(events).length;
const nd = ndjson(events).length;
const pqNoRaw = eventsToParquet(noRaw).length;
const ndNoRaw = ndjson(noRaw).length;
const per = (b: number) => (b / events.length).toFixed(1);
console.log(`archive bytes/event (${events.length} Okta events, one tenant-day): Parquet ${PARQUET_CODEC} ${per(pq)} vs gzip NDJSON ${per(nd)} (Parquet = ${(100 * pq / nd).toFixed(0)}% of NDJSON); without raw: Parquet ${per(pqNoRaw)} vs NDJSON ${per(ndNoRaw)} (${(100 * pqNoRaw / ndNoRaw).toFixed(0)}%). Target ≤ 250 bytes/event.`);

// Steady load replay: what the deployed event-source mapping hands the archiver.
const RATE = 200; // events per second across all tenants
const SECONDS = 1800;
const WINDOW_S = 300;
const MAX_RECORDS = 10_000;
const MAX_BYTES = 6 * 1024 * 1024;
// The stream record carries the whole new item (raw included) plus ~200 bytes of envelope.
// A stream record carries the item as JSON, a binary attribute as base64.
const recordBytes = (e: AuthEvent) => Buffer.byteLength(JSON.stringify(toItem(e, 90), (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))) + 200;
const steady: Record<string, number>[] = [];
for (const tenants of [1, 5]) {
  const stream = syntheticEvents(RATE * SECONDS, tenants, Date.parse('2026-11-20T00:00:00Z'), RATE);
  let objects = 0;
  let batches = 0;
  let i = 0;
  while (i < stream.length) {
    const startT = Date.parse(stream[i]!.ingest_time);
    const batch: AuthEvent[] = [];
    let bytes = 0;
    while (i < stream.length && batch.length < MAX_RECORDS && Date.parse(stream[i]!.ingest_time) - startT < WINDOW_S * 1000) {
      const size = recordBytes(stream[i]!);
      if (bytes + size > MAX_BYTES) break;
      bytes += size;
      batch.push(stream[i++]!);
    }
    batches++;
    objects += groupByPartition(batch).size;
  }
  const digests = batches * tenants;
  console.log(`steady load ${RATE} events/s, ${tenants} tenant(s), ${SECONDS / 60} min: ${batches} archiver batches (${Math.round(stream.length / batches)} events each, 6 MB payload cap), ${Math.round(stream.length / objects)} events/object; S3 PUTs per 1M events: ${Math.round(((objects + digests) * 1e6) / stream.length)} (objects + digests; target ≤ 1,000)`);
  const perDay = objectsPerTenantDay({ eventsPerSecond: RATE, tenants, batchesPerDay: (batches * 86_400) / SECONDS, parquetBytesPerEvent: pq / events.length });
  console.log(`objects per closed tenant-day at ${RATE} events/s, ${tenants} tenant(s): ${perDay.before} before compaction, ${perDay.after} after (${perDay.events_per_tenant_day} events, ${perDay.parquet_mb_per_tenant_day} MB of Parquet per tenant-day; cap ${perDay.size_cap_mb} MB of Parquet per object, no row cap)`);
  steady.push({ tenants, events_per_second: RATE, seconds: SECONDS, batches, events_per_batch: Math.round(stream.length / batches), events_per_object: Math.round(stream.length / objects), s3_puts_per_million: Math.round(((objects + digests) * 1e6) / stream.length), objects_per_tenant_day_before_compaction: perDay.before, objects_per_tenant_day_after_compaction: perDay.after });
}

// Compaction measured: one tenant-day of 60 small objects (the 50-tenant case's ~600 events each).
const compaction = await measureCompaction(syntheticEvents(36_000, 1), 600);
console.log(`compaction of one tenant-day (in-memory S3): ${compaction.objects_before} objects → ${compaction.objects_after}, ${compaction.rows} rows, ${(compaction.parquet_bytes_in / 1024 ** 2).toFixed(1)} MB → ${(compaction.parquet_bytes_out / 1024 ** 2).toFixed(1)} MB of Parquet in ${compaction.ms} ms (${compaction.ms_per_object} ms per object, ${compaction.ms_per_mb} ms per MB read); verify: ${compaction.verify_findings} findings`);

recordFigures('archive', {
  events: events.length,
  parquet_codec: PARQUET_CODEC,
  parquet_bytes_per_event: +(pq / events.length).toFixed(1),
  parquet_bytes_per_event_without_raw: +(pqNoRaw / events.length).toFixed(1),
  ndjson_gzip_bytes_per_event: +(nd / events.length).toFixed(1),
  parquet_encode_ms_per_3158_event_batch: Math.round(encodeMs),
  stream_record_bytes_per_event: Math.round(events.reduce((a, e) => a + recordBytes(e), 0) / events.length),
  batching: { window_seconds: WINDOW_S, max_records: MAX_RECORDS, max_bytes: MAX_BYTES },
  steady_load: steady,
  compaction,
});
