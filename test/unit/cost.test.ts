import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CASES, costCase, DEPLOYMENT, LINE_ITEMS, loadInputs, longestHotDays, PROFILES, renderAll, singleWriteFloor, streamShards, targetNote, TARGET, tenantsIn, unitPrices, type Figures, type Prices } from '../../scripts/cost.ts';

// Round numbers so every expectation below can be worked out by hand.
const figures: Figures = {
  run: { hot_item_bytes: 924, hot_item_write_units: 1, index_entries: { by_time: { bytes: 1024, write_units: 1 } }, write_units_per_event: 2, ingest_cpu_ms_per_50_event_body: 10 },
  archive: { parquet_codec: 'GZIP', parquet_bytes_per_event: 100, parquet_bytes_per_event_without_raw: 30, parquet_encode_ms_per_3158_event_batch: 3158, stream_record_bytes_per_event: 1000, batching: { window_seconds: 300, max_records: 10_000, max_bytes: 6_000_000 } },
  detect: { ms_per_500_event_batch: 50, state_read_units_per_event: 0.5, state_write_units_per_event: 0.2 },
};
const prices: Prices = {
  region: 'us-east-1', date: '2026-11',
  api_gateway_http_per_million_requests: 1, lambda_per_million_requests: 0.2, lambda_arm64_per_gb_second: 0.00001,
  dynamodb_per_million_write_units: 1, dynamodb_per_million_read_units: 0.5, dynamodb_storage_per_gb_month: 0.25,
  dynamodb_pitr_per_gb_month: 0.2,
  dynamodb_provisioned_write_unit_hour: 0.0036, dynamodb_provisioned_read_unit_hour: 0.0018, dynamodb_ia_provisioned_write_unit_hour: 0.0072, dynamodb_ia_provisioned_read_unit_hour: 0.0036,
  dynamodb_ia_per_million_write_units: 2, dynamodb_ia_per_million_read_units: 1, dynamodb_ia_storage_per_gb_month: 0.1,
  s3_put_per_thousand: 0.005, s3_get_per_thousand: 0.0004, s3_standard_per_gb_month: 0.02, athena_per_tb_scanned: 5, sns_per_million_publishes: 0.5,
};
// One day in the hot table, one "month" of one day: storage is priced for exactly one month.
const short = { ...DEPLOYMENT, hotDays: 1, daysPerMonth: 1 };
const GB_PER_MILLION_KB = 1e6 * 1024 / 2 ** 30; // 0.95367… GB

describe('npm run cost: the arithmetic', () => {
  const c = costCase(figures, prices, 1, 10, short);

  it('prices each line item from the figures and the price table', () => {
    assert.equal(c.line_items.api_gateway, 0.02); // 20,000 requests at $1 per million
    // 20,000 invocations × $0.2/M = $0.004; each 10 ms CPU + 5 round trips of 10 ms = 60 ms at 0.5 GB: 600 GB-s × $0.00001 = $0.006
    assert.equal(c.line_items.ingest_lambda, 0.01);
    assert.equal(c.line_items.hot_writes, 2); // 2 write units per event at $1 per million
    assert.equal(c.line_items.hot_reads, 0.25); // half a read unit per event (eventually consistent) at $0.5 per million
    // base items (924 + 100 bytes) and index entries (1,024 bytes): 2 × 0.95367 GB for one month at $0.25
    assert.equal(c.line_items.hot_storage, Math.round(2 * GB_PER_MILLION_KB * 0.25 * 1e4) / 1e4);
    assert.equal(c.line_items.hot_backups, Math.round(GB_PER_MILLION_KB * 0.2 * 1e4) / 1e4);
    // A 50-event detector batch (10/s × 5 s) shares no reads: 1 read unit per event × $0.5 + 0.2 × $1
    assert.equal(c.line_items.detector_state, 0.7);
    // A full 500-event batch (100/s × 5 s) reads as the bench measured: 0.5 × $0.5 + 0.2 × $1
    assert.equal(costCase(figures, prices, 1, 100, short).line_items.detector_state, 0.45);
    assert.equal(c.line_items.s3_storage_month, Math.round((1e8 / 2 ** 30) * 0.02 * 1e4) / 1e4);
  });

  it('batches the archive by the window: 10 events/s × 300 s = 3,000 events a batch, one object and one digest each', () => {
    assert.equal(c.volumes.stream_shards, 1);
    assert.equal(c.volumes.events_per_archiver_batch, 3000);
    assert.equal(c.volumes.archiver_batches, 333);
    // 333.3 batches × (1 + 300/86,400 for the batches that span midnight) = 334.5 objects, 333.3 digests
    assert.equal(c.volumes.s3_objects, 334);
    assert.equal(c.volumes.s3_digests, 333);
    assert.equal(c.line_items.s3_puts, Math.round(((1e6 / 3000) * (2 + 300 / 86_400)) * 0.005 / 1000 * 1e4) / 1e4);
    // a day at 10 events/s is 864,000 events: 1e6 events are 1.157 tenant-days, 334.5 objects → 289 per tenant-day
    assert.equal(c.volumes.objects_per_tenant_day, 289);
  });

  it('caps a batch at 6 MB of stream records and at 10,000 records', () => {
    assert.equal(costCase(figures, prices, 1, 100, short).volumes.events_per_archiver_batch, 6000); // 6,000,000 / 1,000 bytes
    const small = { ...figures, archive: { ...figures.archive, stream_record_bytes_per_event: 100 } };
    assert.equal(costCase(small, prices, 1, 100, short).volumes.events_per_archiver_batch, 10_000);
  });

  it('prices the steady-traffic profile: provisioned unit-hours at 70 % use, the hot table in Standard-IA', () => {
    const [onDemand, steady] = PROFILES;
    // $0.0036 a unit-hour = $1 per million units at full use; 70 % use pays for 1/0.7 as many.
    assert.deepEqual(unitPrices(prices, steady!, false), { write: 1 / 0.7, read: 0.5 / 0.7 });
    assert.deepEqual(unitPrices(prices, steady!, true), { write: 2 / 0.7, read: 1 / 0.7 });
    assert.deepEqual(unitPrices(prices, onDemand!, true), { write: 1, read: 0.5 });
    const p = costCase(figures, prices, 1, 10, short, steady);
    assert.equal(p.line_items.hot_writes, Math.round((2 * 2 / 0.7) * 1e4) / 1e4);
    assert.equal(p.line_items.hot_storage, Math.round(2 * GB_PER_MILLION_KB * 0.1 * 1e4) / 1e4, 'Standard-IA storage');
    assert.equal(p.line_items.hot_backups, c.line_items.hot_backups, 'backups cost the same in either class');
    assert.equal(p.profile, steady!.name);
  });

  it('prices the compactor: each small object read once, each merged object staged, read back, copied and recorded, and its time', () => {
    // 334.5 small objects; max(1.157 tenant-days, a million events' Parquet / 256 MB) = 1.157 merged objects (no
    // row cap); no bench time here, so the Lambda's time is the GETs: 334.5 / 16 × 20 ms over 1.157 invocations at 10 GB.
    const merged = 1e6 / (10 * 86_400);
    const expected = (334.49 * 0.0004) / 1000 + merged * ((3 * 0.005 + 0.0004) / 1000) + (merged * 0.2) / 1e6 + ((334.49 / 16) * 20 / 1000) * 10 * 0.00001;
    assert.ok(Math.abs(c.line_items.compaction - expected) < 0.00006, `${c.line_items.compaction} vs ${expected}`);
  });

  it('adds up: the total is the sum of its line items', () => {
    const total = Object.values(c.line_items).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(c.usd_per_million - total) < 0.001, `${c.usd_per_million} vs ${total}`);
  });

  it('prices the single-write floor: one write unit an event and no index storage, every other line unchanged', () => {
    const floor = costCase(singleWriteFloor(figures), prices, 1, 10, short);
    assert.equal(floor.line_items.hot_writes, 1);
    // base items only: 0.95367 GB for one month at $0.25
    assert.equal(floor.line_items.hot_storage, Math.round(GB_PER_MILLION_KB * 0.25 * 1e4) / 1e4);
    for (const k of Object.keys(LINE_ITEMS) as (keyof typeof LINE_ITEMS)[]) {
      if (k !== 'hot_writes' && k !== 'hot_storage') assert.equal(floor.line_items[k], c.line_items[k], k);
    }
  });

  it('finds the longest hotDays that meets the target, and says what a profile that misses it would need', () => {
    const d = { ...DEPLOYMENT, hotDays: 90 };
    // Half the round prices' write unit and a fifth of its read unit: the target is then in reach.
    const ddb = { ...prices, dynamodb_per_million_write_units: 0.5, dynamodb_per_million_read_units: 0.1 };
    const meets = (f: Figures, days: number) => costCase(f, ddb, TARGET.tenants, TARGET.events_per_second, { ...d, hotDays: days }, PROFILES[0]).usd_per_million <= TARGET.usd_per_million;
    const shipped = longestHotDays(figures, ddb, d, PROFILES[0]!);
    const single = longestHotDays(singleWriteFloor(figures), ddb, d, PROFILES[0]!);
    assert.ok(shipped > 0 && single > shipped && single < 90, `${shipped} ${single}`);
    assert.ok(meets(figures, shipped) && !meets(figures, shipped + 1), `the shipped design meets the target at ${shipped} days and not at ${shipped + 1}`);
    assert.ok(meets(singleWriteFloor(figures), single) && !meets(singleWriteFloor(figures), single + 1), `the floor meets the target at ${single} days and not at ${single + 1}`);
    const floor = costCase(singleWriteFloor(figures), ddb, TARGET.tenants, TARGET.events_per_second, d, PROFILES[0]);
    assert.ok(targetNote(figures, ddb, d, PROFILES[0]!).endsWith(`would still cost $${floor.usd_per_million.toFixed(2)} at \`hotDays\` 90; it meets the target up to \`hotDays\` ${single}, the shipped design (a user index) up to \`hotDays\` ${shipped}.`));
    // At the round prices' $1 a write unit, the shipped design's two units alone miss $1.50.
    assert.equal(longestHotDays(figures, prices, d, PROFILES[0]!), 0);
    assert.match(targetNote(figures, prices, d, PROFILES[0]!), /the shipped design \(a user index\) at no `hotDays`\.$/);
    // A case that meets the target needs no note.
    assert.equal(targetNote(figures, ddb, { ...d, hotDays: shipped }, PROFILES[0]!), '');
  });

  it('gives the hot table a stream shard per 10 GB once it holds hotDays of traffic', () => {
    // 100 events/s × 86,400 s × 90 days × 1,024 bytes = 796 GB → 75 partitions
    assert.equal(streamShards(figures, { ...DEPLOYMENT, hotDays: 90 }, 100), 75);
    // and per 1,000 write units a second when that needs more
    assert.equal(streamShards(figures, { ...short, partitionGb: 1000 }, 5_000), 5);
  });

  it('more tenants → more objects and PUTs for the same traffic', () => {
    const one = costCase(figures, prices, 1, 50, short);
    const five = costCase(figures, prices, 5, 50, short);
    const fifty = costCase(figures, prices, 50, 50, short);
    assert.ok(one.volumes.s3_objects < five.volumes.s3_objects && five.volumes.s3_objects < fifty.volumes.s3_objects);
    assert.ok(one.line_items.s3_puts < fifty.line_items.s3_puts);
    assert.ok(Math.abs(tenantsIn(6000, 5) - 5) < 1e-9);
    assert.ok(Math.abs(tenantsIn(1, 50) - 1) < 1e-9);
  });

  it('the naive design (one object per event) costs more in every case, with the measured figures too', () => {
    const { figures: measured, prices: listed } = loadInputs();
    for (const f of [figures, measured]) for (const k of CASES) {
      const x = costCase(f, f === figures ? prices : listed, k.tenants, k.events_per_second);
      assert.ok(x.naive_usd_per_million > x.usd_per_million, `${k.tenants} tenants, ${k.events_per_second}/s: naive ${x.naive_usd_per_million} ≤ ${x.usd_per_million}`);
    }
    // its PUTs alone: 1,000,000 × $0.005 / 1,000
    assert.ok(c.naive_usd_per_million - c.usd_per_million > 5 - c.line_items.s3_puts - c.line_items.archiver_lambda - c.line_items.archiver_state);
  });
});

describe('npm run cost: the model against the bench', () => {
  it("on one stream shard, the objects and digests per million match bench/archive.ts's replay through the real grouping code", () => {
    const { figures: measured, prices: listed } = loadInputs();
    assert.ok(measured.archive.steady_load?.length);
    for (const b of measured.archive.steady_load!) {
      const oneShard = costCase(measured, listed, b.tenants, b.events_per_second, { ...DEPLOYMENT, partitionGb: 1e9 });
      assert.equal(oneShard.volumes.stream_shards, 1);
      const puts = oneShard.volumes.s3_objects + oneShard.volumes.s3_digests;
      assert.ok(Math.abs(puts - b.s3_puts_per_million) / b.s3_puts_per_million < 0.03, `${b.tenants} tenants: model ${puts}, bench ${b.s3_puts_per_million}`);
    }
  });
});

describe('npm run cost: the output', () => {
  it('--json prints one object per case with the tenants, the rate, the total and every line item', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cost.ts', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l['profile'], l['tenants'], l['events_per_second']]), CASES.map((k) => ['on-demand', k.tenants, k.events_per_second]));
    const steady = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cost.ts', '--json', '--profile', 'steady'], { encoding: 'utf8' });
    assert.equal(steady.status, 0, steady.stderr);
    const s = steady.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(s.map((l) => [l['profile'], l['tenants'], l['events_per_second']]), CASES.map((k) => ['steady', k.tenants, k.events_per_second]));
    for (const [i, l] of s.entries()) assert.ok((l['usd_per_million'] as number) < (lines[i]!['usd_per_million'] as number), 'steady traffic costs less provisioned');
    for (const l of lines) {
      assert.equal(typeof l['usd_per_million'], 'number');
      for (const k of Object.keys(LINE_ITEMS)) assert.equal(typeof l[k], 'number', k);
      const items = Object.keys(LINE_ITEMS).reduce((a, k) => a + (l[k] as number), 0);
      assert.ok(Math.abs((l['usd_per_million'] as number) - items) < 0.001);
      assert.ok((l['single_write_floor_usd_per_million'] as number) < (l['usd_per_million'] as number), 'the floor is below the shipped design');
    }
  });

  it('an unknown profile is one line that says the fix', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cost.ts', '--profile', 'cheap'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), 'npm run cost: --profile takes on-demand or steady, not cheap');
  });

  it('a wrong flag value is one line that says the fix', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cost.ts', '--hot-days', 'x'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr.trim(), /^npm run cost: --hot-days must be a whole number of days ≥ 1, not x$/);
  });

  it("the README's cost tables are this script's output on the committed figures", () => {
    const { figures: measured, prices: listed } = loadInputs();
    assert.ok(readFileSync('README.md', 'utf8').includes(renderAll(measured, listed)), 'README.md: paste the output of `npm run cost` into the Costs section');
  });
});
