/**
 * The scheduled Security Lake export, against an in-memory S3 (aws-sdk-client-mock): the layout
 * and keys, the listing digest and the "already exported" decision (compliant and non-compliant
 * cases side by side), idempotent re-runs, late events, a crash between two classes' writes, the
 * window of days, the request schema, and every object read back being valid OCSF.
 */
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parquetReadObjects } from 'hyparquet';
import { eventsToParquet } from '../../lambdas/core/parquet.ts';
import { archiveKey } from '../../lambdas/core/archive.ts';
import { OCSF_CLASSES, securityLakePrefix, type OcsfClass } from '../../lambdas/core/ocsf.ts';
import {
  DEFAULT_SOURCES, daysBetween, exportedFromMetadata, isExported, lakeKey, listingDigest, META_CLASSES, META_DIGEST, SECURITY_LAKE_EVENT_CLASS, windowDays,
  type LakeTarget,
} from '../../lambdas/core/ocsf-lake.ts';
import { exportTenantDay } from '../../lambdas/adapters/ocsf-lake.ts';
import { exportAll, ExportRequest } from '../../lambdas/handlers/ocsf-exporter.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { ev } from '../helpers/events.ts';
import { loadOcsfSubset, validateOcsf } from '../helpers/ocsf-validate.ts';

const subset = loadOcsfSubset();
const TARGET: LakeTarget = { bucket: 'lake', prefix: 'ext/', region: 'eu-west-1', accountId: '123456789012', sources: DEFAULT_SOURCES };

describe('Security Lake layout and keys', () => {
  it('one key per source, region, account, day and tenant, in the custom-source layout', () => {
    assert.equal(lakeKey(TARGET, 'authtrail-auth', '2026-11-20', 'acme'), 'ext/authtrail-auth/region=eu-west-1/accountId=123456789012/eventDay=20261120/authtrail-acme.parquet');
  });
  it('is the key `export ocsf` writes for the same class and day (the two exports overwrite each other, never duplicate)', () => {
    for (const c of Object.keys(OCSF_CLASSES) as OcsfClass[]) {
      assert.equal(lakeKey(TARGET, DEFAULT_SOURCES[c], '2026-11-20', 'acme'), `${securityLakePrefix(c, 'eu-west-1', '123456789012', Date.parse('2026-11-20T23:59:59.999Z'))}authtrail-acme.parquet`);
    }
  });
  it('maps each class to the eventClasses value Security Lake documents, or none where it lists none', () => {
    assert.deepEqual(SECURITY_LAKE_EVENT_CLASS, { authentication: 'AUTHENTICATION', account_change: 'ACCOUNT_CHANGE', entity_management: 'ENTITY_MANAGEMENT_AUDIT', user_access: null, group_management: null });
  });
});

describe('archive listing digest and the exported decision', () => {
  const a = { key: 'events/tenant=acme/dt=2026-11-20/a.parquet', etag: '"e1"' };
  const b = { key: 'events/tenant=acme/dt=2026-11-20/b.parquet', etag: '"e2"' };
  it('the same objects in any order give the same digest; a new object or a new ETag another', () => {
    assert.equal(listingDigest([a, b]), listingDigest([b, a]));
    assert.notEqual(listingDigest([a]), listingDigest([a, b]));
    assert.notEqual(listingDigest([a, b]), listingDigest([a, { ...b, etag: '"e3"' }]));
  });
  const d = listingDigest([a, b]);
  const both = ['authentication', 'account_change'] as OcsfClass[];
  const cases: [string, Parameters<typeof isExported>[1], boolean, boolean][] = [
    ['every class of the export present with the digest', { authentication: { digest: d, classes: both }, account_change: { digest: d, classes: both }, user_access: null }, true, true],
    ['nothing exported yet', { authentication: null, account_change: null }, true, false],
    ['a late archive object since (older digest)', { authentication: { digest: 'old', classes: both }, account_change: { digest: 'old', classes: both } }, true, false],
    ['a crash between the two classes\' writes', { authentication: { digest: d, classes: both }, account_change: { digest: 'old', classes: ['authentication', 'account_change'] } }, true, false],
    ['a crash before the second class\'s first write', { authentication: { digest: d, classes: both }, account_change: null }, true, false],
    ['a day without archive objects', {}, false, true],
  ];
  for (const [name, objects, hasArchive, want] of cases) it(`${want ? 'exported' : 'not exported'}: ${name}`, () => assert.equal(isExported(d, objects, hasArchive), want));
  it('reads its metadata back from S3 user metadata, ignoring objects that carry none', () => {
    assert.deepEqual(exportedFromMetadata({ [META_DIGEST]: 'x', [META_CLASSES]: 'authentication,bogus,account_change' }), { digest: 'x', classes: ['authentication', 'account_change'] });
    assert.equal(exportedFromMetadata({}), null);
    assert.equal(exportedFromMetadata(undefined), null);
  });
});

describe('days', () => {
  it('a scheduled run looks at the days before today, oldest first', () => {
    assert.deepEqual(windowDays(Date.parse('2026-11-28T01:30:00Z'), 3), ['2026-11-25', '2026-11-26', '2026-11-27']);
  });
  it('a period includes both ends', () => assert.deepEqual(daysBetween('2026-02-27', '2026-03-01'), ['2026-02-27', '2026-02-28', '2026-03-01']));
  it('the request: {} or a period, nothing else', () => {
    assert.ok(ExportRequest.safeParse({}).success);
    assert.ok(ExportRequest.safeParse({ from: '2026-11-01', to: '2026-11-02', tenant: 'acme', force: true }).success);
    assert.ok(!ExportRequest.safeParse({ from: '2026-11-03', to: '2026-11-02' }).success);
    assert.ok(!ExportRequest.safeParse({ days: 3 }).success);
    assert.ok(!ExportRequest.safeParse({ from: '2024-01-01', to: '2026-01-01' }).success);
  });
});

/** An in-memory S3 of two buckets behind aws-sdk-client-mock. */
function fakeS3(s3: AwsClientStub<S3Client>) {
  const store = new Map<string, Map<string, { body: Uint8Array; etag: string; meta?: Record<string, string> }>>([['archive', new Map()], ['lake', new Map()]]);
  const bucket = (name: string) => store.get(name) ?? (() => { throw Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket' }); })();
  const puts: string[] = [];
  let failPutAfter = Infinity;
  s3.on(ListObjectsV2Command).callsFake((i: { Bucket: string; Prefix?: string; Delimiter?: string }) => {
    const keys = [...bucket(i.Bucket).keys()].filter((k) => k.startsWith(i.Prefix ?? '')).sort();
    if (i.Delimiter) return { CommonPrefixes: [...new Set(keys.map((k) => k.slice(0, k.indexOf(i.Delimiter!, (i.Prefix ?? '').length) + 1)))].map((Prefix) => ({ Prefix })) };
    return { Contents: keys.map((Key) => ({ Key, ETag: bucket(i.Bucket).get(Key)!.etag })) };
  });
  s3.on(GetObjectCommand).callsFake((i: { Bucket: string; Key: string }) => {
    const o = bucket(i.Bucket).get(i.Key);
    if (!o) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: { transformToByteArray: async () => o.body } } as never;
  });
  s3.on(HeadObjectCommand).callsFake((i: { Bucket: string; Key: string }) => {
    const o = bucket(i.Bucket).get(i.Key);
    if (!o) throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    return { Metadata: o.meta, ETag: o.etag };
  });
  s3.on(PutObjectCommand).callsFake((i: { Bucket: string; Key: string; Body: Uint8Array; Metadata?: Record<string, string> }) => {
    if (puts.length >= failPutAfter) throw new Error('injected: the function died mid-export');
    puts.push(i.Key);
    bucket(i.Bucket).set(i.Key, { body: i.Body, etag: `"${createHash('md5').update(i.Body).digest('hex')}"`, meta: i.Metadata });
    return {};
  });
  return {
    store, puts,
    failAfter(n: number) { failPutAfter = n; },
    archive(tenant: string, dt: string, name: string, events: AuthEvent[]) {
      const body = eventsToParquet(events);
      store.get('archive')!.set(archiveKey(tenant, dt, name), { body, etag: `"${createHash('md5').update(body).digest('hex')}"` });
    },
  };
}

async function readBack(body: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
  return parquetReadObjects({ file, compressors: { GZIP: (b: Uint8Array) => new Uint8Array(zlib.gunzipSync(b)), ...(zstd ? { ZSTD: (b: Uint8Array) => new Uint8Array(zstd(b)) } : {}) } });
}

describe('exporting a tenant-day', () => {
  let s3: AwsClientStub<S3Client>;
  let fake: ReturnType<typeof fakeS3>;
  const client = () => new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const deps = () => ({ archiveS3: client(), archiveBucket: 'archive', lakeS3: client(), target: TARGET });
  const day = '2026-11-20';
  const events = [
    ev({ event_uid: 'l1', event_time: `${day}T09:00:00.000Z`, category: 'login', outcome: 'success', user_login: 'alice' }),
    ev({ event_uid: 'f1', event_time: `${day}T09:05:00.000Z`, category: 'factor_enroll', outcome: 'success', user_login: 'alice', factor: 'totp' }),
    ev({ event_uid: 'o1', event_time: `${day}T09:06:00.000Z`, category: 'other', outcome: 'success' }),
  ];
  beforeEach(() => { s3 = mockClient(S3Client); fake = fakeS3(s3); });
  afterEach(() => s3.restore());

  it('writes one object per class at the class\'s key, each row valid OCSF, then skips the same listing', async () => {
    fake.archive('acme', day, 'part-1', events);
    const r = await exportTenantDay(deps(), 'acme', day);
    assert.equal(r.status, 'written');
    assert.deepEqual(r.objects.map((o) => [o.class, o.key, o.events]), [
      ['account_change', lakeKey(TARGET, 'authtrail-account', day, 'acme'), 1],
      ['authentication', lakeKey(TARGET, 'authtrail-auth', day, 'acme'), 1],
    ]);
    assert.equal(r.unclassified, 1);
    for (const o of r.objects) {
      const rows = await readBack(fake.store.get('lake')!.get(o.key)!.body);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!['class_uid'], OCSF_CLASSES[o.class].uid);
    }
    const again = await exportTenantDay(deps(), 'acme', day);
    assert.equal(again.status, 'skipped');
    assert.equal(fake.puts.length, 2, 'nothing written the second time');
  });

  it('re-exports the whole day, at the same keys, when a late archive object arrives', async () => {
    fake.archive('acme', day, 'part-1', events);
    await exportTenantDay(deps(), 'acme', day);
    fake.archive('acme', day, 'part-2', [ev({ event_uid: 'l2', event_time: `${day}T23:59:00.000Z`, category: 'login', outcome: 'failure', user_login: 'bob' })]);
    const r = await exportTenantDay(deps(), 'acme', day);
    assert.equal(r.status, 'written');
    assert.deepEqual(r.objects.map((o) => [o.class, o.events]), [['account_change', 1], ['authentication', 2]]);
    assert.equal(fake.store.get('lake')!.size, 2, 'the same two keys, overwritten');
    const auth = await readBack(fake.store.get('lake')!.get(lakeKey(TARGET, 'authtrail-auth', day, 'acme'))!.body);
    assert.deepEqual(auth.map((x) => (x['metadata'] as { uid: string }).uid), ['l1', 'l2']);
  });

  it('a crash after the first class\'s write leaves the day to be written again', async () => {
    fake.archive('acme', day, 'part-1', events);
    fake.failAfter(1);
    await assert.rejects(exportTenantDay(deps(), 'acme', day), /died mid-export/);
    fake.failAfter(Infinity);
    const r = await exportTenantDay(deps(), 'acme', day);
    assert.equal(r.status, 'written');
    assert.equal((await exportTenantDay(deps(), 'acme', day)).status, 'skipped');
  });

  it('only the configured classes, and nothing for a day without archive objects', async () => {
    fake.archive('acme', day, 'part-1', events);
    const r = await exportTenantDay({ ...deps(), target: { ...TARGET, sources: { authentication: 'my-auth' } } }, 'acme', day);
    assert.deepEqual(r.objects.map((o) => o.key), [lakeKey(TARGET, 'my-auth', day, 'acme')]);
    assert.equal((await exportTenantDay(deps(), 'acme', '2026-11-21')).status, 'empty');
  });

  it('a run covers every tenant of the config and of the archive, each tenant into its own objects', async () => {
    fake.archive('acme', day, 'part-1', events);
    fake.archive('globex', day, 'part-1', [ev({ tenant: 'globex', source_id: 'globex-okta', event_uid: 'g1', event_time: `${day}T10:00:00.000Z`, category: 'login', outcome: 'success', user_login: 'gina' })]);
    const s = await exportAll({}, { ...deps(), configTenants: ['acme', 'initech'], lookbackDays: 2, now: () => Date.parse('2026-11-21T01:30:00Z') });
    assert.deepEqual(s.days, ['2026-11-19', '2026-11-20']);
    assert.deepEqual(s.results.map((r) => `${r.tenant} ${r.day} ${r.status}`), [
      'acme 2026-11-19 empty', 'acme 2026-11-20 written', 'globex 2026-11-19 empty', 'globex 2026-11-20 written', 'initech 2026-11-19 empty', 'initech 2026-11-20 empty',
    ]);
    const globex = await readBack(fake.store.get('lake')!.get(lakeKey(TARGET, 'authtrail-auth', day, 'globex'))!.body);
    assert.deepEqual(globex.map((x) => (x['metadata'] as { tenant_uid: string }).tenant_uid), ['globex']);
    for (const [key, o] of fake.store.get('lake')!) {
      for (const row of await readBack(o.body)) {
        const clean = JSON.parse(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? Number(v) : v === null ? undefined : v))) as Record<string, unknown>;
        // hyparquet reads a MAP as an object already; the validator takes the event as JSON.
        assert.deepEqual(validateOcsf(subset, clean), [], key);
      }
    }
  });

  it('a period by hand, forced, writes even what the listing says is exported', async () => {
    fake.archive('acme', day, 'part-1', events);
    await exportTenantDay(deps(), 'acme', day);
    const s = await exportAll({ from: day, to: day, tenant: 'acme', force: true }, { ...deps(), configTenants: [], lookbackDays: 7, now: Date.now });
    assert.deepEqual(s.results.map((r) => r.status), ['written']);
    assert.equal(fake.puts.length, 4);
  });
});
