/**
 * The compactor's streaming writes and reads against the local S3 server (s3rver over HTTP), not
 * a mock: merged objects go up as multipart uploads (parts of a few KB here, so that a small day
 * makes several), split by the size cap, and are read back by ranged GETs; the day ends with the
 * same rows, sorted, `verify` green, and no upload left open.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { archiveCompactor } from '../../lambdas/adapters/archive-compact.ts';
import { memoryArchiveState } from '../../lambdas/adapters/archive-state.ts';
import { archiveVerifier } from '../../lambdas/adapters/archive-verify.ts';
import { archiveWriter } from '../../lambdas/adapters/archive-writer.ts';
import { rowSetHash, sha256Hex } from '../../lambdas/core/digest.ts';
import { sortRows } from '../../lambdas/core/compact.ts';
import { readParquetColumns } from '../../lambdas/core/parquet.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { LOCAL_CREDENTIALS, startS3 } from '../../local/standins.ts';
import { ev } from '../helpers/events.ts';

const BUCKET = 'archive';
let dir: string;
let stop: () => Promise<void>;
let s3: S3Client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'authtrail-compact-mp-'));
  const r = await startS3(dir);
  stop = r.stop;
  s3 = new S3Client({ endpoint: r.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  s3?.destroy();
  await stop?.();
  rmSync(dir, { recursive: true, force: true });
});

it('a tenant-day merged through multipart uploads and read back by ranged GETs against s3rver: split by the cap, the same rows, sorted, verify green', async () => {
  const now = Date.parse('2026-11-28T05:00:00Z');
  const state = memoryArchiveState();
  const writer = archiveWriter({ s3, bucket: BUCKET, state, now: () => new Date(now) });
  const all: AuthEvent[] = [];
  for (let b = 0; b < 12; b++) {
    const records = [];
    for (let i = 0; i < 100; i++) {
      const n = b * 100 + i;
      const e = ev({ event_uid: `m${n}`, event_time: `2026-11-20T${String(Math.floor(n / 50)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:00.000Z`, raw: JSON.stringify({ n, nonce: sha256Hex(`m${n}`).repeat(3) }) });
      all.push(e);
      records.push({ seq: String(2_000_000 + n), pk: `${e.source_id}#${e.event_uid}`, event: e });
    }
    await writer.archive({ stream: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x', records });
  }
  const list = async (prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((x) => x.Key!);
  assert.equal((await list('events/tenant=acme/dt=2026-11-20/')).length, 12);
  // About 100 KB of merged Parquet: a cap of 60 KB makes two objects, parts of 8 KB several parts each.
  const sent: string[] = [];
  s3.middlewareStack.add((next, context) => async (args) => {
    sent.push(`${context.commandName}${(args.input as { Range?: string }).Range ? ' ranged' : ''}`);
    return next(args);
  }, { step: 'initialize', name: 'recordCommands' });
  const c = archiveCompactor({ s3, bucket: BUCKET, state, now: () => now, sizeCap: 60_000, rowGroupRows: 200, partSize: 8_192 });
  const r = await c.compactTenant('acme', { day: '2026-11-20' });
  assert.equal(r.days.length, 1);
  const keys = await list('events/tenant=acme/dt=2026-11-20/');
  assert.ok(keys.length >= 2 && keys.every((k) => /compacted-[0-9a-f]{16}(-\d+)?\.parquet$/.test(k)), keys.join(' '));
  assert.equal(r.days[0]!.outputs, keys.length);
  const rows: { event_time: string; source_id: string; event_uid: string }[] = [];
  for (const k of keys.sort((x, y) => (x.length - y.length) || (x < y ? -1 : 1))) {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: k }))).Body!.transformToByteArray();
    assert.ok(body.length <= 60_000, `${k}: ${body.length} bytes`);
    const part = (await readParquetColumns(body, ['event_time', 'source_id', 'event_uid'])).map((x) => ({ event_time: (x['event_time'] as Date).toISOString(), source_id: String(x['source_id']), event_uid: String(x['event_uid']) }));
    assert.deepEqual(part, sortRows(part));
    rows.push(...part);
  }
  assert.deepEqual(rows, sortRows(all).map(({ event_time, source_id, event_uid }) => ({ event_time, source_id, event_uid })));
  assert.equal(rowSetHash(rows), rowSetHash(all));
  assert.deepEqual(await list('compaction/'), []);
  // (s3rver cannot list multipart uploads: each one begun was completed, and each ranged GET answered.)
  assert.equal(sent.filter((x) => x === 'CreateMultipartUploadCommand').length, keys.length);
  assert.equal(sent.filter((x) => x === 'CompleteMultipartUploadCommand').length, keys.length);
  assert.ok(sent.filter((x) => x === 'UploadPartCommand').length > 2 * keys.length);
  assert.ok(sent.includes('GetObjectCommand ranged'));
  const v = await archiveVerifier({ s3, bucket: BUCKET, state }).verifyTenant('acme');
  assert.deepEqual(v.findings, []);
});
