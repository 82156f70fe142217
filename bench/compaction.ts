/**
 * Compaction figures for bench/archive.ts: the real archiver writes one tenant-day as many small
 * objects (one per stream batch) into a versioned S3 in memory, the real compactor merges them
 * (read, check, sort, encode, stage, read back, commit, swap), timed; and the objects per closed
 * tenant-day before and after compaction at a steady load, from the batching replay and the
 * measured Parquet bytes per event.
 */
import { performance } from 'node:perf_hooks';
import { archiveCompactor } from '../lambdas/adapters/archive-compact.ts';
import { memoryArchiveState } from '../lambdas/adapters/archive-state.ts';
import { archiveWriter } from '../lambdas/adapters/archive-writer.ts';
import { archiveVerifier } from '../lambdas/adapters/archive-verify.ts';
import { DEFAULT_MAX_ROWS, DEFAULT_SIZE_CAP } from '../lambdas/core/compact.ts';
import type { AuthEvent } from '../lambdas/core/event.ts';
import { versionedS3 } from '../test/helpers/versioned-s3.ts';

export interface CompactionMeasure {
  readonly objects_before: number;
  readonly objects_after: number;
  readonly rows: number;
  readonly parquet_bytes_in: number;
  readonly parquet_bytes_out: number;
  readonly ms: number;
  readonly ms_per_object: number;
  readonly ms_per_mb: number;
  /** Findings of `verify` after the compaction (0). */
  readonly verify_findings: number;
}

/** Archives `events` (one tenant, one day) in batches of `perObject`, then compacts the day. */
export async function measureCompaction(events: readonly AuthEvent[], perObject: number): Promise<CompactionMeasure> {
  const tenant = events[0]!.tenant;
  const dt = events[0]!.event_time.slice(0, 10);
  const same = events.map((e) => ({ ...e, tenant, event_time: `${dt}${e.event_time.slice(10)}` }));
  const vs = versionedS3();
  vs.now = Date.parse(`${dt}T00:00:00Z`) + 3 * 86_400_000;
  const state = memoryArchiveState();
  const writer = archiveWriter({ s3: vs.s3, bucket: 'bench', state, now: () => new Date(vs.now) });
  let seq = 1_000_000;
  for (let i = 0; i < same.length; i += perObject) {
    const records = same.slice(i, i + perObject).map((event) => ({ seq: String((seq += 3)), pk: `${event.source_id}#${event.event_uid}`, event }));
    await writer.archive({ stream: 'arn:aws:dynamodb:us-east-1:000000000000:table/bench/stream/x', records });
  }
  const prefix = `events/tenant=${tenant}/dt=${dt}/`;
  const before = vs.current(prefix);
  const t = performance.now();
  const r = await archiveCompactor({ s3: vs.s3, bucket: 'bench', state, now: () => vs.now }).compactTenant(tenant, { day: dt });
  const ms = performance.now() - t;
  const d = r.days[0];
  if (!d) throw new Error('bench: nothing was compacted');
  const v = await archiveVerifier({ s3: vs.s3, bucket: 'bench', state }).verifyTenant(tenant);
  return {
    objects_before: before.size, objects_after: vs.current(prefix).size, rows: d.rows,
    parquet_bytes_in: d.bytesIn, parquet_bytes_out: d.bytesOut,
    ms: Math.round(ms), ms_per_object: +(ms / before.size).toFixed(2), ms_per_mb: Math.round(ms / (d.bytesIn / 1024 ** 2)),
    verify_findings: v.findings.length,
  };
}

/**
 * Objects per closed tenant-day at a steady load: before, one per archiver batch that holds the
 * tenant (every batch, at these rates); after, one per `sizeCap` of the day's Parquet or
 * `maxRows` of its rows, whichever gives more.
 */
export function objectsPerTenantDay(o: { eventsPerSecond: number; tenants: number; batchesPerDay: number; parquetBytesPerEvent: number; sizeCap?: number; maxRows?: number }) {
  const cap = o.sizeCap ?? DEFAULT_SIZE_CAP;
  const maxRows = o.maxRows ?? DEFAULT_MAX_ROWS;
  const events = (o.eventsPerSecond * 86_400) / o.tenants;
  const bytes = events * o.parquetBytesPerEvent;
  return {
    events_per_tenant_day: Math.round(events), parquet_mb_per_tenant_day: Math.round(bytes / 1024 ** 2), before: Math.round(o.batchesPerDay),
    after: Math.max(1, Math.ceil(bytes / cap), Math.ceil(events / maxRows)), size_cap_mb: cap / 1024 ** 2, max_rows: maxRows,
  };
}
