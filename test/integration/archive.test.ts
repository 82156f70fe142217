/**
 * The archive end to end through the local runtime: webhook → hot table → stream → archiver →
 * Parquet in the local S3 → DuckDB, plus the integrity check against tampering.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fixture, fixtureText } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const SECRET = 'it-archive-secret-77';
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } },
    { id: 'globex-okta', tenant: 'globex', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } },
  ],
};

describe('archive, end to end', () => {
  let c: TestCollector;
  let s3: S3Client;
  const post = (source: string, body: string) =>
    fetch(`${c.base}/v1/ingest/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body }).then((r) => r.json());
  const query = async (sql: string) => {
    const r = await c.cli(['query', sql, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const keys = async (prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: c.endpoints.bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

  before(async () => {
    c = await startCollector(config);
    s3 = new S3Client({ endpoint: c.endpoints.s3, region: c.endpoints.region, credentials: c.endpoints.credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  });
  after(async () => { s3?.destroy(); await c?.stop(); });

  it('archives every event exactly once, in the partition of its event_time, with typed columns', async () => {
    const hook = fixtureText('okta/event-hook.json');
    assert.deepEqual(await post('acme-okta', hook), { accepted: 7, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await post('acme-okta', hook), { accepted: 0, duplicates: 7, quarantined: 0 }, 'a redelivery');
    // A late event: it happened weeks ago and arrives now.
    const late = { ...fixture<Record<string, unknown>[]>('okta/api-page.json')[1]!, uuid: 'late-0001', published: '2026-10-03T23:59:59.999Z' };
    assert.deepEqual(await post('acme-okta', JSON.stringify([late])), { accepted: 1, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await post('globex-okta', fixtureText('okta/api-page.json')), { accepted: 2, duplicates: 0, quarantined: 0 });

    const f = await c.cli(['flush']);
    assert.equal(f.code, 0, f.stderr);
    assert.deepEqual(JSON.parse(f.stdout), { delivered: 10 });

    const rows = await query('SELECT tenant, dt, source_id, event_uid, event_time, is_mfa, geo_lat, typeof(event_time) tt, typeof(is_mfa) tb, typeof(geo_lat) td FROM events ORDER BY tenant, event_time');
    assert.equal(rows.length, 10, 'ten distinct events, none twice');
    assert.equal(new Set(rows.map((r) => `${r['source_id']}#${r['event_uid']}`)).size, 10);
    const lateRow = rows.find((r) => r['event_uid'] === 'late-0001')!;
    assert.deepEqual([lateRow['tenant'], lateRow['dt'], lateRow['event_time']], ['acme', '2026-10-03', '2026-10-03T23:59:59.999Z']);
    for (const r of rows) {
      assert.equal(r['dt'], String(r['event_time']).slice(0, 10), 'partition = event_time day');
      assert.deepEqual([r['tt'], r['tb'], r['td']], ['TIMESTAMP', 'BOOLEAN', 'DOUBLE']);
    }
    assert.deepEqual(rows.filter((r) => r['tenant'] === 'globex').map((r) => r['source_id']), ['globex-okta', 'globex-okta']);
    const alice = rows.find((r) => r['event_uid'] === 'a0f3b1c2-1111-11f1-9a4b-000000000001')!;
    assert.deepEqual([alice['is_mfa'], alice['geo_lat']], [true, 52.5244]);

    // Objects: one per tenant and day, each in the right place.
    const objects = await keys('events/');
    assert.deepEqual(objects.map((k) => k.replace(/part-[0-9a-f]+\.parquet$/, '')).sort(), [
      'events/tenant=acme/dt=2026-10-03/', 'events/tenant=acme/dt=2026-11-20/', 'events/tenant=globex/dt=2026-11-20/',
    ]);

    // Flushing again archives nothing new; redelivering again changes nothing either.
    assert.deepEqual(await post('acme-okta', hook), { accepted: 0, duplicates: 7, quarantined: 0 });
    assert.deepEqual(JSON.parse((await c.cli(['flush'])).stdout), { delivered: 0 });
    assert.equal((await query('SELECT count(*) n FROM events'))[0]!['n'], 10);
  });

  it('runs a shipped auditor query with parameters', async () => {
    const r = await c.cli(['query', '--named', 'push_denials', '--param', 'tenant=acme', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows.map((x) => [x['user_name'], x['src_ip'], x['geo_country']]), [['bob@example.com', '203.0.113.9', 'NG']]);
    const bad = await c.cli(['query', '--named', 'push_denials', '--param', "tenant=x' OR '1'='1"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /only letters, digits/);
  });

  it('verify passes on the intact archive and names an altered, a deleted and an added object', async () => {
    let v = await c.cli(['verify']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /acme: \d+ digest\(s\) in the chain, 2 object\(s\) checked, 0 finding/);

    const [first, second] = (await keys('events/tenant=acme/')).sort();
    await s3.send(new PutObjectCommand({ Bucket: c.endpoints.bucket, Key: first!, Body: 'not the archived bytes' }));
    v = await c.cli(['verify', '--tenant', 'acme']);
    assert.equal(v.code, 1);
    assert.match(v.stdout, new RegExp(`ALTERED  ${first!.replace(/[.]/g, '\\.')}`));

    await s3.send(new DeleteObjectCommand({ Bucket: c.endpoints.bucket, Key: second! }));
    const added = 'events/tenant=acme/dt=2026-11-21/part-00000000000000000000000000000000.parquet';
    await s3.send(new PutObjectCommand({ Bucket: c.endpoints.bucket, Key: added, Body: 'smuggled' }));
    v = await c.cli(['verify', '--tenant', 'acme']);
    assert.equal(v.code, 1);
    assert.match(v.stdout, new RegExp(`MISSING  ${second!.replace(/[.]/g, '\\.')}`));
    assert.match(v.stdout, new RegExp(`UNLISTED  ${added.replace(/[.]/g, '\\.')}`));
    assert.match(v.stdout, /verify: FAILED, 3 finding/);
    // Other tenants are unaffected, and a date range outside the damage passes.
    assert.equal((await c.cli(['verify', '--tenant', 'globex'])).code, 0);
    assert.equal((await c.cli(['verify', '--tenant', 'acme', '--from', '2026-11-22'])).code, 0);
  });
});
