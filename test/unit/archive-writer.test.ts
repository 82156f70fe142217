import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readParquetColumns } from '../../lambdas/core/parquet.ts';
import { mockClient } from 'aws-sdk-client-mock';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { archiveWriter, type ArchiveRecord } from '../../lambdas/adapters/archive-writer.ts';
import { memoryArchiveState, headKey, type ArchiveState } from '../../lambdas/adapters/archive-state.ts';
import { sha256Hex, verifyArchive } from '../../lambdas/core/digest.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { ev } from '../helpers/events.ts';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/authtrail-events/stream/2026-11-28T00:00:00.000';

/** An S3 bucket in memory behind the SDK client; `failOn` throws for the puts it selects. */
function memoryS3() {
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const objects = new Map<string, Uint8Array>();
  const puts: { Key: string; SSEKMSKeyId?: string | undefined }[] = [];
  let failOn: (key: string) => boolean = () => false;
  mockClient(s3).on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array | string; SSEKMSKeyId?: string }) => {
    if (failOn(input.Key)) throw Object.assign(new Error(`injected failure writing ${input.Key}`), { name: 'SlowDown' });
    objects.set(input.Key, typeof input.Body === 'string' ? Buffer.from(input.Body) : input.Body);
    puts.push({ Key: input.Key, SSEKMSKeyId: input.SSEKMSKeyId });
    return {};
  });
  return { s3, objects, puts, fail: (f: (key: string) => boolean) => { failOn = f; } };
}

const record = (i: number, e: Partial<AuthEvent> = {}): ArchiveRecord => ({
  seq: String(1_000_000 + i * 7),
  pk: `acme-okta#e${i}`,
  event: ev({ event_uid: `e${i}`, event_time: `2026-11-2${i % 3}T10:00:00.000Z`, ...e }),
});

/** Every archived row, by event uid, read back from the Parquet objects, plus `verify`'s findings per tenant. */
async function audit(objects: Map<string, Uint8Array>, state: ArchiveState, tenants: string[]) {
  const rows = new Map<string, number>();
  for (const [key, body] of objects) {
    if (!key.startsWith('events/')) continue;
    // The archive's own reader: GZIP on Node 20, ZSTD where zlib has it (Node ≥ 22.15).
    for (const r of await readParquetColumns(body, ['source_id', 'event_uid'])) {
      const id = `${r['source_id']}#${r['event_uid']}`;
      rows.set(id, (rows.get(id) ?? 0) + 1);
    }
  }
  const findings = [];
  for (const tenant of tenants) {
    const digests = new Map<string, string>();
    const objs = new Map<string, string>();
    for (const [k, b] of objects) {
      if (k.startsWith(`digests/tenant=${tenant}/`)) digests.set(k, Buffer.from(b).toString('utf8'));
      if (k.startsWith(`events/tenant=${tenant}/`)) objs.set(k, sha256Hex(b));
    }
    findings.push(...verifyArchive({ tenant, head: await state.head(tenant), digests, objects: objs }).findings);
  }
  return { rows, findings };
}

describe('archive writer: exactly once by construction', () => {
  it('writes one Parquet object per tenant-day and one chained digest per tenant, KMS-encrypted', async () => {
    const m = memoryS3();
    const state = memoryArchiveState();
    const w = archiveWriter({ s3: m.s3, bucket: 'b', state, kmsKeyId: 'key-arn' });
    const records = [record(0), record(1), record(2, { tenant: 'globex', source_id: 'globex-okta' })];
    const r = await w.archive({ stream: STREAM, records });
    assert.deepEqual([r.objects, r.rows, r.skipped], [3, 3, 0]);
    assert.equal(m.puts.filter((p) => p.Key.startsWith('events/')).length, 3);
    assert.equal(m.puts.filter((p) => p.Key.startsWith('digests/tenant=acme/')).length, 1);
    assert.ok(m.puts.every((p) => p.SSEKMSKeyId === 'key-arn'));
    const first = await state.head('acme');
    assert.equal(first?.published, true);
    await w.archive({ stream: STREAM, records: [record(3)] });
    const second = await state.head('acme');
    assert.deepEqual(JSON.parse(Buffer.from(m.objects.get(second!.key)!).toString()).previous, { key: first!.key, sha256: first!.sha256 });
    const a = await audit(m.objects, state, ['acme', 'globex']);
    assert.deepEqual(a.findings, []);
    assert.deepEqual([...a.rows.values()], [1, 1, 1, 1]);
  });

  it('a redelivered batch (its answer was lost) adds nothing', async () => {
    const m = memoryS3();
    const state = memoryArchiveState();
    const w = archiveWriter({ s3: m.s3, bucket: 'b', state });
    const records = Array.from({ length: 20 }, (_, i) => record(i));
    await w.archive({ stream: STREAM, records });
    const puts = m.puts.length;
    const again = await w.archive({ stream: STREAM, records });
    assert.deepEqual([again.rows, again.skipped], [0, 20]);
    assert.equal(m.puts.length, puts, 'no object and no digest written again');
    // Re-read after a restart: the same start, more records behind it.
    const longer = await w.archive({ stream: STREAM, records: [...records, record(20), record(21)] });
    assert.deepEqual([longer.rows, longer.skipped], [2, 20]);
    const a = await audit(m.objects, state, ['acme']);
    assert.deepEqual(a.findings, []);
    assert.equal(a.rows.size, 22);
    assert.ok([...a.rows.values()].every((n) => n === 1));
  });

  it('objects written before a failed commit are overwritten by the retry, never left beside it', async () => {
    const m = memoryS3();
    const state = memoryArchiveState();
    const commit = state.commitSegment.bind(state);
    let failures = 1;
    state.commitSegment = async (c) => { if (failures-- > 0) throw new Error('injected: transaction timed out'); return commit(c); };
    const w = archiveWriter({ s3: m.s3, bucket: 'b', state });
    const records = Array.from({ length: 30 }, (_, i) => record(i));
    await assert.rejects(w.archive({ stream: STREAM, records: records.slice(0, 20) }), /transaction timed out/);
    const orphans = [...m.objects.keys()].filter((k) => k.startsWith('events/'));
    assert.equal(orphans.length, 3);
    // The retry sees a different batch (bisected, then re-read longer): same first records, same names.
    await w.archive({ stream: STREAM, records: records.slice(0, 10) });
    await w.archive({ stream: STREAM, records: records.slice(10, 30) });
    const a = await audit(m.objects, state, ['acme']);
    assert.deepEqual(a.findings, []);
    assert.equal(a.rows.size, 30);
    assert.ok([...a.rows.values()].every((n) => n === 1), 'every event once');
  });

  it('a batch bisected after its commit skips both halves, through a pointer for the second', async () => {
    const m = memoryS3();
    const state = memoryArchiveState();
    const w = archiveWriter({ s3: m.s3, bucket: 'b', state });
    const records = Array.from({ length: 12 }, (_, i) => record(i));
    m.fail((key) => key.startsWith('digests/'));
    await assert.rejects(w.archive({ stream: STREAM, records }), /injected failure/);
    assert.equal((await state.head('acme'))?.published, false, 'committed, not yet published');
    m.fail(() => false);
    const first = await w.archive({ stream: STREAM, records: records.slice(0, 6) });
    assert.deepEqual([first.rows, first.skipped], [0, 6]);
    assert.equal((await state.head('acme'))?.published, true, 'the retry published the digest');
    const second = await w.archive({ stream: STREAM, records: records.slice(6) });
    assert.deepEqual([second.rows, second.skipped], [0, 6]);
    const a = await audit(m.objects, state, ['acme']);
    assert.deepEqual(a.findings, []);
    assert.equal(a.rows.size, 12);
  });

  it('re-chains after another archiver moved a tenant\'s head', async () => {
    const m = memoryS3();
    const state = memoryArchiveState();
    const other = archiveWriter({ s3: m.s3, bucket: 'b', state });
    const commit = state.commitSegment.bind(state);
    let raced = false;
    state.commitSegment = async (c) => {
      if (!raced) { raced = true; await other.archive({ stream: `${STREAM}-other-shard`, records: [record(99)] }); }
      return commit(c);
    };
    await archiveWriter({ s3: m.s3, bucket: 'b', state }).archive({ stream: STREAM, records: [record(1), record(2)] });
    const a = await audit(m.objects, state, ['acme']);
    assert.deepEqual(a.findings, []);
    assert.equal(a.rows.size, 3);
  });

  it('commits more than 99 tenants in several segments, and a crash between them doubles nothing', async () => {
    const m = memoryS3();
    const state = memoryArchiveState();
    const records = Array.from({ length: 150 }, (_, i) => record(i, { tenant: `t${i}`, source_id: `t${i}-okta` }));
    const commit = state.commitSegment.bind(state);
    let n = 0;
    state.commitSegment = async (c) => { if (++n === 2) throw new Error('injected crash between segments'); return commit(c); };
    const w = archiveWriter({ s3: m.s3, bucket: 'b', state });
    await assert.rejects(w.archive({ stream: STREAM, records }));
    const r = await w.archive({ stream: STREAM, records });
    assert.deepEqual([r.skipped, r.rows], [99, 51]);
    const a = await audit(m.objects, state, records.map((x) => x.event!.tenant));
    assert.deepEqual(a.findings, []);
    assert.equal(a.rows.size, 150);
    assert.ok(state.items.has(headKey('t149')));
  });

  it('under any pattern of failures, retries, bisections and re-reads: every event once and verify green', async () => {
    const runs = Number(process.env.FUZZ_RUNS ?? 60);
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 80 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 12 })), { minLength: 1, maxLength: 40 }),
      async (n, tenants, plan) => {
        const m = memoryS3();
        const state = memoryArchiveState();
        const records = Array.from({ length: n }, (_, i) => record(i, { tenant: `t${i % tenants}`, source_id: `t${i % tenants}-okta` }));
        let calls = 0;
        let failAt = -1;
        const tick = () => { if (++calls === failAt) throw new Error('injected fault'); };
        m.fail(() => { try { tick(); return false; } catch { return true; } });
        const base = { ...state };
        Object.assign(state, {
          commitSegment: async (c: Parameters<ArchiveState['commitSegment']>[0]) => { tick(); return base.commitSegment(c); },
          markPublished: async (t: string, s: string) => { tick(); return base.markPublished(t, s); },
          putPointer: async (k: string, c: Uint8Array) => { tick(); return base.putPointer(k, c); },
        });
        const w = archiveWriter({ s3: m.s3, bucket: 'b', state });
        // Lambda-like delivery: a failed batch comes back from the same record, bisected or re-read at another size.
        let at = 0;
        let step = 0;
        while (at < n) {
          const [size, fault] = plan[step % plan.length]!;
          step++;
          calls = 0;
          failAt = step > plan.length * 3 ? -1 : fault; // eventually the faults stop
          const batch = records.slice(at, at + size);
          try {
            await w.archive({ stream: STREAM, records: batch });
            at += batch.length;
          } catch { /* retried from `at` */ }
        }
        failAt = -1;
        const a = await audit(m.objects, state, Array.from({ length: tenants }, (_, i) => `t${i}`));
        assert.deepEqual(a.findings, []);
        assert.equal(a.rows.size, n);
        assert.ok([...a.rows.values()].every((c) => c === 1), 'no event twice');
      },
    ), { numRuns: runs, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) });
  });
});
