/**
 * `npm run scale`: the arithmetic of docs/SCALE.md — 100 tenants, 100 million events a day, a 10×
 * burst for an hour and a 30-day backfill, against the AWS limits they meet — from the benches'
 * measured figures (`bench/figures.json`), the deployed shape (`DEPLOYMENT` in scripts/cost.ts)
 * and the hot table's real key functions. It prints the document; `--write` writes docs/SCALE.md
 * (a unit test checks the file is this output).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { EMPTY_FIELDS, type AuthEvent } from '../lambdas/core/event.ts';
import { TIME_SHARDS, toItem } from '../lambdas/adapters/hot-store.ts';
import { DEFAULT_SIZE_CAP } from '../lambdas/core/compact.ts';
import { archiverBatch, DEPLOYMENT, hotTableBytes, loadInputs, streamShards, tenantsIn, type Deployment, type Figures } from './cost.ts';

/** The scenario. */
export const SCENARIO = {
  tenants: 100,
  eventsPerDay: 100e6,
  burstFactor: 10,
  burstHours: 1,
  backfillDays: 30,
  /** Assumed: a backfilled tenant's history arrives as fast as one tenant may write (the index's design point). */
  backfillEventsPerSecond: 10_000,
  /** Assumed: a tenant's users; the busiest (a shared or service account) has 1 % of its events. */
  usersPerTenant: 10_000,
  busiestUserShare: 0.01,
  /** A typical audit query: one tenant's MFA coverage over 30 days. */
  auditDays: 30,
} as const;

/** AWS limits the scenario meets (defaults of a fresh account, us-east-1). */
export const LIMITS = {
  /** The webhook API's stage throttle (infra/constructs/collector.ts): requests per second, burst 400. */
  apiRequestsPerSecond: 200,
  /** DynamoDB on-demand: default throughput quota per table (adjustable on request). */
  tableWriteUnitsPerSecond: 40_000,
  /** DynamoDB: one partition key (of the table or an index) takes about 1,000 write units a second. */
  keyWriteUnitsPerSecond: 1_000,
  /** Lambda: concurrent executions per account and Region (adjustable). */
  lambdaConcurrency: 1_000,
  /** DynamoDB Streams: readers per shard before reads are throttled. */
  readersPerShard: 2,
  /** S3: PUTs per second per prefix. */
  s3PutsPerPrefixPerSecond: 3_500,
} as const;

const GB = 2 ** 30;
const ceilUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/**
 * The busiest key's share of one tenant's day, from the real key functions: a day of synthetic
 * events (users as SCENARIO says) turned into hot items, their index keys counted.
 */
export function keyShares(n = 64_000): { timeKeys: number; busiestTimeKey: number; userKeys: number; busiestUserKey: number } {
  const time = new Map<string, number>();
  const user = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const busiest = i % Math.round(1 / SCENARIO.busiestUserShare) === 0;
    const e: AuthEvent = {
      ...EMPTY_FIELDS, tenant: 'tenant00', source_id: 'tenant00-okta', source: 'okta',
      event_uid: `evt-${i.toString(36)}-${(i * 7919).toString(36)}`,
      event_time: new Date(Date.parse('2026-11-20T00:00:00Z') + Math.floor((i * 86_400_000) / n)).toISOString(),
      ingest_time: '2026-11-20T00:00:01.000Z',
      user_email: busiest ? 'svc-sync@example.com' : `user${(i * 2_654_435_761) % SCENARIO.usersPerTenant}@example.com`,
    };
    const item = toItem(e, DEPLOYMENT.hotDays);
    for (const [m, k] of [[time, item['pk']], [user, item['uk']]] as const) m.set(k as string, (m.get(k as string) ?? 0) + 1);
  }
  return { timeKeys: time.size, busiestTimeKey: Math.max(...time.values()) / n, userKeys: user.size, busiestUserKey: Math.max(...user.values()) / n };
}

export interface Phase {
  name: string;
  eventsPerSecond: number;
  tenantEventsPerSecond: number;
  apiRequestsPerSecond: number | null;
  ingestConcurrency: number | null;
  tableWriteUnits: number;
  timeKeyWriteUnits: number;
  userKeyWriteUnits: number;
  shards: number;
  shardEventsPerSecond: number;
  archiverBatch: number;
  archiverAge: number;
  archiverConcurrency: number;
  detectorBatch: number;
  detectorAge: number;
  detectorConcurrency: number;
  objectsPerHour: number;
  busiestTenantObjectsPerDay: number;
}

export function scale(f: Figures, d: Deployment = { ...DEPLOYMENT }) {
  const S = SCENARIO;
  const avg = S.eventsPerDay / 86_400;
  const wu = f.run.write_units_per_event;
  // A tenant's day is the table's own key: an item's units land on its day's shard.
  const timeEntryUnits = ceilUnits(f.run.hot_item_bytes);
  const userEntryUnits = ceilUnits(f.run.index_entries['by_user']?.bytes ?? 0);
  const keys = keyShares();
  // The table's size, and so its partitions and stream shards, is set by the steady traffic over hotDays.
  const shards = streamShards(f, d, avg);
  const tableGb = hotTableBytes(f, d, avg) / GB;
  const ingestMs = f.run.ingest_cpu_ms_per_50_event_body * (d.webhookBatch / 50) + d.dynamoRoundTripMs * (1 + Math.ceil(d.webhookBatch / d.ingestPutConcurrency));

  const phase = (name: string, total: number, tenantRate: number, viaApi: boolean, backfillDays = false): Phase => {
    const perShard = total / shards;
    const batch = archiverBatch(f, perShard);
    const interval = batch / perShard;
    // The busiest tenant's events in a batch, and the days they fall on: its own traffic is live (a
    // batch spans midnight now and then), a backfill's walks through history at its pace.
    const share = tenantRate / total;
    const busiestIn = 1 - (1 - share) ** batch;
    const busiestDays = 1 + (interval * (backfillDays ? tenantRate : 0)) / (S.eventsPerDay / S.tenants) + interval / 86_400;
    const othersIn = tenantsIn(batch * (1 - share), S.tenants - 1);
    const inBatch = busiestIn + othersIn;
    const objectsPerBatch = busiestIn * busiestDays + othersIn * (1 + interval / 86_400);
    const archiverMs = f.archive.parquet_encode_ms_per_3158_event_batch * (batch / 3158) + (objectsPerBatch + inBatch) * d.s3PutMs + 3 * d.dynamoRoundTripMs;
    const detectorBatch = Math.max(1, Math.min(d.detectorBatch, perShard * d.detectorWindowSeconds));
    const detectorInterval = detectorBatch / perShard;
    const detectorMs = f.detect.ms_per_500_event_batch * (detectorBatch / 500) + 2 * d.dynamoRoundTripMs;
    return {
      name,
      eventsPerSecond: total,
      tenantEventsPerSecond: tenantRate,
      apiRequestsPerSecond: viaApi ? total / d.webhookBatch : null,
      ingestConcurrency: viaApi ? (total / d.webhookBatch) * (ingestMs / 1000) : null,
      tableWriteUnits: total * wu,
      timeKeyWriteUnits: tenantRate * keys.busiestTimeKey * timeEntryUnits,
      userKeyWriteUnits: tenantRate * keys.busiestUserKey * userEntryUnits,
      shards,
      shardEventsPerSecond: perShard,
      archiverBatch: batch,
      // A record waits at most the batch's filling time, then the batch's processing.
      archiverAge: interval + archiverMs / 1000,
      archiverConcurrency: shards * Math.min(1, archiverMs / 1000 / interval),
      detectorBatch,
      detectorAge: detectorInterval + detectorMs / 1000,
      detectorConcurrency: shards * Math.min(1, detectorMs / 1000 / detectorInterval),
      objectsPerHour: (shards * 3600 / interval) * objectsPerBatch,
      // Objects a day of the busiest tenant's events ends with: its batches over the days they cover.
      busiestTenantObjectsPerDay: (shards * busiestIn * busiestDays * (S.eventsPerDay / S.tenants)) / (interval * tenantRate),
    };
  };
  const steady = phase('steady', avg, avg / S.tenants, true);
  const burst = phase(`${S.burstFactor}× burst (an hour)`, avg * S.burstFactor, (avg * S.burstFactor) / S.tenants, true);
  const backfill = phase(`${S.backfillDays}-day backfill of one tenant`, avg + S.backfillEventsPerSecond, S.backfillEventsPerSecond, false, true);
  const backfillEvents = S.backfillDays * (S.eventsPerDay / S.tenants);

  const objectsPerDay = steady.objectsPerHour * 24;
  const tenantDayEvents = S.eventsPerDay / S.tenants;
  // A closed tenant-day after compaction: one object per size cap of its Parquet (the merge streams:
  // no row count bounds an object; the small objects' bytes per event, which errs high).
  const compactedPerTenantDay = Math.max(1, Math.ceil((tenantDayEvents * f.archive.parquet_bytes_per_event) / DEFAULT_SIZE_CAP));
  const auditEvents = S.auditDays * tenantDayEvents;
  const audit = {
    events: auditEvents,
    bytesWithoutRaw: auditEvents * f.archive.parquet_bytes_per_event_without_raw,
    bytesWithRaw: auditEvents * f.archive.parquet_bytes_per_event,
    objectsBefore: S.auditDays * (objectsPerDay / S.tenants),
    objectsAfter: S.auditDays * compactedPerTenantDay,
  };

  // Where each limit is reached, in total events a second (the burst's tenant mix).
  const limits = [
    { limit: `DynamoDB on-demand table quota (${LIMITS.tableWriteUnitsPerSecond.toLocaleString('en-US')} write units/s, adjustable)`, at: LIMITS.tableWriteUnitsPerSecond / wu },
    { limit: `webhook API stage throttle (${LIMITS.apiRequestsPerSecond} requests/s of ${d.webhookBatch} events)`, at: LIMITS.apiRequestsPerSecond * d.webhookBatch },
    { limit: `one tenant's day key (${LIMITS.keyWriteUnitsPerSecond.toLocaleString('en-US')} write units/s), all traffic from one tenant`, at: LIMITS.keyWriteUnitsPerSecond / (keys.busiestTimeKey * timeEntryUnits) },
    { limit: `the busiest user's key (${Math.round(S.busiestUserShare * 100)} % of its tenant's events), all traffic from one tenant`, at: LIMITS.keyWriteUnitsPerSecond / (keys.busiestUserKey * userEntryUnits) },
    { limit: `Lambda concurrency for the ingest function (${LIMITS.lambdaConcurrency.toLocaleString('en-US')} per account)`, at: (LIMITS.lambdaConcurrency / (ingestMs / 1000)) * d.webhookBatch },
  ].sort((a, b) => a.at - b.at);

  return { avg, shards, tableGb, ingestMs, keys, steady, burst, backfill, backfillEvents, objectsPerDay, compactedPerTenantDay, audit, limits, wu, timeEntryUnits, userEntryUnits };
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const n1 = (x: number) => (x >= 100 ? n0(x) : x.toLocaleString('en-US', { maximumFractionDigits: 1 }));
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const bytes = (b: number) => (b >= GB * 1024 ? `${(b / GB / 1024).toFixed(1)} TiB` : b >= GB ? `${(b / GB).toFixed(1)} GiB` : `${Math.round(b / 2 ** 20)} MiB`);

export function renderScale(f: Figures, d: Deployment = { ...DEPLOYMENT }): string {
  const r = scale(f, d);
  const S = SCENARIO;
  const phases = [r.steady, r.burst, r.backfill];
  const row = (label: string, cells: string[]) => `| ${label} | ${cells.join(' | ')} |`;
  const cell = (x: number | null, fmt: (x: number) => string = n1) => (x === null ? '— (pull)' : fmt(x));
  const first = r.limits[0]!;
  const next = r.limits[1];
  const apiFirst = first.limit.startsWith('webhook API');
  const short = { hotDays: 7, r: scale(f, { ...d, hotDays: 7 }) };
  const keepsUp = phases.every((p) => p.archiverConcurrency < p.shards && p.detectorConcurrency < p.shards);
  return `# Scale on paper: 100 tenants, 100 million events a day

<!-- Generated by \`npm run scale -- --write\` (scripts/scale.ts) from bench/figures.json: do not edit by hand. -->

The arithmetic of a large deployment, from the figures the benches measured (\`bench/figures.json\`:
run ${f.run.date}, archive ${f.archive.date}, detect ${f.detect.date}), the deployed shape
(\`scripts/cost.ts\`: webhook bodies of ${d.webhookBatch} events, \`hotDays\` ${d.hotDays}, an archiver batch per stream
shard every ${f.archive.batching.window_seconds} s or ${f.archive.batching.max_records.toLocaleString('en-US')} records or 6 MB, a detector batch of ${d.detectorBatch} or ${d.detectorWindowSeconds} s) and the hot table's real
key functions (\`lambdas/adapters/hot-store.ts\`). \`npm run cost\` prices the same model.

**The scenario.** ${S.tenants} tenants share ${n0(S.eventsPerDay)} events a day evenly: ${n1(r.avg)} events/s on average,
${n1(r.avg / S.tenants)} per tenant. A ${S.burstFactor}× burst lasts ${S.burstHours === 1 ? 'an hour' : `${S.burstHours} hours`} (after an outage, vendors deliver what they held).
A new tenant's ${S.backfillDays}-day history (${n0(r.backfillEvents)} events at this tenant size) is pulled at
${n0(S.backfillEventsPerSecond)} events/s (an assumption: the pace one tenant's keys are designed for), on top of the steady traffic;
it takes ${n0(r.backfillEvents / S.backfillEventsPerSecond / 60)} minutes at that pace.

## Per phase

| | ${phases.map((p) => p.name).join(' | ')} |
|---|---:|---:|---:|
${row('events/s, all tenants', phases.map((p) => n1(p.eventsPerSecond)))}
${row('events/s of the busiest tenant', phases.map((p) => n1(p.tenantEventsPerSecond)))}
${row(`webhook requests/s (stage throttle ${LIMITS.apiRequestsPerSecond}/s)`, phases.map((p) => cell(p.apiRequestsPerSecond)))}
${row(`ingest Lambda concurrency (~${Math.round(r.ingestMs)} ms a body)`, phases.map((p) => cell(p.ingestConcurrency)))}
${row(`hot-table write units/s (${r.wu} per event; table quota ${n0(LIMITS.tableWriteUnitsPerSecond)})`, phases.map((p) => n0(p.tableWriteUnits)))}
${row(`busiest day key (table), write units/s (of ${n0(LIMITS.keyWriteUnitsPerSecond)})`, phases.map((p) => n1(p.timeKeyWriteUnits)))}
${row(`busiest user key, write units/s (of ${n0(LIMITS.keyWriteUnitsPerSecond)})`, phases.map((p) => n1(p.userKeyWriteUnits)))}
${row('stream shards (modelled)', phases.map((p) => n0(p.shards)))}
${row('events/s per shard', phases.map((p) => n1(p.shardEventsPerSecond)))}
${row('archiver: events per batch', phases.map((p) => n0(p.archiverBatch)))}
${row('archiver: iterator age, s (at most)', phases.map((p) => n0(p.archiverAge)))}
${row('archiver: mean concurrency', phases.map((p) => n1(p.archiverConcurrency)))}
${row('detector: events per batch', phases.map((p) => n1(p.detectorBatch)))}
${row('detector: iterator age, s (at most)', phases.map((p) => n1(p.detectorAge)))}
${row('detector: mean concurrency', phases.map((p) => n1(p.detectorConcurrency)))}
${row('archive objects per hour (before compaction)', phases.map((p) => n0(p.objectsPerHour)))}
${row('objects per day of the busiest tenant\'s events, at this pace (before compaction)', phases.map((p) => n0(p.busiestTenantObjectsPerDay)))}

**Lambda concurrency.** The ingest function needs few instances: ${n1(r.burst.ingestConcurrency!)} at the burst's peak.
The stream consumers run one batch per shard at a time (parallelization factor 1), so each may
reach ${n0(r.shards)} instances at once, the archiver and the detector together ${n0(2 * r.shards)} —
above the account's default ${n0(LIMITS.lambdaConcurrency)} if every shard's batch came due together. On average they hold
${n1(r.steady.archiverConcurrency + r.steady.detectorConcurrency)} (steady) to ${n1(r.burst.archiverConcurrency + r.burst.detectorConcurrency)} (burst), because each shard carries little.

**DynamoDB partitions and keys.** The base table's partition key is a tenant's day and one of
${TIME_SHARDS} write shards (the shard a hash of the event's id), so a tenant's day spreads over ${TIME_SHARDS} keys; on ${n0(64_000)} synthetic events the busiest of the ${r.keys.timeKeys}
keys took ${pct(r.keys.busiestTimeKey)} of the day (an even spread is ${pct(1 / TIME_SHARDS)}), so the backfill's ${n0(S.backfillEventsPerSecond)}
events/s write ${n1(r.backfill.timeKeyWriteUnits)} units/s to it (${r.timeEntryUnits} unit an item). The user index has a key per user (${n0(r.keys.userKeys)} here); the
busiest user (${pct(r.keys.busiestUserKey)} of the events) takes ${n1(r.backfill.userKeyWriteUnits)} units/s during the backfill. The hot table holds
${bytes(r.tableGb * GB)} of base items at \`hotDays\` ${d.hotDays}: at least ${n0(r.shards)} partitions by size (a partition holds ~${d.partitionGb} GB), far more than
the ${n0(Math.ceil(r.steady.tableWriteUnits / d.partitionWriteUnits))}–${n0(Math.ceil(r.burst.tableWriteUnits / d.partitionWriteUnits))} the write units alone need. The table's on-demand quota is the closer limit: the burst needs
${n0(r.burst.tableWriteUnits)} write units/s and the backfill ${n0(r.backfill.tableWriteUnits)}, against ${n0(LIMITS.tableWriteUnitsPerSecond)} by default; and an on-demand table takes
up to double its previous peak at once, beyond which it may throttle while capacity is added — a ${S.burstFactor}× burst is beyond it.

**Stream shards and iterator age.** DynamoDB Streams keeps about a shard per table partition, so the
stream has about ${n0(r.shards)} shards and each carries ${n1(r.steady.shardEventsPerSecond)} events/s (${n1(r.burst.shardEventsPerSecond)} in the burst). An archiver batch waits
for its ${f.archive.batching.window_seconds} s window: the archiver's iterator age stays near ${n0(r.steady.archiverAge)} s in every phase${keepsUp ? ` and does not grow,
as each batch takes a fraction of its window to write` : `, and grows where a batch takes longer to write than its window`}. The detector's stays under ${n0(Math.max(r.steady.detectorAge, r.burst.detectorAge, r.backfill.detectorAge) + 1)} s. The archiver
and the detector are the stream's ${LIMITS.readersPerShard} readers per shard; the forwarder, when deployed, is a third.

**S3 objects per day.** Each shard's batch writes one object per tenant-day in it and a digest per
tenant: ${n0(r.objectsPerDay)} objects a day on a steady day (${n0(S.eventsPerDay / r.objectsPerDay)} events each, ${n0(r.objectsPerDay / S.tenants)} per tenant-day), plus as
many digests. PUTs per prefix (a tenant's day) stay far below S3's ${n0(LIMITS.s3PutsPerPrefixPerSecond)}/s. The backfill alone leaves ${n0(r.backfill.busiestTenantObjectsPerDay)} objects for each
day of history (each shard's batch spans ${n1(1 + (f.archive.batching.window_seconds * S.backfillEventsPerSecond) / (S.eventsPerDay / S.tenants))} of its days). Compaction merges each closed tenant-day
(27 hours after it ends) into one object up to ${bytes(DEFAULT_SIZE_CAP)}, however many rows: a day of ${S.tenants} tenants then
ends as ${n0(S.tenants * r.compactedPerTenantDay)} objects (${n0(r.compactedPerTenantDay)} per tenant-day of ${n0(S.eventsPerDay / S.tenants)} events, about ${bytes((S.eventsPerDay / S.tenants) * f.archive.parquet_bytes_per_event)} of Parquet),
plus the digests that record the replacements.

**Athena bytes scanned per audit query.** A tenant's MFA coverage over ${S.auditDays} days reads ${n0(r.audit.events)} events.
Parquet is read by column: every column but \`raw\` is ${f.archive.parquet_bytes_per_event_without_raw} bytes an event (${f.archive.parquet_codec} in this bench's
runtime), so such a query scans at most ${bytes(r.audit.bytesWithoutRaw)} ($${(r.audit.bytesWithoutRaw / 1e12 * 5).toFixed(4)} at $5 per TB); one that reads \`raw\` too,
${bytes(r.audit.bytesWithRaw)} (${f.archive.parquet_bytes_per_event} bytes an event). Before compaction it would open ${n0(r.audit.objectsBefore)} objects; compacted, ${n0(r.audit.objectsAfter)}
(the last day or two, not yet closed, add theirs). The object count, not the bytes, is what makes an uncompacted query slow.

## Where the first limit is

Each limit, in total events per second at which it is reached:

| limit | reached at events/s | steady ÷ limit | burst ÷ limit |
|---|---:|---:|---:|
${r.limits.map((l) => row(l.limit, [n0(l.at), (r.avg / l.at).toFixed(2), (r.burst.eventsPerSecond / l.at).toFixed(2)])).join('\n')}

The first is the **${first.limit}**, at ${n0(first.at)} events/s: the steady load uses
${Math.round((100 * r.avg) / first.at)} % of it, the burst ${Math.round((100 * r.burst.eventsPerSecond) / first.at)} %${apiFirst ? ' (the backfill reads the vendors\' APIs, not the webhook API)' : ` and the backfill (with the steady traffic) ${Math.round((100 * r.backfill.eventsPerSecond) / first.at)} %`}. ${apiFirst ? 'The burst' : 'Both the burst and\nthe backfill'} would be throttled there (what the intake cannot store after its retries it does not
acknowledge: a vendor redelivers it, a pull fetches it again), unless ${apiFirst ? 'the stage throttle is raised (the API is shared: a burst of one vendor takes it from all)' : `the quota is raised or the hot item shrinks (${r.wu} write units an event today)`}.
${next ? `The next is the ${next.limit}, at ${n0(next.at)} events/s. ` : ''}Beyond throughput, the first
cost-and-operations limit is the archive's object count before compaction: ${n0(r.objectsPerDay)} objects and as many
digests a day, because the stream has a shard per 10 GB of hot table — PUTs paid, and a day of small objects for queries and
\`verify\` until the compactor merges it 27 hours after it ends. The shard count follows the hot table's size: at \`hotDays\` ${short.hotDays}
the stream would have ${n0(short.r.shards)} shards and a steady day ${n0(short.r.objectsPerDay)} objects (${n0(short.r.objectsPerDay / S.tenants)} per tenant-day). Batching the archive
apart from the table's partitions would cut the PUTs as well; compaction cuts what stays.
`;
}

function main(): void {
  const { values } = parseArgs({ options: { write: { type: 'boolean', default: false } } });
  const { figures } = loadInputs();
  const doc = renderScale(figures);
  if (values.write) {
    writeFileSync(new URL('../docs/SCALE.md', import.meta.url), doc);
    console.log('docs/SCALE.md written');
  } else process.stdout.write(doc);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    console.error(`npm run scale: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
