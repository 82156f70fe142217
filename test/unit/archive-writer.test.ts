import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { archiveWriter } from '../../lambdas/adapters/archive-writer.ts';
import type { DigestHeads } from '../../lambdas/adapters/state.ts';
import type { DigestRef } from '../../lambdas/core/digest.ts';
import { ev } from '../helpers/events.ts';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(s3);

function memoryHeads(conflicts = 0): DigestHeads & { heads: Map<string, DigestRef> } {
  const heads = new Map<string, DigestRef>();
  let left = conflicts;
  return {
    heads,
    async get(t) { return heads.get(t) ?? null; },
    async compareAndSet(t, expected, next) {
      if (left-- > 0) { heads.set(t, { key: 'digests/other.json', sha256: 'other' }); return false; }
      if ((heads.get(t)?.sha256 ?? null) !== (expected?.sha256 ?? null)) return false;
      heads.set(t, next);
      return true;
    },
  };
}

const events = [
  ev({ event_uid: '1', event_time: '2026-11-20T10:00:00.000Z' }),
  ev({ event_uid: '2', event_time: '2026-11-21T10:00:00.000Z' }),
  ev({ event_uid: '3', event_time: '2026-11-21T11:00:00.000Z', tenant: 'globex', source_id: 'globex-okta' }),
];

describe('archive writer', () => {
  beforeEach(() => mock.reset());

  it('writes one Parquet object per tenant-day and one chained digest per tenant, KMS-encrypted', async () => {
    mock.on(PutObjectCommand).resolves({});
    const heads = memoryHeads();
    const w = archiveWriter({ s3, bucket: 'b', heads, kmsKeyId: 'key-arn' });
    const r = await w.archive(events);
    assert.deepEqual([r.objects, r.rows], [3, 3]);
    const keys = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key!);
    assert.equal(keys.filter((k) => k.startsWith('events/')).length, 3);
    assert.equal(keys.filter((k) => k.startsWith('digests/tenant=acme/')).length, 1);
    assert.equal(keys.filter((k) => k.startsWith('digests/tenant=globex/')).length, 1);
    assert.ok(mock.commandCalls(PutObjectCommand).every((c) => c.args[0].input.SSEKMSKeyId === 'key-arn'));
    const first = heads.heads.get('acme')!;
    await w.archive([ev({ event_uid: '4', event_time: '2026-11-22T10:00:00.000Z' })]);
    const digest = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input).filter((i) => i.Key!.startsWith('digests/tenant=acme/')).pop()!;
    assert.deepEqual(JSON.parse(digest.Body as string).previous, first, 'the second digest names the first');
  });

  it('removes what it wrote when an object fails, so a retry leaves no second copy', async () => {
    mock.on(PutObjectCommand).resolvesOnce({}).rejectsOnce(new Error('SlowDown')).resolves({});
    mock.on(DeleteObjectCommand).resolves({});
    const w = archiveWriter({ s3, bucket: 'b', heads: memoryHeads() });
    await assert.rejects(w.archive(events), /SlowDown/);
    const written = mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Key;
    assert.deepEqual(mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key), [written]);
  });

  it('re-chains after a concurrent archiver moved the head, withdrawing its own digest', async () => {
    mock.on(PutObjectCommand).resolves({});
    mock.on(DeleteObjectCommand).resolves({});
    const heads = memoryHeads(1);
    await archiveWriter({ s3, bucket: 'b', heads }).archive([events[0]!]);
    assert.equal(mock.commandCalls(DeleteObjectCommand).length, 1);
    assert.match(mock.commandCalls(DeleteObjectCommand)[0]!.args[0].input.Key!, /^digests\//);
    const last = mock.commandCalls(PutObjectCommand).pop()!.args[0].input;
    assert.deepEqual(JSON.parse(last.Body as string).previous, { key: 'digests/other.json', sha256: 'other' });
  });
});
