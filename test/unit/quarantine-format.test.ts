/**
 * The quarantine object (format 2): the body once, byte-exact, with a bounded index of
 * rejected items; named after its content so a redelivery rewrites it; listed one line per
 * body and reason, fast even for a body of millions of rejected items. Format 1 objects, written
 * by earlier versions, are still listed.
 */
import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseConfig } from '../../lambdas/core/config.ts';
import { createIngest, quarantineId, type QuarantineRecord } from '../../lambdas/core/ingest.ts';
import { parseQuarantine, quarantinedBody, quarantineKey, s3Quarantine, serializeQuarantine, type StoredQuarantineV2 } from '../../lambdas/adapters/quarantine.ts';
import { listQuarantine } from '../../cli/quarantine.ts';
import { memoryStore } from '../helpers/fakes.ts';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(s3);

/** An in-memory bucket behind the mocked client. */
export function memoryBucket(m: typeof mock) {
  const objects = new Map<string, string>();
  m.on(PutObjectCommand).callsFake((i) => { objects.set(i.Key!, String(i.Body)); return {}; });
  m.on(GetObjectCommand).callsFake((i) => {
    const text = objects.get(i.Key!);
    if (text === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => text } };
  });
  m.on(DeleteObjectCommand).callsFake((i) => { objects.delete(i.Key!); return {}; });
  m.on(ListObjectsV2Command).callsFake((i) => ({ Contents: [...objects.keys()].filter((k) => k.startsWith(i.Prefix ?? '')).sort().map((Key) => ({ Key })) }));
  return objects;
}

const record = (body: Buffer, over: Partial<QuarantineRecord> = {}): QuarantineRecord => ({
  id: quarantineId('acme-okta', over.content_encoding ?? null, body), tenant: 'acme', source_id: 'acme-okta', received_time: '2026-11-21T09:00:00.000Z',
  origin: 'webhook', body, content_encoding: null, items: 1, quarantined: 1, reasons: [{ reason: 'r', unit: 'item', count: 1, ranges: [[0, 0]] }], ...over,
});

describe('quarantine object (format 2)', () => {
  it('keeps any body byte-exact: text when it is UTF-8 (a BOM included), base64 otherwise', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 50 }).map((s) => new TextEncoder().encode(`\ufeff${s}`))), (bytes) => {
      const body = Buffer.from(bytes);
      const stored = parseQuarantine(serializeQuarantine(record(body))) as StoredQuarantineV2;
      assert.equal(stored.format, 2);
      assert.ok(quarantinedBody(stored).equals(body));
      assert.equal(stored.body_bytes, body.length);
      assert.equal(stored.body_sha256, createHash('sha256').update(body).digest('hex'));
      return stored.body_encoding === (Buffer.from(body.toString('utf8')).equals(body) ? 'utf8' : 'base64');
    }), { numRuns: 300 });
  });
  it('stores compressed bodies compressed, saying how', () => {
    const gz = gzipSync(Buffer.from('not json'));
    const stored = parseQuarantine(serializeQuarantine(record(gz, { content_encoding: 'gzip' }))) as StoredQuarantineV2;
    assert.deepEqual([stored.content_encoding, stored.body_encoding], ['gzip', 'base64']);
    assert.ok(quarantinedBody(stored).equals(gz));
  });
  it('is named after its content, under quarantine/tenant=<tenant>/dt=<received day>/', () => {
    const body = Buffer.from('[1]');
    const id = quarantineId('acme-okta', null, body);
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.notEqual(quarantineId('other-okta', null, body), id, 'the source is part of the name');
    assert.notEqual(quarantineId('acme-okta', 'gzip', body), id, 'and the content-encoding');
    assert.equal(quarantineKey(record(body)), `quarantine/tenant=acme/dt=2026-11-21/${id}.json`);
  });
});

describe('quarantine sink and list', () => {
  let objects: Map<string, string>;
  beforeEach(() => { mock.reset(); objects = memoryBucket(mock); });
  const config = parseConfig({
    tenants: [{ id: 'acme', name: 'Acme' }],
    sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'qa-okta-secret-1' } }],
  });
  const ingest = () => createIngest({ config, store: memoryStore(), quarantine: s3Quarantine({ client: s3, bucket: 'b' }), secrets: async (r) => r.value!, now: () => new Date('2026-11-21T09:00:00.000Z') });
  const post = (i: ReturnType<typeof ingest>, body: string | Buffer) => i.http({ method: 'POST', sourceId: 'acme-okta', headers: { authorization: 'qa-okta-secret-1' }, body: Buffer.from(body) });

  it('writes one object per body, rewritten (not copied) when the body is redelivered', async () => {
    const i = ingest();
    const body = '[1,2,{"uuid":"x"},4]';
    for (let n = 0; n < 3; n++) assert.deepEqual((await post(i, body)).body, { accepted: 0, duplicates: 0, quarantined: 4 });
    assert.equal(mock.commandCalls(PutObjectCommand).length, 3);
    assert.equal(objects.size, 1);
    const stored = parseQuarantine([...objects.values()][0]!) as StoredQuarantineV2;
    assert.equal(stored.body, body);
    assert.deepEqual(stored.reasons.map((g) => [g.count, g.ranges]), [[3, [[0, 1], [3, 3]]], [1, [[2, 2]]]]);
  });

  it('lists one line per body and reason with its count, and old objects one line per entry', async () => {
    await post(ingest(), '[1,2,{"uuid":"x"},4]');
    objects.set('quarantine/tenant=acme/dt=2026-11-19/20261119t080000000z-0a0b0c0d0e0f.json', JSON.stringify({
      id: '20261119t080000000z-0a0b0c0d0e0f', tenant: 'acme', source_id: 'acme-okta', received_time: '2026-11-19T08:00:00.000Z',
      entries: [{ reason: 'okta event does not match the expected shape', payload: { uuid: 1 } }, { reason: 'invalid_body: x', payload: 'x' }],
    }));
    const lines = await listQuarantine(s3, 'b');
    const id = quarantineId('acme-okta', null, Buffer.from('[1,2,{"uuid":"x"},4]'));
    assert.deepEqual(lines.map((l) => [l.id, l.count, l.reason.slice(0, 20)]), [
      ['20261119t080000000z-0a0b0c0d0e0f#0', 1, 'okta event does not '],
      ['20261119t080000000z-0a0b0c0d0e0f#1', 1, 'invalid_body: x'],
      [`${id}#0`, 3, 'the item is a number'],
      [`${id}#1`, 1, 'okta event does not '],
    ]);
    assert.deepEqual(Object.keys(lines[2]!).sort(), ['count', 'id', 'key', 'reason', 'received_time', 'source_id', 'tenant']);
  });

  it('keeps the object of a 5 MiB body of ~2.6 M rejected items small, and lists it fast', async () => {
    const n = 2_621_439;
    const body = Buffer.from(`[${'1,'.repeat(n - 1)}1]`);
    assert.deepEqual((await post(ingest(), body)).body, { accepted: 0, duplicates: 0, quarantined: n });
    const text = [...objects.values()][0]!;
    assert.ok(text.length < body.length + 2_000, `${text.length} bytes`);
    const t = performance.now();
    const lines = await listQuarantine(s3, 'b');
    const ms = performance.now() - t;
    assert.deepEqual(lines.map((l) => l.count), [n]);
    assert.ok(ms < 2_000, `listed in ${ms} ms`);
  });
});
