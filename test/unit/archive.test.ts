import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARCHIVE_COLUMNS, archiveKey, groupByPartition, itemToEvent } from '../../lambdas/core/archive.ts';
import { anchoredPartName } from '../../lambdas/core/stream-commit.ts';
import { eventsToParquet } from '../../lambdas/core/parquet.ts';
import { toItem } from '../../lambdas/adapters/hot-store.ts';
import { hotItemToEvent } from '../../lambdas/core/hot-item.ts';
import { openArchiveDb, runSql } from '../../local/archive-db.ts';
import { ev } from '../helpers/events.ts';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { AuthEvent } from '../../lambdas/core/event.ts';

describe('archive format', () => {
  it('groups by tenant and event_time day, so a late event lands in the day it happened', () => {
    const g = groupByPartition([
      ev({ event_uid: '1', event_time: '2026-11-22T00:00:01.000Z' }),
      ev({ event_uid: '2', event_time: '2026-10-01T23:59:59.999Z', ingest_time: '2026-11-22T00:00:02.000Z' }),
      ev({ event_uid: '3', event_time: '2026-11-22T10:00:00.000Z', tenant: 'globex' }),
      ev({ event_uid: '4', event_time: '2026-11-22T11:00:00.000Z' }),
    ]);
    assert.deepEqual([...g.keys()].sort(), ['acme/2026-10-01', 'acme/2026-11-22', 'globex/2026-11-22']);
    assert.deepEqual(g.get('acme/2026-11-22')!.events.map((e) => e.event_uid), ['1', '4']);
  });

  it('names objects after the first stream record they hold, under the partition path', () => {
    const name = anchoredPartName('arn:stream/1', { seq: '100', pk: 'acme-okta#1' });
    assert.match(archiveKey('acme', '2026-11-22', name), /^events\/tenant=acme\/dt=2026-11-22\/part-[0-9a-f]{32}\.parquet$/);
    assert.equal(anchoredPartName('arn:stream/1', { seq: '100', pk: 'acme-okta#1' }), name, 'a retry names it the same');
    assert.notEqual(anchoredPartName('arn:stream/1', { seq: '100', pk: 'acme-okta#2' }), name, 'another shard\'s record with the same number does not');
    assert.notEqual(anchoredPartName('arn:stream/1', { seq: '101', pk: 'acme-okta#1' }), name);
  });

  it('round-trips a hot item through the stream image', () => {
    const e = ev({ event_uid: 'x', event_time: '2026-11-22T00:00:01.000Z', geo_lat: 1.5, is_mfa: false });
    assert.deepEqual(hotItemToEvent(toItem(e, 90)), e);
    assert.equal(hotItemToEvent({ pk: 'digest-head#acme' }), null);
    // An item of the previous layout (every field an attribute), as a stream read across the upgrade meets it.
    const { raw: _, ...fields } = e;
    assert.deepEqual(itemToEvent({ pk: 'acme-okta#x', ...Object.fromEntries(Object.entries({ ...fields, raw: e.raw }).filter(([, v]) => v !== null)) }), e);
    assert.equal(itemToEvent({ pk: 'digest-head#acme' }), null);
  });

  it('writes typed Parquet that DuckDB reads back with CONTRACT types, partition columns from the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-parquet-'));
    const events = [
      ev({ event_uid: 'b', event_time: '2026-11-22T10:15:30.123Z', is_mfa: true, geo_lat: 52.52, geo_lon: 13.405, user_login: 'jo@example.com', raw: '{"ü":"ñ"}' }),
      ev({ event_uid: 'a', event_time: '2026-11-22T09:00:00.000Z' }),
    ];
    const body = eventsToParquet(events);
    const key = archiveKey('acme', '2026-11-22', 'part-test');
    mkdirSync(join(dir, 'events/tenant=acme/dt=2026-11-22'), { recursive: true });
    writeFileSync(join(dir, key), body);
    const db = await openArchiveDb(dir);
    try {
      const types = await runSql(db.connection, 'DESCRIBE events');
      const typeOf = Object.fromEntries(types.map((r) => [r['column_name'], r['column_type']]));
      assert.equal(typeOf['event_time'], 'TIMESTAMP');
      assert.equal(typeOf['ingest_time'], 'TIMESTAMP');
      assert.equal(typeOf['is_mfa'], 'BOOLEAN');
      assert.equal(typeOf['geo_lat'], 'DOUBLE');
      assert.equal(typeOf['raw'], 'VARCHAR');
      assert.deepEqual(types.map((r) => r['column_name']), [...ARCHIVE_COLUMNS.map((c) => c.name), 'tenant', 'dt']);
      const rows = await runSql(db.connection, 'SELECT event_uid, event_time, is_mfa, geo_lat, user_login, raw, tenant, dt, count(*) OVER () n FROM events ORDER BY event_uid');
      assert.deepEqual(rows, [
        { event_uid: 'a', event_time: '2026-11-22T09:00:00.000Z', is_mfa: null, geo_lat: null, user_login: null, raw: '{"id":"a"}', tenant: 'acme', dt: '2026-11-22', n: 2 },
        { event_uid: 'b', event_time: '2026-11-22T10:15:30.123Z', is_mfa: true, geo_lat: 52.52, user_login: 'jo@example.com', raw: '{"ü":"ñ"}', tenant: 'acme', dt: '2026-11-22', n: 2 },
      ]);
    } finally {
      db.close();
    }
  });

  it('reads objects written before schema version 2 beside newer ones: the new columns are typed nulls', async () => {
    const V2 = ['target_type', 'target_id', 'target_name', 'change', 'anonymizer'];
    const v1Columns = ARCHIVE_COLUMNS.filter((c) => !V2.includes(c.name));
    const v1Object = (events: AuthEvent[]) => parquetWriteBuffer({
      columnData: v1Columns.map(({ name, type }) => ({ name, type, data: events.map((e) => (type === 'TIMESTAMP' ? new Date(e[name] as string) : e[name])) })),
    });
    for (const withNewer of [false, true]) {
      const dir = mkdtempSync(join(tmpdir(), 'authtrail-v1-'));
      mkdirSync(join(dir, 'events/tenant=acme/dt=2026-11-22'), { recursive: true });
      writeFileSync(join(dir, archiveKey('acme', '2026-11-22', 'part-v1')), new Uint8Array(v1Object([ev({ event_uid: 'old', event_time: '2026-11-22T08:00:00.000Z', category: 'admin' })])));
      if (withNewer) {
        writeFileSync(join(dir, archiveKey('acme', '2026-11-22', 'part-v2')), eventsToParquet([ev({
          event_uid: 'new', event_time: '2026-11-22T09:00:00.000Z', category: 'role_change', target_type: 'role', target_id: 'r1', target_name: 'Super Administrator', change: 'grant', anonymizer: true,
        })]));
      }
      const db = await openArchiveDb(dir);
      try {
        const types = Object.fromEntries((await runSql(db.connection, 'DESCRIBE events')).map((r) => [r['column_name'], r['column_type']]));
        assert.equal(types['anonymizer'], 'BOOLEAN');
        assert.equal(types['target_type'], 'VARCHAR');
        const rows = await runSql(db.connection, `SELECT event_uid, category, ${V2.join(', ')} FROM events ORDER BY event_uid`);
        const old = { event_uid: 'old', category: 'admin', target_type: null, target_id: null, target_name: null, change: null, anonymizer: null };
        assert.deepEqual(rows, withNewer
          ? [{ event_uid: 'new', category: 'role_change', target_type: 'role', target_id: 'r1', target_name: 'Super Administrator', change: 'grant', anonymizer: true }, old]
          : [old]);
      } finally {
        db.close();
      }
    }
  });

  it('exposes empty, typed events and alerts tables on an empty archive', async () => {
    const db = await openArchiveDb(mkdtempSync(join(tmpdir(), 'authtrail-empty-')));
    try {
      assert.deepEqual(await runSql(db.connection, 'SELECT count(*)::INTEGER n FROM events'), [{ n: 0 }]);
      assert.deepEqual(await runSql(db.connection, 'SELECT count(*)::INTEGER n FROM alerts'), [{ n: 0 }]);
    } finally {
      db.close();
    }
  });
});
