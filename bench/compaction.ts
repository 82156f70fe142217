/**
 * Compaction figures. For bench/archive.ts: the real archiver writes one tenant-day as many small
 * objects (one per stream batch) into a versioned S3 in memory, the real compactor merges them
 * (read, check, merge, encode, stage, read back, commit, swap), timed; and the objects per closed
 * tenant-day before and after compaction at a steady load, from the batching replay and the
 * measured Parquet bytes per event.
 *
 * Run on its own (`node --expose-gc --import tsx bench/compaction.ts [--rows N] [--per-object N]`),
 * it measures the busy tenant-day — 5 tenants at 200 events/s, 3,456,000 rows per tenant-day in
 * objects of 600 events — or the `--rows` of it asked for: objects after, rows/s of the merge, and
 * peak RSS, and prints one JSON line. Events are made batch by batch, never held all at once; the
 * in-memory S3 holds the day's Parquet (which a Lambda does not), so the figure that matters is the
 * peak RSS over the RSS before the compaction started.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { archiveCompactor, type ArchiveCompactorOptions } from '../lambdas/adapters/archive-compact.ts';
import { memoryArchiveState } from '../lambdas/adapters/archive-state.ts';
import { archiveWriter } from '../lambdas/adapters/archive-writer.ts';
import { archiveVerifier } from '../lambdas/adapters/archive-verify.ts';
import { DEFAULT_SIZE_CAP } from '../lambdas/core/compact.ts';
import type { AuthEvent } from '../lambdas/core/event.ts';
import { versionedS3 } from '../test/helpers/versioned-s3.ts';
import { oktaEventMaker } from './synthetic.ts';

export interface CompactionMeasure {
  readonly objects_before: number;
  readonly objects_after: number;
  readonly rows: number;
  readonly parquet_bytes_in: number;
  readonly parquet_bytes_out: number;
  readonly ms: number;
  readonly ms_per_object: number;
  readonly ms_per_mb: number;
  /** Rows merged per second (read, check, merge, encode, stage, read back, commit, swap). */
  readonly rows_per_second: number;
  /** The same per second of CPU time (user + system) the process spent: what a shared machine's load does not skew. */
  readonly cpu_ms: number;
  readonly rows_per_cpu_second: number;
  /** The process's RSS at its highest during the compaction, and that less the RSS before it started. */
  readonly peak_rss_mb: number;
  readonly peak_rss_over_start_mb: number;
  /** The V8 heap in use at its highest during the compaction (garbage included), and before it. */
  readonly peak_heap_mb: number;
  readonly start_heap_mb: number;
  /** With `live`: the heap after a full GC, at its highest over GCs at most a second apart — what the compaction keeps. */
  readonly peak_live_heap_mb?: number;
  /** Findings of `verify` after the compaction (0). */
  readonly verify_findings: number;
}

/** The compactor a measure runs: this tree's, or another's with the same options (`before`). */
export type CompactorFactory = (o: Pick<ArchiveCompactorOptions, 's3' | 'bucket' | 'state' | 'now'>) => Pick<ReturnType<typeof archiveCompactor>, 'compactTenant'>;

const mb = (b: number) => Math.round(b / 1024 ** 2);

/**
 * Archives batches (one tenant, one day; `batches` yields each batch's events), then compacts
 * the day, sampling RSS at every S3 call the compactor makes.
 */
export async function measureBatches(batches: Iterable<readonly AuthEvent[]>, compactor: CompactorFactory = archiveCompactor, o: { live?: boolean } = {}): Promise<CompactionMeasure> {
  const vs = versionedS3();
  const state = memoryArchiveState();
  const writer = archiveWriter({ s3: vs.s3, bucket: 'bench', state, now: () => new Date(vs.now) });
  let seq = 1_000_000;
  let tenant = '';
  let dt = '';
  for (const batch of batches) {
    if (!tenant) {
      tenant = batch[0]!.tenant;
      dt = batch[0]!.event_time.slice(0, 10);
      vs.now = Date.parse(`${dt}T00:00:00Z`) + 3 * 86_400_000;
    }
    const records = batch.map((e) => ({ ...e, tenant, event_time: `${dt}${e.event_time.slice(10)}` }))
      .map((event) => ({ seq: String((seq += 3)), pk: `${event.source_id}#${event.event_uid}`, event }));
    await writer.archive({ stream: 'arn:aws:dynamodb:us-east-1:000000000000:table/bench/stream/x', records });
  }
  const prefix = `events/tenant=${tenant}/dt=${dt}/`;
  const before = vs.current(prefix).size;
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.memoryUsage.rss();
  let peak = start;
  const startHeap = process.memoryUsage().heapUsed;
  let peakHeap = startHeap;
  const gc = (globalThis as { gc?: () => void }).gc;
  let peakLive = 0;
  let lastGc = 0;
  const send = vs.s3.send;
  vs.s3.send = ((...args: Parameters<typeof send>) => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    if (o.live && gc && performance.now() - lastGc > 1000) {
      // The mock client's stub records every call it answers (arguments and results): forgotten
      // here, so that what is measured is the compactor's heap, not the recording's.
      (send as unknown as { resetHistory?: () => void }).resetHistory?.();
      gc(); lastGc = performance.now(); peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
    }
    return send.apply(vs.s3, args);
  }) as typeof send;
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await compactor({ s3: vs.s3, bucket: 'bench', state, now: () => vs.now }).compactTenant(tenant, { day: dt });
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  peak = Math.max(peak, process.memoryUsage.rss());
  vs.s3.send = send;
  const d = r.days[0];
  if (!d) throw new Error('bench: nothing was compacted');
  const v = await archiveVerifier({ s3: vs.s3, bucket: 'bench', state }).verifyTenant(tenant);
  return {
    objects_before: before, objects_after: vs.current(prefix).size, rows: d.rows,
    parquet_bytes_in: d.bytesIn, parquet_bytes_out: d.bytesOut,
    ms: Math.round(ms), ms_per_object: +(ms / before).toFixed(2), ms_per_mb: Math.round(ms / (d.bytesIn / 1024 ** 2)),
    rows_per_second: Math.round(d.rows / (ms / 1000)), cpu_ms: Math.round(cpuMs), rows_per_cpu_second: Math.round(d.rows / (cpuMs / 1000)), peak_rss_mb: mb(peak), peak_rss_over_start_mb: mb(peak - start), peak_heap_mb: mb(peakHeap), start_heap_mb: mb(startHeap), ...(o.live ? { peak_live_heap_mb: mb(peakLive) } : {}),
    verify_findings: v.findings.length,
  };
}

/** Archives `events` (one tenant, one day) in batches of `perObject`, then compacts the day. */
export function measureCompaction(events: readonly AuthEvent[], perObject: number, compactor?: CompactorFactory): Promise<CompactionMeasure> {
  return measureBatches((function* () { for (let i = 0; i < events.length; i += perObject) yield events.slice(i, i + perObject); })(), compactor);
}

/**
 * A tenant-day of Okta events as the archiver sees them at `perSecond` across `tenants` (one
 * tenant's share, in time order), made batch by batch: events like bench/archive.ts's (the
 * fixtures normalized, ids and users varied), each `event_uid` unique.
 */
export function* tenantDay(o: { rows: number; perObject: number; tenants?: number; perSecond?: number; day?: string }): Generator<AuthEvent[]> {
  const make = oktaEventMaker();
  const start = Date.parse(`${o.day ?? '2026-11-20'}T00:00:00Z`);
  // One tenant's events: `perSecond / tenants` a second, spread over the day (or less when scaled down).
  const step = Math.min((1000 * (o.tenants ?? 5)) / (o.perSecond ?? 200), 86_399_000 / o.rows);
  for (let i = 0; i < o.rows;) {
    const batch: AuthEvent[] = [];
    for (const end = Math.min(o.rows, i + o.perObject); i < end; i++) {
      const e = make(i, start + Math.floor(i * step), 'tenant0');
      if (e) batch.push(e);
    }
    yield batch;
  }
}

/**
 * Objects per closed tenant-day at a steady load: before, one per archiver batch that holds the
 * tenant (every batch, at these rates); after, one per `sizeCap` of the day's Parquet (the merge
 * streams: no row count bounds an object). `parquetBytesPerEvent` is what the small objects take;
 * the merged object takes less (it compresses better), so this errs high.
 */
export function objectsPerTenantDay(o: { eventsPerSecond: number; tenants: number; batchesPerDay: number; parquetBytesPerEvent: number; sizeCap?: number }) {
  const cap = o.sizeCap ?? DEFAULT_SIZE_CAP;
  const events = (o.eventsPerSecond * 86_400) / o.tenants;
  const bytes = events * o.parquetBytesPerEvent;
  return {
    events_per_tenant_day: Math.round(events), parquet_mb_per_tenant_day: Math.round(bytes / 1024 ** 2), before: Math.round(o.batchesPerDay),
    after: Math.max(1, Math.ceil(bytes / cap)), size_cap_mb: cap / 1024 ** 2, max_rows: 'any number of' as const,
  };
}

/** The busy tenant-day: 5 tenants at 200 events/s, one tenant's day, in objects of 600 events. */
export const BUSY_TENANT_DAY = { tenants: 5, perSecond: 200, rows: (200 * 86_400) / 5, perObject: 600 };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, 'per-object': { type: 'string' }, live: { type: 'boolean' } } });
  const rows = values.rows ? Number(values.rows) : BUSY_TENANT_DAY.rows;
  const perObject = values['per-object'] ? Number(values['per-object']) : BUSY_TENANT_DAY.perObject;
  // --live: a full GC at most once a second during the compaction (slower), to see the heap it keeps.
  const m = await measureBatches(tenantDay({ ...BUSY_TENANT_DAY, rows, perObject }), archiveCompactor, { live: values.live ?? false });
  const full = BUSY_TENANT_DAY.rows;
  console.log(`compaction of one tenant-day of ${rows} rows (${full} at 5 tenants × 200 events/s${rows < full ? `: scaled down ×${(full / rows).toFixed(1)}` : ''}): ${m.objects_before} objects → ${m.objects_after}, ${(m.parquet_bytes_in / 1024 ** 2).toFixed(1)} MB → ${(m.parquet_bytes_out / 1024 ** 2).toFixed(1)} MB, ${m.ms} ms, ${m.rows_per_second} rows/s, ${m.rows_per_cpu_second} rows per CPU-second (the full day: ${Math.round(full / m.rows_per_second)} s, ${Math.round(full / m.rows_per_cpu_second)} s of CPU), peak RSS ${m.peak_rss_mb} MB (${m.peak_rss_over_start_mb} MB over the start), heap ${m.start_heap_mb} → ${m.peak_heap_mb} MB at most${m.peak_live_heap_mb !== undefined ? ` (${m.peak_live_heap_mb} MB live after GC)` : ''}; verify: ${m.verify_findings} findings`);
  console.log(JSON.stringify({ per_object: perObject, ...m, full_day_rows: full, full_day_seconds_at_this_rate: Math.round(full / m.rows_per_second), full_day_cpu_seconds: Math.round(full / m.rows_per_cpu_second) }));
}
