/**
 * `npm run cost`: what a million events cost, priced from the benches' measured figures
 * (`bench/figures.json`, written by `bench/run.ts`, `bench/archive.ts`, `bench/detect.ts`) and the
 * price table (`bench/prices.json`, with its date), for 1, 5 and 50 tenants at 50 and 500 events/s
 * and 5 tenants at 200 events/s, line item by line item, beside the naive archive design (one S3
 * object per event, written as it arrives).
 *
 *   npm run cost                 a table (Markdown: the README's cost table is this output)
 *   npm run cost -- --json       one JSON object per case (tables billed on demand, the default)
 *   npm run cost -- --json --profile steady    …with the steady-traffic profile (provisioned, Standard-IA)
 *   npm run cost -- --hot-days 30
 *
 * What is measured and what is modelled: write and read units per event, item and index-entry
 * sizes, archive bytes per event, stream-record size, encoding and detector time come from the
 * benches; how many stream shards the hot table has, and so how many events an archiver batch
 * holds, is modelled (`streamShards`), as are the DynamoDB and S3 round-trip times in the Lambda
 * durations (`DEPLOYMENT`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export interface Figures {
  readonly run: {
    readonly date?: string;
    readonly hot_item_bytes: number;
    readonly hot_item_write_units: number;
    readonly index_entries: Readonly<Record<string, { readonly bytes: number; readonly write_units: number }>>;
    readonly write_units_per_event: number;
    readonly ingest_cpu_ms_per_50_event_body: number;
  };
  readonly archive: {
    readonly date?: string;
    readonly parquet_codec: string;
    readonly parquet_bytes_per_event: number;
    readonly parquet_bytes_per_event_without_raw: number;
    readonly parquet_encode_ms_per_3158_event_batch: number;
    readonly stream_record_bytes_per_event: number;
    readonly batching: { readonly window_seconds: number; readonly max_records: number; readonly max_bytes: number };
    /** The compactor on one tenant-day of small objects (bench/compaction.ts). */
    readonly compaction?: { readonly ms_per_object: number; readonly ms_per_mb: number };
    /** The bench's replay of the deployed batching on one stream shard. */
    readonly steady_load?: readonly { readonly tenants: number; readonly events_per_second: number; readonly s3_puts_per_million: number }[];
  };
  readonly detect: {
    readonly date?: string;
    readonly ms_per_500_event_batch: number;
    readonly state_read_units_per_event: number;
    readonly state_write_units_per_event: number;
  };
}

export interface Prices {
  readonly region: string;
  readonly date: string;
  readonly api_gateway_http_per_million_requests: number;
  readonly lambda_per_million_requests: number;
  readonly lambda_arm64_per_gb_second: number;
  readonly dynamodb_per_million_write_units: number;
  readonly dynamodb_per_million_read_units: number;
  readonly dynamodb_storage_per_gb_month: number;
  readonly dynamodb_pitr_per_gb_month: number;
  /** Provisioned capacity, per unit-hour, and the Standard-IA table class. */
  readonly dynamodb_provisioned_write_unit_hour: number;
  readonly dynamodb_provisioned_read_unit_hour: number;
  readonly dynamodb_ia_provisioned_write_unit_hour: number;
  readonly dynamodb_ia_provisioned_read_unit_hour: number;
  readonly dynamodb_ia_per_million_write_units: number;
  readonly dynamodb_ia_per_million_read_units: number;
  readonly dynamodb_ia_storage_per_gb_month: number;
  readonly s3_put_per_thousand: number;
  readonly s3_get_per_thousand: number;
  readonly s3_standard_per_gb_month: number;
  readonly athena_per_tb_scanned: number;
  readonly sns_per_million_publishes: number;
}

/** The deployed shape (infra/constructs) and the few assumed latencies the durations need. */
export const DEPLOYMENT = {
  /** Events per webhook request: vendors batch (an Okta event hook carries up to 50, others more). */
  webhookBatch: 50,
  ingestMemoryGb: 0.5,
  /** PutItems in flight per ingest invocation (hot-store.ts). */
  ingestPutConcurrency: 16,
  archiverMemoryGb: 1,
  compactorMemoryGb: 10,
  /** The compactor's cap on the Parquet bytes of one merged object (core/compact.ts: 256 MB, no row cap). */
  compactedBytes: 256 * 1024 * 1024,
  detectorMemoryGb: 0.5,
  detectorBatch: 500,
  detectorWindowSeconds: 5,
  /** `retention.hotDays`'s default. */
  hotDays: 90,
  /** Assumed: one DynamoDB request from Lambda in the same region. */
  dynamoRoundTripMs: 10,
  /** Assumed: one S3 PutObject of a small Parquet object. */
  s3PutMs: 40,
  /** Assumed: one S3 GetObject of a small Parquet object. */
  s3GetMs: 20,
  /** DynamoDB: a partition serves about 1,000 write units a second and holds about 10 GB. */
  partitionWriteUnits: 1000,
  partitionGb: 10,
  /** DynamoDB counts 100 bytes of overhead per stored item and per index entry. */
  itemOverheadBytes: 100,
  daysPerMonth: 30.4,
} as const;

export type Deployment = { -readonly [K in keyof typeof DEPLOYMENT]: number };

/**
 * How the tables are billed (the config's `capacity`): the default, and the profile for steady
 * traffic — provisioned capacity autoscaled to 70 % use for both tables, the hot table in the
 * Standard-IA class (its storage is most of what it costs once it holds `hotDays`).
 */
export interface Profile {
  /** `--profile` */
  readonly id: 'on-demand' | 'steady';
  readonly name: string;
  readonly billing: 'on-demand' | 'provisioned';
  readonly hotTableClass: 'standard' | 'standard-ia';
  /** Provisioned: the share of the paid capacity used on average (the autoscaling target). */
  readonly utilization: number;
}
export const PROFILES: readonly Profile[] = [
  { id: 'on-demand', name: 'on-demand (default)', billing: 'on-demand', hotTableClass: 'standard', utilization: 1 },
  { id: 'steady', name: 'steady traffic: `"capacity": {"billing": "provisioned", "hotTableClass": "standard-ia"}`', billing: 'provisioned', hotTableClass: 'standard-ia', utilization: 0.7 },
];

/** Dollars per million write and read units of a table under a profile (the hot table's class applies to it alone). */
export function unitPrices(p: Prices, profile: Profile, hot: boolean): { write: number; read: number } {
  const ia = hot && profile.hotTableClass === 'standard-ia';
  if (profile.billing === 'on-demand') {
    return ia ? { write: p.dynamodb_ia_per_million_write_units, read: p.dynamodb_ia_per_million_read_units } : { write: p.dynamodb_per_million_write_units, read: p.dynamodb_per_million_read_units };
  }
  // A unit-hour serves 3,600 units; autoscaling keeps `utilization` of what is paid for in use.
  const perMillion = (hourly: number) => (hourly / 3600) * MILLION / profile.utilization;
  return ia
    ? { write: perMillion(p.dynamodb_ia_provisioned_write_unit_hour), read: perMillion(p.dynamodb_ia_provisioned_read_unit_hour) }
    : { write: perMillion(p.dynamodb_provisioned_write_unit_hour), read: perMillion(p.dynamodb_provisioned_read_unit_hour) };
}

export const CASES: readonly { tenants: number; events_per_second: number }[] = [
  { tenants: 1, events_per_second: 50 },
  { tenants: 1, events_per_second: 500 },
  { tenants: 5, events_per_second: 50 },
  { tenants: 5, events_per_second: 200 },
  { tenants: 5, events_per_second: 500 },
  { tenants: 50, events_per_second: 50 },
  { tenants: 50, events_per_second: 500 },
];

/** The design target: all-in cost per million events of five tenants at 200 events a second. */
export const TARGET = { tenants: 5, events_per_second: 200, usd_per_million: 1.5 } as const;

const GB = 2 ** 30;
const MILLION = 1e6;

/** The line items, in the order they are printed, with their labels. */
export const LINE_ITEMS = {
  api_gateway: 'API Gateway HTTP API requests',
  ingest_lambda: 'ingest Lambda (requests + GB-s)',
  hot_writes: 'DynamoDB hot-table writes (item + index entries)',
  hot_reads: 'DynamoDB redelivery check (½ read unit/event)',
  hot_storage: 'DynamoDB hot-table storage for hotDays',
  hot_backups: 'DynamoDB point-in-time recovery for hotDays',
  archiver_lambda: 'archiver Lambda (requests + GB-s)',
  archiver_state: 'archiver commits (DynamoDB state table)',
  s3_puts: 'S3 PUTs (objects + digests)',
  s3_storage_month: 'S3 storage, first month (Parquet)',
  compaction: 'compactor (S3 reads and writes + Lambda)',
  detector_lambda: 'detector Lambda (requests + GB-s)',
  detector_state: 'detector state (DynamoDB reads + writes)',
  alerts: 'SNS alerts, alert archive',
} as const;
export type LineItem = keyof typeof LINE_ITEMS;

export interface CostCase {
  profile: string;
  tenants: number;
  events_per_second: number;
  usd_per_million: number;
  naive_usd_per_million: number;
  line_items: Record<LineItem, number>;
  volumes: {
    webhook_requests: number;
    write_units: number;
    stream_shards: number;
    events_per_archiver_batch: number;
    archiver_batches: number;
    s3_objects: number;
    s3_digests: number;
    objects_per_tenant_day: number;
    events_per_object: number;
    detector_invocations: number;
    hot_table_gb: number;
    archive_gb: number;
  };
  hot_days: number;
  prices_date: string;
  figures_dates: Record<string, string | undefined>;
}

/** Expected distinct tenants among `n` events spread evenly over `tenants`. */
export const tenantsIn = (n: number, tenants: number) => (tenants <= 1 ? 1 : tenants * (1 - (1 - 1 / tenants) ** n));

/** The hot table's base-item bytes once it holds `hotDays` of traffic (what partitions split on). */
export const hotTableBytes = (f: Figures, d: Deployment, eventsPerSecond: number) =>
  eventsPerSecond * 86_400 * d.hotDays * (f.run.hot_item_bytes + d.itemOverheadBytes);

/**
 * Stream shards: DynamoDB Streams keeps one shard per table partition, and a table has a partition
 * per ~1,000 write units a second and per ~10 GB stored, whichever needs more. Once the table
 * holds `hotDays` of traffic the size usually decides, and every shard is its own archiver and
 * detector queue: each batches only its share of the traffic.
 */
export function streamShards(f: Figures, d: Deployment, eventsPerSecond: number): number {
  const byWrites = Math.ceil((eventsPerSecond * f.run.hot_item_write_units) / d.partitionWriteUnits);
  const bySize = Math.ceil(hotTableBytes(f, d, eventsPerSecond) / (d.partitionGb * GB));
  return Math.max(1, byWrites, bySize);
}

/** Events in one archiver batch: what one shard delivers in the window, up to 10,000 records or 6 MB. */
export function archiverBatch(f: Figures, perShardRate: number): number {
  const b = f.archive.batching;
  return Math.max(1, Math.min(perShardRate * b.window_seconds, b.max_records, Math.floor(b.max_bytes / f.archive.stream_record_bytes_per_event)));
}

export function costCase(f: Figures, p: Prices, tenants: number, eventsPerSecond: number, d: Deployment = { ...DEPLOYMENT }, profile: Profile = PROFILES[0]!): CostCase {
  const hot = unitPrices(p, profile, true);
  const state = unitPrices(p, profile, false);
  const storagePrice = profile.hotTableClass === 'standard-ia' ? p.dynamodb_ia_storage_per_gb_month : p.dynamodb_storage_per_gb_month;
  const lambda = (invocations: number, ms: number, gb: number) =>
    (invocations * p.lambda_per_million_requests) / MILLION + invocations * (ms / 1000) * gb * p.lambda_arm64_per_gb_second;
  const months = d.hotDays / d.daysPerMonth;

  // Intake: one request and one invocation per webhook body.
  const requests = MILLION / d.webhookBatch;
  const ingestMs = f.run.ingest_cpu_ms_per_50_event_body * (d.webhookBatch / 50) + d.dynamoRoundTripMs * (1 + Math.ceil(d.webhookBatch / d.ingestPutConcurrency));
  const writeUnits = f.run.write_units_per_event * MILLION;
  const indexBytes = Object.values(f.run.index_entries).reduce((a, e) => a + e.bytes, 0);
  const baseGb = (MILLION * (f.run.hot_item_bytes + d.itemOverheadBytes)) / GB;
  const hotGb = baseGb + (MILLION * indexBytes) / GB;

  // The stream: each shard batches its own share of the traffic.
  const shards = streamShards(f, d, eventsPerSecond);
  const perShard = eventsPerSecond / shards;
  const batch = archiverBatch(f, perShard);
  const batchSeconds = batch / perShard;
  const batches = MILLION / batch;
  const inBatch = tenantsIn(batch, tenants);
  // One object per tenant-day in the batch (a batch spanning midnight writes two), one digest per tenant.
  const objects = batches * inBatch * (1 + batchSeconds / 86_400);
  const digests = batches * inBatch;
  const archiverMs = f.archive.parquet_encode_ms_per_3158_event_batch * (batch / 3158) + (objects / batches + digests / batches) * d.s3PutMs + 3 * d.dynamoRoundTripMs;
  // A commit is one transaction (2 write units per put) of the batch's heads and its pointer; then each head is marked published.
  const archiverWrites = batches * (2 * (inBatch + 1) + inBatch);
  const archiverReads = batches * (inBatch + 1);
  const archiveGb = (MILLION * f.archive.parquet_bytes_per_event) / GB;
  // After compaction: a million events' tenant-days, each split by the size cap.
  const tenantDays = (MILLION / (eventsPerSecond * 86_400)) * tenants;
  const merged = Math.max(tenantDays, (MILLION * f.archive.parquet_bytes_per_event) / d.compactedBytes);
  // Its time: decoding, sorting and encoding as the bench measured it per MB read, plus the GETs
  // of the small objects (16 in flight).
  const compactorMs = (f.archive.compaction?.ms_per_mb ?? 0) * archiveGb * 1024 + (objects / 16) * d.s3GetMs;

  const detectorBatch = Math.max(1, Math.min(d.detectorBatch, perShard * d.detectorWindowSeconds));
  const detectorInvocations = MILLION / detectorBatch;
  const detectorMs = f.detect.ms_per_500_event_batch * (detectorBatch / 500) + 2 * d.dynamoRoundTripMs;
  // The bench reads a user's state once per batch of 500; smaller batches share fewer reads: at most one per event.
  const detectorReadUnits = detectorBatch >= d.detectorBatch ? f.detect.state_read_units_per_event : Math.max(f.detect.state_read_units_per_event, 1);

  const line_items: Record<LineItem, number> = {
    api_gateway: (requests * p.api_gateway_http_per_million_requests) / MILLION,
    ingest_lambda: lambda(requests, ingestMs, d.ingestMemoryGb),
    hot_writes: (writeUnits * hot.write) / MILLION,
    // An eventually consistent read of an item under 4 KB: half a read unit.
    hot_reads: hot.read / 2,
    hot_storage: hotGb * months * storagePrice,
    hot_backups: baseGb * months * p.dynamodb_pitr_per_gb_month,
    archiver_lambda: lambda(batches, archiverMs, d.archiverMemoryGb),
    archiver_state: (archiverWrites * state.write + archiverReads * state.read) / MILLION,
    s3_puts: ((objects + digests) * p.s3_put_per_thousand) / 1000,
    s3_storage_month: archiveGb * p.s3_standard_per_gb_month,
    // Each small object read once and deleted (free); each merged object staged, read back, copied
    // into place (a PUT) and its digest written; the Lambda's time as the bench measured it.
    compaction: (objects * p.s3_get_per_thousand) / 1000 + merged * ((3 * p.s3_put_per_thousand + p.s3_get_per_thousand) / 1000)
      + lambda(merged, compactorMs / merged, d.compactorMemoryGb),
    detector_lambda: lambda(detectorInvocations, detectorMs, d.detectorMemoryGb),
    detector_state: detectorReadUnits * state.read + f.detect.state_write_units_per_event * state.write,
    // One publish and one small object per alert: a few per million events.
    alerts: 0,
  };
  const total = sum(Object.values(line_items));
  // The naive archive: every new event its own archiver invocation and its own object, no digests.
  const naiveArchive = lambda(MILLION, d.s3PutMs + d.dynamoRoundTripMs, d.archiverMemoryGb) + (MILLION * p.s3_put_per_thousand) / 1000;
  const naive = total - line_items.archiver_lambda - line_items.archiver_state - line_items.s3_puts + naiveArchive;
  const tenantDaysPerMillion = tenantDays;
  return {
    profile: profile.name,
    tenants,
    events_per_second: eventsPerSecond,
    usd_per_million: round(total),
    naive_usd_per_million: round(naive),
    line_items: Object.fromEntries(Object.entries(line_items).map(([k, v]) => [k, round(v)])) as Record<LineItem, number>,
    volumes: {
      webhook_requests: Math.round(requests),
      write_units: Math.round(writeUnits),
      stream_shards: shards,
      events_per_archiver_batch: Math.round(batch),
      archiver_batches: Math.round(batches),
      s3_objects: Math.round(objects),
      s3_digests: Math.round(digests),
      objects_per_tenant_day: Math.round(objects / tenantDaysPerMillion),
      events_per_object: Math.round(MILLION / objects),
      detector_invocations: Math.round(detectorInvocations),
      hot_table_gb: +hotGb.toFixed(2),
      archive_gb: +archiveGb.toFixed(3),
    },
    hot_days: d.hotDays,
    prices_date: p.date,
    figures_dates: { run: f.run.date, archive: f.archive.date, detect: f.detect.date },
  };
}

/**
 * The figures of the cheapest hot table that still keeps each event in DynamoDB for `hotDays`:
 * one write unit an event, the measured item, and no index at all (so no user path). Every other
 * line as measured. No design that keeps the events' investigation copy in the table costs less,
 * so when this floor misses the target, no change of key or index design alone can meet it.
 */
export const singleWriteFloor = (f: Figures): Figures => ({ ...f, run: { ...f.run, write_units_per_event: f.run.hot_item_write_units, index_entries: {} } });

/** The longest `hotDays` (up to `d.hotDays`) at which the target case meets the target, or 0 if none does. */
export function longestHotDays(f: Figures, p: Prices, d: Deployment, profile: Profile): number {
  let longest = 0;
  for (let days = 1; days <= d.hotDays; days++) {
    if (costCase(f, p, TARGET.tenants, TARGET.events_per_second, { ...d, hotDays: days }, profile).usd_per_million <= TARGET.usd_per_million) longest = days;
  }
  return longest;
}

/**
 * What a profile that misses the target would need: the floor above at the same `hotDays`, and
 * the `hotDays` at which the shipped design and the floor would meet it.
 */
export function targetNote(f: Figures, p: Prices, d: Deployment, profile: Profile): string {
  const c = costCase(f, p, TARGET.tenants, TARGET.events_per_second, d, profile);
  if (c.usd_per_million <= TARGET.usd_per_million) return '';
  const floor = costCase(singleWriteFloor(f), p, TARGET.tenants, TARGET.events_per_second, d, profile);
  const days = (n: number) => (n === 0 ? 'at no `hotDays`' : `up to \`hotDays\` ${n}`);
  return ` Billed this way, a hot table that writes each event once and has no index at all (so no user path) would still cost ${usd(floor.usd_per_million)} at \`hotDays\` ${d.hotDays}; it meets the target ${days(longestHotDays(singleWriteFloor(f), p, d, profile))}, the shipped design (a user index) ${days(longestHotDays(f, p, d, profile))}.`;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round = (x: number) => Math.round(x * 10_000) / 10_000;

export const usd = (x: number) => (x === 0 ? '—' : x < 0.001 ? '< $0.001' : x < 0.1 ? `$${x.toFixed(3)}` : `$${x.toFixed(2)}`);
const num = (x: number) => Math.round(x).toLocaleString('en-US');

/** The Markdown table: line items down, cases across. */
export function renderTable(cases: readonly CostCase[], p: Prices, note = ''): string {
  const head = ['per 1M events', ...cases.map((c) => `${c.tenants} tenant${c.tenants > 1 ? 's' : ''}, ${c.events_per_second}/s`)];
  const row = (label: string, cells: string[]) => `| ${label} | ${cells.join(' | ')} |`;
  const lines = [
    row(head[0]!, head.slice(1)),
    row('---', cases.map(() => '---:')),
    ...(Object.keys(LINE_ITEMS) as LineItem[]).map((k) => row(LINE_ITEMS[k], cases.map((c) => usd(c.line_items[k])))),
    row('**total**', cases.map((c) => `**${usd(c.usd_per_million)}**`)),
    row('naive archive (one object per event)', cases.map((c) => usd(c.naive_usd_per_million))),
    row('stream shards (modelled)', cases.map((c) => num(c.volumes.stream_shards))),
    row('events per archiver batch', cases.map((c) => num(c.volumes.events_per_archiver_batch))),
    row('S3 PUTs (objects + digests)', cases.map((c) => num(c.volumes.s3_objects + c.volumes.s3_digests))),
    row('objects per tenant-day', cases.map((c) => num(c.volumes.objects_per_tenant_day))),
  ];
  const target = cases.find((c) => c.tenants === TARGET.tenants && c.events_per_second === TARGET.events_per_second);
  const verdict = target ? ` ${TARGET.tenants} tenants at ${TARGET.events_per_second} events/s: ${usd(target.usd_per_million)} per million events, target ≤ ${usd(TARGET.usd_per_million)}: ${target.usd_per_million <= TARGET.usd_per_million ? 'met' : 'not met'}.` : '';
  return `Tables billed ${cases[0]?.profile}.\n\n${lines.join('\n')}\n\nPrices: ${p.region}, list prices of ${p.date}; hotDays ${cases[0]?.hot_days}; figures measured ${[...new Set(cases.flatMap((c) => Object.values(c.figures_dates)))].join(', ')}.${verdict}${note}`;
}

/** Every profile's table, one after the other (the README's cost tables). */
export const renderAll = (f: Figures, p: Prices, d: Deployment = { ...DEPLOYMENT }) =>
  PROFILES.map((profile) => renderTable(CASES.map((c) => costCase(f, p, c.tenants, c.events_per_second, d, profile)), p, targetNote(f, p, d, profile))).join('\n\n');

export function loadInputs(figuresFile: URL | string = new URL('../bench/figures.json', import.meta.url), pricesFile: URL | string = new URL('../bench/prices.json', import.meta.url)): { figures: Figures; prices: Prices } {
  const figures = JSON.parse(readFileSync(figuresFile, 'utf8')) as Figures;
  for (const b of ['run', 'archive', 'detect'] as const) {
    if (!figures[b]) throw new Error(`bench/figures.json has no figures of bench/${b}.ts: run \`node --import tsx bench/${b}.ts\` first`);
  }
  return { figures, prices: JSON.parse(readFileSync(pricesFile, 'utf8')) as Prices };
}

function main(): void {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, 'hot-days': { type: 'string' }, profile: { type: 'string' } } });
  const chosen = values.profile === undefined ? undefined : PROFILES.find((p) => p.id === values.profile);
  if (values.profile !== undefined && !chosen) throw new Error(`--profile takes ${PROFILES.map((p) => p.id).join(' or ')}, not ${values.profile}`);
  const hotDays = values['hot-days'] === undefined ? DEPLOYMENT.hotDays : Number(values['hot-days']);
  if (!Number.isInteger(hotDays) || hotDays < 1) throw new Error(`--hot-days must be a whole number of days ≥ 1, not ${values['hot-days']}`);
  const { figures, prices } = loadInputs();
  const d = { ...DEPLOYMENT, hotDays };
  if (values.json) {
    const profile = chosen ?? PROFILES[0]!;
    for (const k of CASES) {
      const c = costCase(figures, prices, k.tenants, k.events_per_second, d, profile);
      const floor = costCase(singleWriteFloor(figures), prices, k.tenants, k.events_per_second, d, profile);
      console.log(JSON.stringify({ tenants: c.tenants, events_per_second: c.events_per_second, usd_per_million: c.usd_per_million, profile: profile.id, ...c.line_items, naive_usd_per_million: c.naive_usd_per_million, single_write_floor_usd_per_million: floor.usd_per_million, volumes: c.volumes, hot_days: c.hot_days, prices_date: c.prices_date }));
    }
  } else console.log(chosen ? renderTable(CASES.map((k) => costCase(figures, prices, k.tenants, k.events_per_second, d, chosen)), prices, targetNote(figures, prices, d, chosen)) : renderAll(figures, prices, d));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    console.error(`npm run cost: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
