/**
 * The bench's compaction figures (bench/compaction.ts), on a small tenant-day: the objects the
 * real archiver wrote, merged by the real compactor into one, verify clean; the arithmetic of
 * objects per closed tenant-day before and after at a steady load; the busy tenant-day's events.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUSY_TENANT_DAY, measureCompaction, objectsPerTenantDay, tenantDay } from '../../bench/compaction.ts';
import { ev } from '../helpers/events.ts';

describe('bench: compaction figures', () => {
  it('measures a tenant-day of small objects merged into one, with verify clean', async () => {
    const events = Array.from({ length: 400 }, (_, i) => ev({ event_uid: `b${i}`, event_time: `2026-11-20T${String(i % 24).padStart(2, '0')}:00:${String(i % 60).padStart(2, '0')}.000Z`, user_login: `u${i % 7}@example.com` }));
    const m = await measureCompaction(events, 50);
    assert.deepEqual([m.objects_before, m.objects_after, m.rows, m.verify_findings], [8, 1, 400, 0]);
    assert.ok(m.parquet_bytes_out > 0 && m.parquet_bytes_out < m.parquet_bytes_in, `${m.parquet_bytes_in} → ${m.parquet_bytes_out}`);
    assert.ok(m.ms > 0 && m.ms_per_object > 0 && m.ms_per_mb > 0 && m.rows_per_second > 0 && m.peak_rss_mb > 0);
  });

  it('objects per closed tenant-day: one per batch before; after, one per size cap of Parquet, whatever the rows', () => {
    const r = objectsPerTenantDay({ eventsPerSecond: 200, tenants: 5, batchesPerDay: 288, parquetBytesPerEvent: 60 });
    assert.equal(r.events_per_tenant_day, 3_456_000);
    assert.equal(r.before, 288);
    assert.equal(r.after, 1); // 3.456 M rows, 198 MB of Parquet: one object under the 256 MB cap
    assert.equal(objectsPerTenantDay({ eventsPerSecond: 200, tenants: 5, batchesPerDay: 288, parquetBytesPerEvent: 200 }).after, Math.ceil((3_456_000 * 200) / (256 * 1024 ** 2)));
    assert.equal(objectsPerTenantDay({ eventsPerSecond: 50, tenants: 50, batchesPerDay: 288, parquetBytesPerEvent: 200 }).after, 1);
  });

  it('the busy tenant-day generator: unique events in time order, batch by batch, within the day', () => {
    const batches = [...tenantDay({ rows: 1_000, perObject: 300 })];
    assert.deepEqual(batches.map((b) => b.length), [300, 300, 300, 100]);
    const all = batches.flat();
    assert.equal(new Set(all.map((e) => e.event_uid)).size, 1_000);
    const times = all.map((e) => e.event_time);
    assert.deepEqual(times, [...times].sort());
    assert.ok(times.every((t) => t.startsWith('2026-11-20T')));
    assert.equal(BUSY_TENANT_DAY.rows, 3_456_000);
  });
});
