/**
 * Archive compaction: the plan (core/compact.ts), the replacement digest and what `verify` makes
 * of it (core/digest.ts), and the compactor's protocol (adapters/archive-compact.ts) against a
 * versioned S3 in memory — exactly once, the same rows before and after, `verify` green before,
 * after and at every step a crash can stop it, never a row twice in the listing, and under
 * Object Lock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { archiveWriter, type ArchiveRecord } from '../../lambdas/adapters/archive-writer.ts';
import { memoryArchiveState } from '../../lambdas/adapters/archive-state.ts';
import { archiveVerifier } from '../../lambdas/adapters/archive-verify.ts';
import { archiveCompactor, CompactionError, type CompactionStep } from '../../lambdas/adapters/archive-compact.ts';
import { ARCHIVE_COLUMNS } from '../../lambdas/core/archive.ts';
import {
  CLOSED_AFTER_MS, compactable, DEFAULT_SIZE_CAP, mergeSorted, MergeOrderError, outputKey, planDay, type MergeSource, readableByDt, sortRows, stagingKey,
} from '../../lambdas/core/compact.ts';
import { encodeDigest, rowSetHash, sha256Hex, verifyArchive, type Digest, type DigestObject } from '../../lambdas/core/digest.ts';
import { archiveParquetStream, readParquetColumns } from '../../lambdas/core/parquet.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { parquetMetadata } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { ev } from '../helpers/events.ts';
import { versionedS3, type VersionedS3 } from '../helpers/versioned-s3.ts';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/authtrail-events/stream/2026-11-01T00:00:00.000';
const BUCKET = 'archive';
const NOW = Date.parse('2026-11-28T05:00:00Z');

const obj = (key: string, size: number, rows = 10): DigestObject => ({ key, sha256: sha256Hex(key), size, rows, first_event_time: 't', last_event_time: 't' });

describe('compaction plan (pure)', () => {
  it('merges a day\'s small objects into one output named after the old set; a day with one object is a no-op', () => {
    const objects = [obj('events/tenant=a/dt=2026-11-20/b.parquet', 1000), obj('events/tenant=a/dt=2026-11-20/a.parquet', 2000)];
    const [p, ...rest] = planDay('a', '2026-11-20', objects);
    assert.deepEqual(rest, []);
    assert.deepEqual(p!.inputs.map((x) => x.key), ['events/tenant=a/dt=2026-11-20/a.parquet', 'events/tenant=a/dt=2026-11-20/b.parquet']);
    assert.match(p!.output, /^events\/tenant=a\/dt=2026-11-20\/compacted-[0-9a-f]{16}\.parquet$/);
    assert.deepEqual(planDay('a', '2026-11-20', [objects[0]!]), []);
    assert.deepEqual(planDay('a', '2026-11-20', []), []);
    // A different old set, a different name: a re-compaction never reuses a key it replaces.
    assert.notEqual(planDay('a', '2026-11-20', [...objects, obj('events/tenant=a/dt=2026-11-20/c.parquet', 10)])[0]!.output, p!.output);
  });

  it('one merge of all the day\'s small objects in event-time order, however many bytes and rows; objects of half the cap or more stay', () => {
    const cap = 1000;
    const small = Array.from({ length: 5 }, (_, i) => ({ ...obj(`events/tenant=a/dt=2026-11-20/s${i}.parquet`, 450, 400_000), first_event_time: `2026-11-20T0${4 - i}:00:00.000Z` }));
    const groups = planDay('a', '2026-11-20', [...small, obj('events/tenant=a/dt=2026-11-20/big.parquet', 600)], cap);
    // 2,250 bytes and 2 M rows of small objects: one merge (its output is split by the cap as it is written).
    assert.deepEqual(groups.map((g) => g.inputs.map((x) => x.key.slice(-10, -8))), [['s4', 's3', 's2', 's1', 's0']]);
    assert.deepEqual(planDay('a', '2026-11-20', [obj('events/tenant=a/dt=2026-11-20/x.parquet', 600), obj('events/tenant=a/dt=2026-11-20/y.parquet', 700)], cap), []);
    assert.equal(DEFAULT_SIZE_CAP, 256 * 1024 * 1024);
    // The outputs' keys: the first as before, the next numbered from 2.
    assert.equal(outputKey(groups[0]!, 0), groups[0]!.output);
    assert.equal(outputKey(groups[0]!, 1), groups[0]!.output.replace(/\.parquet$/, '-2.parquet'));
  });

  it('a day is closed 27 h after it ended; by name (--day) any day before today', () => {
    const end = Date.parse('2026-11-21T00:00:00Z');
    assert.equal(CLOSED_AFTER_MS, 27 * 3_600_000);
    assert.equal(compactable('2026-11-20', end + CLOSED_AFTER_MS - 1, false), false);
    assert.equal(compactable('2026-11-20', end + CLOSED_AFTER_MS, false), true);
    assert.equal(compactable('2026-11-20', end + 1, true), true);
    assert.equal(compactable('2026-11-21', end + 1, true), false);
    assert.equal(compactable('2026-11-22', end + 1, true), false);
    assert.equal(compactable('nope', end, true), false);
  });

  it('rows sort by event_time, then source_id, then event_uid', () => {
    const rows = [
      { event_time: '2026-11-20T10:00:00.000Z', source_id: 'b', event_uid: '1' },
      { event_time: '2026-11-20T09:00:00.000Z', source_id: 'z', event_uid: '9' },
      { event_time: '2026-11-20T10:00:00.000Z', source_id: 'a', event_uid: '2' },
      { event_time: '2026-11-20T10:00:00.000Z', source_id: 'a', event_uid: '1' },
    ];
    assert.deepEqual(sortRows(rows).map((r) => `${r.source_id}${r.event_uid}`), ['z9', 'a1', 'a2', 'b1']);
  });

  it('the streaming merge: sorted output from sorted sources, each opened only when the merge reaches its first event_time; a source out of order is an error', async () => {
    const t = (h: number, m = 0) => `2026-11-20T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00.000Z`;
    const row = (h: number, uid: string, m = 0) => ({ event_time: t(h, m), source_id: 's', event_uid: uid });
    const opened: string[] = [];
    const src = (name: string, batches: ReturnType<typeof row>[][]): MergeSource<ReturnType<typeof row>> => ({
      first: Date.parse(batches[0]![0]!.event_time),
      open: () => { opened.push(name); return (async function* () { for (const b of batches) yield b; })(); },
    });
    const sources = [
      src('c', [[row(5, 'c1')], [row(6, 'c2')]]),
      src('a', [[row(1, 'a1'), row(2, 'a2')], [], [row(2, 'a3'), row(4, 'a4')]]),
      src('b', [[row(2, 'b1'), row(3, 'b2')]]),
    ];
    const seen: string[][] = [];
    const order: string[] = [];
    for await (const batch of mergeSorted(sources, 3)) { seen.push(batch.map((r) => r.event_uid)); order.push(opened.join('')); }
    assert.deepEqual(seen, [['a1', 'a2', 'a3'], ['b1', 'b2', 'a4'], ['c1', 'c2']]);
    // c (from 05:00) was not open while the first two batches were made.
    assert.deepEqual(order, ['ab', 'ab', 'abc']);
    const bad = [src('x', [[row(3, 'x1'), row(1, 'x2')]])];
    await assert.rejects(async () => { for await (const _ of mergeSorted(bad, 10)) void _; }, MergeOrderError);
  });

  it('the row-set hash ignores order and split, and counts duplicates', () => {
    const a = { source_id: 's', event_uid: '1' };
    const b = { source_id: 's', event_uid: '2' };
    assert.equal(rowSetHash([a, b]), rowSetHash([b, a]));
    assert.notEqual(rowSetHash([a, b]), rowSetHash([a, b, b]));
    assert.notEqual(rowSetHash([a]), rowSetHash([b]));
    // The separator keeps ("s1", "x") and ("s", "1x") apart.
    assert.notEqual(rowSetHash([{ source_id: 's1', event_uid: 'x' }]), rowSetHash([{ source_id: 's', event_uid: '1x' }]));
    assert.equal(stagingKey('events/tenant=a/dt=2026-11-20/compacted-ab.parquet', 'r1'), 'compaction/tenant=a/dt=2026-11-20/compacted-ab.r1.parquet');
  });
});

describe('verify and the replacement digest (pure)', () => {
  const tenant = 'a';
  const oldA = obj('events/tenant=a/dt=2026-11-20/a.parquet', 10, 3);
  const oldB = obj('events/tenant=a/dt=2026-11-20/b.parquet', 10, 2);
  const merged = obj('events/tenant=a/dt=2026-11-20/compacted-x.parquet', 15, 5);
  const stage = 'compaction/tenant=a/dt=2026-11-20/compacted-x.r.parquet';
  const d1 = encodeDigest({ version: 1, tenant, created: '2026-11-20T10:00:00.000Z', previous: null, objects: [oldA, oldB] });
  const replacement = (o: Partial<Digest> = {}) => encodeDigest({
    version: 2, tenant, created: '2026-11-22T04:00:00.000Z', previous: { key: d1.key, sha256: d1.sha256 }, objects: [merged],
    replaces: { reason: 'compaction', dt: '2026-11-20', old: [oldA, oldB].map(({ key, sha256, size, rows }) => ({ key, sha256, size, rows })), rows: 5, row_set: 'h', staging: { [merged.key]: stage } },
    ...o,
  });
  const run = (present: DigestObject[], staged: Record<string, string> = {}, d2 = replacement()) => verifyArchive({
    tenant, head: { key: d2.key, sha256: d2.sha256 }, digests: new Map([[d1.key, d1.body], [d2.key, d2.body]]),
    objects: new Map(present.map((x) => [x.key, x.sha256])), staged: new Map(Object.entries(staged)),
  });
  const kinds = (r: ReturnType<typeof run>) => r.findings.map((f) => `${f.kind} ${f.key.split('/').pop()}`);

  it('every state the protocol passes through is green: old set in place, partly deleted with the new staged, new in place', () => {
    assert.deepEqual(kinds(run([oldA, oldB], { [stage]: merged.sha256 })), []); // committed, not yet swapped
    assert.equal(run([oldA, oldB], { [stage]: merged.sha256 }).compacting, 1);
    assert.deepEqual(kinds(run([oldB], { [stage]: merged.sha256 })), []); // deleting
    assert.deepEqual(kinds(run([], { [stage]: merged.sha256 })), []); // deleted, not yet moved
    const done = run([merged]);
    assert.deepEqual(kinds(done), []);
    assert.equal(done.compacting, 0);
    assert.equal(done.checked, 1);
  });

  it('readers (the backfill) read the current objects: the merged one, or its staging copy until it is moved in; never a replaced one', () => {
    const d2 = replacement();
    const m = readableByDt({ key: d2.key, sha256: d2.sha256 }, new Map([[d1.key, d1.body], [d2.key, d2.body]]));
    assert.deepEqual([...m], [['2026-11-20', [{ key: merged.key, staging: stage }]]]);
    assert.deepEqual([...readableByDt({ key: d1.key, sha256: d1.sha256 }, new Map([[d1.key, d1.body]]))], [['2026-11-20', [{ key: oldA.key }, { key: oldB.key }]]]);
  });

  it('findings: both sets in place (rows twice), the new object neither in place nor staged, a staged copy that differs, rows that do not add up', () => {
    assert.deepEqual(kinds(run([oldA, merged])), ['superseded a.parquet']);
    assert.deepEqual(kinds(run([])), ['missing compacted-x.parquet']);
    assert.deepEqual(kinds(run([], { [stage]: 'f'.repeat(64) })), ['missing compacted-x.parquet']);
    assert.deepEqual(kinds(run([{ ...merged, sha256: 'e'.repeat(64) }])), ['altered compacted-x.parquet']);
    const bad = replacement({ objects: [{ ...merged, rows: 4 }] });
    assert.deepEqual(run([{ ...merged, rows: 4 }], {}, bad).findings.map((f) => f.kind), ['replacement_invalid']);
    const unknown = replacement({ replaces: { reason: 'compaction', dt: '2026-11-20', old: [{ key: 'events/tenant=a/dt=2026-11-20/zz.parquet', sha256: 'x', size: 1, rows: 5 }], rows: 5, row_set: 'h', staging: {} } });
    assert.deepEqual(run([oldA, oldB, merged], {}, unknown).findings.map((f) => f.kind), ['replacement_invalid']);
  });
});

/** A tenant-day's rows as queries see them: every current object's rows (all columns), sorted. */
async function rowsOf(vs: VersionedS3, prefix = 'events/'): Promise<string[]> {
  const out: string[] = [];
  for (const [key, body] of vs.current(prefix)) {
    const dt = /dt=([^/]+)/.exec(key)![1];
    for (const r of await readParquetColumns(body, ARCHIVE_COLUMNS.map((c) => c.name))) out.push(JSON.stringify([key.split('/')[1], dt, ...ARCHIVE_COLUMNS.map((c) => (r[c.name] instanceof Date ? (r[c.name] as Date).toISOString() : r[c.name] ?? null))]));
  }
  return out.sort();
}

const dupes = (rows: string[]) => rows.length - new Set(rows).size;

/** An archive of two tenants written by the real archiver: several batches per day, and today. */
async function archived(o: { objectLockDays?: number } = {}) {
  const vs = versionedS3(o);
  vs.now = NOW;
  const state = memoryArchiveState();
  const writer = archiveWriter({ s3: vs.s3, bucket: BUCKET, state, now: () => new Date(vs.now) });
  let seq = 1_000_000;
  const batch = async (n: number, day: string, tenants = ['acme', 'globex']) => {
    const records: ArchiveRecord[] = [];
    for (let i = 0; i < n; i++) {
      const tenant = tenants[i % tenants.length]!;
      seq += 7;
      const uid = `e${seq}`;
      const time = `${day}T${String(23 - (seq % 24)).padStart(2, '0')}:${String(seq % 60).padStart(2, '0')}:00.000Z`;
      records.push({ seq: String(seq), pk: `${tenant}-okta#${uid}`, event: ev({ tenant, source_id: `${tenant}-okta`, event_uid: uid, event_time: time, user_login: `u${seq % 5}@example.com`, geo_lat: seq % 3 ? 1.5 : null }) });
    }
    await writer.archive({ stream: STREAM, records });
  };
  for (let b = 0; b < 4; b++) { await batch(6, '2026-11-20'); await batch(4, '2026-11-21'); }
  await batch(4, '2026-11-28');
  await batch(3, '2026-11-27');
  const compactor = (x: { fault?: (s: CompactionStep, dt: string) => void; objectLock?: 'governance' | 'compliance' } = {}) =>
    archiveCompactor({ s3: vs.s3, bucket: BUCKET, state, now: () => vs.now, ...x });
  const verify = async (tenant = 'acme') => {
    const r = await archiveVerifier({ s3: vs.s3, bucket: BUCKET, state }).verifyTenant(tenant);
    return r.findings.map((f) => `${f.kind} ${f.key}`);
  };
  return { vs, state, writer, compactor, verify, batch };
}

const objectsOf = (vs: VersionedS3, tenant: string, dt: string) => [...vs.current(`events/tenant=${tenant}/dt=${dt}/`).keys()];

/**
 * A tenant-day of 1,200 rows in 24 small objects, and a size cap that holds two of the merge's
 * 100-row row groups (with the footer) but not three.
 */
async function splitDay(interleave = true) {
  // 1,200 rows in 24 batches whose times interleave (every input spans the day; or, not
  // interleaved, batch b holds hour b) with many equal
  // event_times (runs that cross row groups), merged in row groups of 100 rows.
  const vs = versionedS3();
  vs.now = NOW;
  const state = memoryArchiveState();
  const writer = archiveWriter({ s3: vs.s3, bucket: BUCKET, state, now: () => new Date(vs.now) });
  const all: AuthEvent[] = [];
  for (let b = 0; b < 24; b++) {
    const records: ArchiveRecord[] = [];
    for (let i = 0; i < 50; i++) {
      const n = b * 50 + i;
      const e = ev({ event_uid: `u${String((n * 7919) % 1200).padStart(4, '0')}`, source_id: n % 3 ? 'acme-okta' : 'acme-duo', event_time: `2026-11-20T${String(interleave ? (n * 13) % 24 : Math.floor(n / 50)).padStart(2, '0')}:${String(n % 2 ? 0 : 30).padStart(2, '0')}:00.000Z`, user_login: `u${n % 17}@example.com`, raw: JSON.stringify({ n, nonce: sha256Hex(`n${n}`).repeat(3) }) });
      all.push(e);
      records.push({ seq: String(1_000_000 + n), pk: `${e.source_id}#${e.event_uid}`, event: e });
    }
    await writer.archive({ stream: STREAM, records });
  }
  const before = await rowsOf(vs);
  // The row groups' and footers' sizes as the compactor's encoder writes them (the same rows in
  // the same order; incompressible raw JSON, so row groups, not footers, make up an object).
  const bw = new ByteWriter();
  const enc = archiveParquetStream(bw);
  const groups: number[] = [];
  const footers: number[] = [];
  const sorted = sortRows(all);
  for (let i = 0; i < sorted.length; i += 100) { const at = bw.offset; await enc.write(sorted.slice(i, i + 100)); groups.push(bw.offset - at); footers.push(enc.footerBytes()); }
  assert.ok(Math.max(...groups) < Math.min(...groups) * 1.1, `row groups of about one size: ${groups.join(' ')}`);
  // An object ends when another row group of the last one's size and the footer grown by a row
  // group's share would pass the cap: after its second row group, not its first.
  const g = Math.max(...groups);
  const keepsFirst = 4 + 2 * g + 2 * footers[0]!;
  const endsSecond = 4 + 3 * Math.min(...groups) + 1.5 * footers[1]!;
  assert.ok(keepsFirst < endsSecond);
  const cap = Math.round((keepsFirst + endsSecond) / 2);
  return { vs, state, all, before, cap };
}

describe('the compactor against a versioned S3 in memory', () => {
  it('merges each closed tenant-day into one object: the same rows, sorted, verify green; today and the unclosed day stay; a rerun is a no-op', async () => {
    const a = await archived();
    const before = await rowsOf(a.vs);
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-20').length, 4);
    assert.deepEqual(await a.verify(), []);
    const r = await a.compactor().compactTenant('acme');
    assert.deepEqual(r.days.map((d) => [d.dt, d.objectsBefore, d.objectsAfter, d.rows]), [['2026-11-20', 4, 1, 12], ['2026-11-21', 4, 1, 8]]);
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-20').length, 1);
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-27').length, 1); // not closed: left as is
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-28').length, 1);
    assert.equal(objectsOf(a.vs, 'globex', '2026-11-20').length, 4); // another tenant: untouched
    assert.deepEqual(await rowsOf(a.vs), before);
    assert.deepEqual(await a.verify(), []);
    assert.deepEqual(await a.verify('globex'), []);
    assert.deepEqual([...a.vs.current('compaction/').keys()], []);
    // Sorted by event_time in the merged object.
    const [key] = objectsOf(a.vs, 'acme', '2026-11-20');
    const times = (await readParquetColumns(a.vs.current().get(key!)!, ['event_time'])).map((x) => (x['event_time'] as Date).toISOString());
    assert.deepEqual(times, [...times].sort());
    // The digest records the replacement; a second run changes nothing.
    const digests = [...a.vs.current('digests/tenant=acme/').values()].map((b) => JSON.parse(new TextDecoder().decode(b)) as Digest);
    const v2 = digests.filter((d) => d.version === 2);
    assert.equal(v2.length, 2);
    assert.deepEqual(v2.map((d) => [d.replaces!.dt, d.replaces!.old.length, d.replaces!.rows, d.objects.length]).sort(), [['2026-11-20', 4, 12, 1], ['2026-11-21', 4, 8, 1]]);
    const calls = a.vs.calls.length;
    const again = await a.compactor().compactTenant('acme');
    assert.deepEqual([again.days, again.finished, again.garbage], [[], 0, 0]);
    assert.ok(!a.vs.calls.slice(calls).some((c) => /Put|Copy|Delete/.test(c.command)));
  });

  it('a byte cap splits the merge into objects of whole row groups up to the cap: exactly the expected count, each sorted, the same rows, verify green; parts go up as a multipart upload', async () => {
    const { vs, state, all, before, cap } = await splitDay();
    const r = await archiveCompactor({ s3: vs.s3, bucket: BUCKET, state, now: () => vs.now, sizeCap: cap, rowGroupRows: 100, partSize: 1024 }).compactTenant('acme', { day: '2026-11-20' });
    assert.deepEqual(r.days.map((d) => [d.objectsBefore, d.inputs, d.outputs, d.objectsAfter, d.rows]), [[24, 24, 6, 6, 1200]]);
    const outputs = [...vs.current('events/tenant=acme/dt=2026-11-20/')];
    assert.equal(outputs.length, 6);
    assert.deepEqual(await rowsOf(vs), before);
    const v = await archiveVerifier({ s3: vs.s3, bucket: BUCKET, state }).verifyTenant('acme');
    assert.deepEqual(v.findings, []);
    // Each object: two row groups of 100, at most the cap, sorted by (event_time, source_id, event_uid); in key order, one sequence.
    const seq: string[] = [];
    const id = r.days.length && /compacted-([0-9a-f]{16})/.exec(outputs[0]![0])![1];
    const ordered = outputs.map(([k]) => k).sort((x, y) => (x.length - y.length) || (x < y ? -1 : 1));
    assert.deepEqual(ordered.map((k) => k.split('/').pop()), [`compacted-${id}.parquet`, ...[2, 3, 4, 5, 6].map((i) => `compacted-${id}-${i}.parquet`)]);
    for (const key of ordered) {
      const body = vs.current().get(key)!;
      assert.ok(body.length <= cap, `${body.length} <= ${cap}`);
      assert.deepEqual(parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer).row_groups.map((g) => Number(g.num_rows)), [100, 100]);
      const rows = (await readParquetColumns(body, ['event_time', 'source_id', 'event_uid'])).map((x) => ({ event_time: (x['event_time'] as Date).toISOString(), source_id: String(x['source_id']), event_uid: String(x['event_uid']) }));
      assert.deepEqual(rows, sortRows(rows));
      seq.push(...rows.map((x) => `${x.event_time} ${x.source_id} ${x.event_uid}`));
    }
    assert.deepEqual(seq, sortRows(all).map((x) => `${x.event_time} ${x.source_id} ${x.event_uid}`));
    // Written by multipart uploads of 1 KB parts, all completed; the digest lists the six.
    assert.equal(vs.calls.filter((c) => c.command === 'CompleteMultipartUploadCommand').length, 6);
    // Begun with a checksum algorithm, so S3 checks each part and the completion names each part's checksum.
    assert.ok(vs.calls.filter((c) => /^(CreateMultipartUpload|UploadPart)Command$/.test(c.command)).every((c) => c.input['ChecksumAlgorithm'] === 'CRC32'));
    assert.ok(vs.calls.filter((c) => c.command === 'UploadPartCommand').length > 12);
    assert.equal(vs.uploads.size, 0);
    const d2 = [...vs.current('digests/tenant=acme/').values()].map((x) => JSON.parse(new TextDecoder().decode(x)) as Digest).find((d) => d.version === 2)!;
    assert.deepEqual(d2.objects.map((o) => o.key).sort(), ordered.slice().sort());
    assert.equal(d2.replaces!.rows, 1200);
    assert.equal(d2.replaces!.row_set, rowSetHash(all));
  });

  it('an input of several row groups is streamed (equal event_times across its row groups stay sorted) and merged with late objects', async () => {
    const a = await archived();
    const c = (x: Partial<Parameters<typeof archiveCompactor>[0]> = {}) => archiveCompactor({ s3: a.vs.s3, bucket: BUCKET, state: a.state, now: () => a.vs.now, rowGroupRows: 5, ...x });
    await c().compactTenant('acme', { day: '2026-11-20' });
    const [first] = objectsOf(a.vs, 'acme', '2026-11-20');
    const body = a.vs.current().get(first!)!;
    assert.equal(parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer).row_groups.length, 3); // 12 rows
    for (let i = 0; i < 3; i++) await a.batch(6, '2026-11-20', ['acme']);
    const before = await rowsOf(a.vs);
    const r = await c({ rowGroupRows: 4 }).compactTenant('acme', { day: '2026-11-20' });
    assert.deepEqual(r.days.map((d) => [d.objectsBefore, d.objectsAfter, d.rows]), [[4, 1, 30]]);
    assert.deepEqual(await rowsOf(a.vs), before);
    assert.deepEqual(await a.verify(), []);
    const [merged] = objectsOf(a.vs, 'acme', '2026-11-20');
    const rows = (await readParquetColumns(a.vs.current().get(merged!)!, ['event_time', 'source_id', 'event_uid'])).map((x) => ({ event_time: (x['event_time'] as Date).toISOString(), source_id: String(x['source_id']), event_uid: String(x['event_uid']) }));
    assert.deepEqual(rows, sortRows(rows));
  });

  it('a multipart upload that fails is aborted: nothing staged or replaced, no upload left open, verify green, and the next run compacts', async () => {
    const a = await archived();
    const before = await rowsOf(a.vs);
    const c = () => archiveCompactor({ s3: a.vs.s3, bucket: BUCKET, state: a.state, now: () => a.vs.now, partSize: 512 });
    let parts = 0;
    a.vs.fail((command) => command === 'UploadPartCommand' && ++parts === 2);
    await assert.rejects(c().compactTenant('acme', { day: '2026-11-20' }), /injected failure/);
    assert.equal(a.vs.uploads.size, 0);
    assert.ok(a.vs.calls.some((x) => x.command === 'AbortMultipartUploadCommand'));
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-20').length, 4);
    assert.deepEqual([...a.vs.current('compaction/').keys()], []);
    assert.deepEqual(await a.verify(), []);
    const r = await c().compactTenant('acme', { day: '2026-11-20' });
    assert.deepEqual(r.days.map((d) => [d.objectsBefore, d.objectsAfter]), [[4, 1]]);
    assert.deepEqual(await rowsOf(a.vs), before);
    assert.deepEqual(await a.verify(), []);
  });

  it('late events after a compaction: the next run merges the compacted object with the new one', async () => {
    const a = await archived();
    await a.compactor().compactTenant('acme', { day: '2026-11-20' });
    await a.batch(2, '2026-11-20', ['acme']);
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-20').length, 2);
    const before = await rowsOf(a.vs);
    const r = await a.compactor().compactTenant('acme', { day: '2026-11-20' });
    assert.deepEqual(r.days.map((d) => [d.objectsBefore, d.objectsAfter, d.rows]), [[2, 1, 14]]);
    assert.deepEqual(await rowsOf(a.vs), before);
    assert.deepEqual(await a.verify(), []);
    // The first merged object, merged again, is not a compaction in progress for anyone.
    const v = await archiveVerifier({ s3: a.vs.s3, bucket: BUCKET, state: a.state }).verifyTenant('acme');
    assert.equal(v.compacting, undefined);
    const again = await a.compactor().compactTenant('acme');
    assert.deepEqual([again.finished, again.garbage], [0, 0]);
    assert.deepEqual(await a.verify(), []);
  });

  for (const step of ['staged', 'checked', 'committed', 'published', 'deleted', 'moved'] as const) {
    it(`a crash after "${step}": verify stays green, no row is listed twice, and the next run completes it exactly once`, async () => {
      const a = await archived();
      const before = await rowsOf(a.vs);
      const crash = a.compactor({ fault: (s, dt) => { if (s === step && dt === '2026-11-20') throw new Error(`power cut after ${s}`); } });
      await assert.rejects(crash.compactTenant('acme'), /power cut/);
      assert.deepEqual(await a.verify(), [], `verify after a crash at ${step}`);
      const during = await rowsOf(a.vs);
      assert.equal(dupes(during), 0);
      for (const row of during) assert.ok(before.includes(row));
      // Only between deleting the old set and moving the new one in do queries miss the day's rows.
      if (step !== 'deleted') assert.deepEqual(during, before);
      a.vs.now += 2 * 3_600_000; // staging garbage of the crashed run is an hour old
      const r = await a.compactor().compactTenant('acme');
      assert.equal(r.finished, ['staged', 'checked'].includes(step) ? 0 : 1);
      assert.equal(r.garbage, ['staged', 'checked'].includes(step) ? 1 : 0);
      assert.deepEqual(await rowsOf(a.vs), before);
      assert.deepEqual(await a.verify(), []);
      assert.equal(objectsOf(a.vs, 'acme', '2026-11-20').length, 1);
      assert.equal(objectsOf(a.vs, 'acme', '2026-11-21').length, 1);
      assert.deepEqual([...a.vs.current('compaction/').keys()], []);
      const v2 = [...a.vs.current('digests/tenant=acme/').values()].filter((b) => new TextDecoder().decode(b).includes('"replaces"'));
      assert.equal(v2.length, 2, 'one replacement digest per day: committed once');
    });
  }

  it('a failed S3 request in the middle of the swap (the copy) is finished by the next run', async () => {
    const a = await archived();
    const before = await rowsOf(a.vs);
    a.vs.fail((c) => c === 'CopyObjectCommand');
    await assert.rejects(a.compactor().compactTenant('acme', { day: '2026-11-20' }), /injected failure/);
    assert.deepEqual(await a.verify(), []);
    const r = await a.compactor().compactTenant('acme', { day: '2026-11-20' });
    assert.equal(r.finished, 1);
    assert.deepEqual(await rowsOf(a.vs), before);
    assert.deepEqual(await a.verify(), []);
  });

  it('an archiver batch that moves the chain head mid-compaction: the compactor chains after it, both objects stay listed', async () => {
    const a = await archived();
    let once = false;
    const c = a.compactor({ fault: (s) => { if (s === 'checked' && !once) { once = true; void 0; } } });
    // Move the head between the check and the commit, as a concurrent archiver would.
    const base = a.state.commitSegment.bind(a.state);
    let moved = false;
    a.state.commitSegment = async (x) => {
      if (!moved && x.key.startsWith('compaction-commit#')) { moved = true; await a.batch(2, '2026-11-20', ['acme']); }
      return base(x);
    };
    const before = await rowsOf(a.vs);
    const r = await c.compactTenant('acme', { day: '2026-11-20' });
    assert.deepEqual(r.days.map((d) => [d.objectsBefore, d.objectsAfter]), [[4, 1]]);
    const after = await rowsOf(a.vs);
    assert.equal(after.length, before.length + 2);
    assert.equal(dupes(after), 0);
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-20').length, 2); // the merged one and the late batch
    assert.deepEqual(await a.verify(), []);
  });

  it('two compactors on the same day at once: the replacement commits once, the rows stay, verify green', async () => {
    const a = await archived();
    const before = await rowsOf(a.vs);
    const results = await Promise.allSettled([a.compactor().compactTenant('acme', { day: '2026-11-20' }), a.compactor().compactTenant('acme', { day: '2026-11-20' })]);
    assert.ok(results.some((r) => r.status === 'fulfilled'), JSON.stringify(results));
    for (const r of results) if (r.status === 'rejected') assert.match(String(r.reason), /another compactor|changed while it was being compacted/);
    assert.deepEqual(await rowsOf(a.vs), before);
    assert.deepEqual(await a.verify(), []);
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-20').length, 1);
    const v2 = [...a.vs.current('digests/tenant=acme/').values()].filter((b) => new TextDecoder().decode(b).includes('"replaces"'));
    assert.equal(v2.length, 1);
    a.vs.now += 2 * 3_600_000;
    const r = await a.compactor().compactTenant('acme');
    assert.ok(r.garbage <= 1);
    assert.deepEqual([...a.vs.current('compaction/').keys()], []);
  });

  it('an input that differs from its digest stops the day: nothing staged, nothing replaced', async () => {
    const a = await archived();
    const [victim] = objectsOf(a.vs, 'acme', '2026-11-20');
    await a.vs.s3.send(new (await import('@aws-sdk/client-s3')).PutObjectCommand({ Bucket: BUCKET, Key: victim, Body: 'tampered' }));
    await assert.rejects(a.compactor().compactTenant('acme', { day: '2026-11-20' }), (err: Error) => err instanceof CompactionError && /differs from what its digest recorded: run authtrail verify/.test(err.message));
    assert.equal(objectsOf(a.vs, 'acme', '2026-11-20').length, 4);
    assert.deepEqual([...a.vs.current('compaction/').keys()], []);
  });

  it('an input that differs from its digest, found after outputs were staged: they are deleted, nothing replaced', async () => {
    const { vs, state, cap } = await splitDay(false);
    // The input the merge opens last (hour 23).
    const inputs = [...vs.current('events/tenant=acme/dt=2026-11-20/').keys()];
    const last = inputs[inputs.length - 1]!;
    await vs.s3.send(new (await import('@aws-sdk/client-s3')).PutObjectCommand({ Bucket: BUCKET, Key: last, Body: 'tampered' }));
    const c = archiveCompactor({ s3: vs.s3, bucket: BUCKET, state, now: () => vs.now, sizeCap: cap, rowGroupRows: 100, prefetch: 1 });
    await assert.rejects(c.compactTenant('acme', { day: '2026-11-20' }), /differs from what its digest recorded/);
    assert.ok(vs.calls.filter((x) => x.command === 'PutObjectCommand' && String(x.input['Key']).startsWith('compaction/')).length >= 1, 'an output was staged before the bad input was read');
    assert.deepEqual([...vs.current('compaction/').keys()], []);
    assert.deepEqual([...vs.current('events/tenant=acme/dt=2026-11-20/').keys()], inputs);
  });

  it('--day: today is refused in one line; yesterday (not yet closed) is compacted when asked by name', async () => {
    const a = await archived();
    await assert.rejects(a.compactor().compactTenant('acme', { day: '2026-11-28' }), /2026-11-28 is not over yet/);
    const r = await a.compactor().compactTenant('acme', { day: '2026-11-27' });
    assert.deepEqual(r.days, []); // one object: nothing to merge
    await a.batch(2, '2026-11-27', ['acme']);
    const r2 = await a.compactor().compactTenant('acme', { day: '2026-11-27' });
    assert.deepEqual(r2.days.map((d) => [d.dt, d.objectsAfter]), [['2026-11-27', 1]]);
    assert.deepEqual(await a.verify(), []);
  });

  it('Object Lock (compliance): old objects leave the listing by delete markers while their locked versions stay; no version is deleted; staging is locked for a day only', async () => {
    const a = await archived({ objectLockDays: 365 });
    const before = await rowsOf(a.vs);
    const old = objectsOf(a.vs, 'acme', '2026-11-20');
    await a.compactor({ objectLock: 'compliance' }).compactTenant('acme');
    assert.deepEqual(await rowsOf(a.vs), before);
    assert.deepEqual(await a.verify(), []);
    for (const k of old) {
      const vs = a.vs.versions(k);
      assert.equal(vs.at(-1)!.body, null, 'a delete marker on top');
      assert.ok(vs[0]!.body && vs[0]!.retainUntil > a.vs.now, 'the locked version is still there');
    }
    assert.ok(!a.vs.calls.some((c) => c.input['VersionId'] || c.input['BypassGovernanceRetention'] || ((c.input['Delete'] as { Objects: { VersionId?: string }[] } | undefined)?.Objects ?? []).some((x) => x.VersionId)));
    const stagingPuts = a.vs.calls.filter((c) => c.command === 'PutObjectCommand' && String(c.input['Key']).startsWith('compaction/'));
    assert.equal(stagingPuts.length, 2);
    for (const p of stagingPuts) {
      assert.equal(p.input['ObjectLockMode'], 'COMPLIANCE');
      assert.equal(new Date(p.input['ObjectLockRetainUntilDate'] as Date).getTime(), a.vs.now + 86_400_000);
    }
    // A version under retention cannot be removed: the WORM guarantee the compactor never tries to bypass.
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await assert.rejects(a.vs.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: old[0], VersionId: a.vs.versions(old[0]!)[0]!.id })), /object lock/);
  });
});

describe('erasure by the compaction protocol (authtrail erase)', () => {
  const subject = (r: Partial<AuthEvent>) => r.user_login === 'u1@example.com';
  const erase = (c: ReturnType<Awaited<ReturnType<typeof archived>>['compactor']>, o: { dryRun?: boolean; from?: string } = {}) =>
    c.eraseTenant('acme', { drop: subject, id: 'erasure-1', request: 'request 42', ...o });
  const hers = (rows: string[]) => rows.filter((r) => r.includes('"u1@example.com"'));

  it('rewrites the days that hold the subject without her rows, records each as an erasure, and verify stays green', async () => {
    const a = await archived();
    const before = await rowsOf(a.vs);
    const mine = hers(before.filter((r) => r.startsWith('["tenant=acme"')));
    assert.ok(mine.length > 0);
    const dry = await erase(a.compactor(), { dryRun: true });
    assert.equal(dry.rows, mine.length);
    assert.deepEqual(await rowsOf(a.vs), before, 'a dry run changes nothing');
    const r = await erase(a.compactor());
    assert.equal(r.rows, mine.length);
    const after = await rowsOf(a.vs);
    assert.deepEqual(after, before.filter((x) => !mine.includes(x)), 'exactly her rows of this tenant are gone');
    assert.deepEqual(await a.verify(), []);
    assert.deepEqual(await a.verify('globex'), []);
    const erasures = [...a.vs.current('digests/tenant=acme/').values()].map((b) => JSON.parse(new TextDecoder().decode(b)) as Digest).filter((d) => d.replaces?.reason === 'erasure');
    assert.deepEqual(erasures.map((d) => d.replaces!.dt).sort(), r.days.map((d) => d.dt).sort());
    assert.equal(erasures.reduce((n, d) => n + d.replaces!.erased!.rows, 0), mine.length);
    assert.ok(erasures.every((d) => d.replaces!.erased!.request === 'request 42' && !JSON.stringify(d).includes('u1@example.com')));
    // Erased again: nothing left to erase; compaction afterwards keeps the erased day as it is.
    assert.equal((await erase(a.compactor())).rows, 0);
    await a.compactor().compactTenant('acme');
    assert.deepEqual(await rowsOf(a.vs), after);
    assert.deepEqual(await a.verify(), []);
  });

  it('--from limits the days; a day with every row erased leaves no object', async () => {
    const a = await archived();
    const r = await erase(a.compactor(), { from: '2026-11-21' });
    assert.ok(r.days.every((d) => d.dt >= '2026-11-21'));
    assert.ok(hers(await rowsOf(a.vs, 'events/tenant=acme/dt=2026-11-20/')).length > 0, 'an earlier day keeps her rows');
    const all = await a.compactor().eraseTenant('acme', { drop: () => true, id: 'erasure-2', request: 'tenant left' });
    assert.ok(all.rows > 0);
    assert.deepEqual(await rowsOf(a.vs, 'events/tenant=acme/'), []);
    assert.deepEqual(await a.verify(), []);
  });

  for (const step of ['staged', 'checked', 'committed', 'published', 'deleted', 'moved'] as const) {
    it(`a crash after "${step}" of an erasure: verify stays green, no row twice, and erasing again completes it`, async () => {
      const a = await archived();
      const before = await rowsOf(a.vs);
      const mine = hers(before.filter((r) => r.startsWith('["tenant=acme"')));
      await assert.rejects(erase(a.compactor({ fault: (s) => { if (s === step) throw new Error(`power cut after ${s}`); } })), /power cut/);
      assert.deepEqual(await a.verify(), [], `verify after a crash at ${step}`);
      assert.equal(dupes(await rowsOf(a.vs)), 0);
      a.vs.now += 2 * 3_600_000;
      await erase(a.compactor());
      assert.deepEqual(await rowsOf(a.vs), before.filter((x) => !mine.includes(x)));
      assert.deepEqual(await a.verify(), []);
    });
  }

  it('verify finds an erasure whose rows do not add up', () => {
    const old = [obj('events/tenant=a/dt=2026-11-20/x.parquet', 100, 10)];
    const first: Digest = { version: 1, tenant: 'a', created: '2026-11-21T00:00:00.000Z', previous: null, objects: old };
    const f = encodeDigest(first);
    const next = (erasedRows: number) => encodeDigest({
      version: 2, tenant: 'a', created: '2026-11-22T00:00:00.000Z', previous: { key: f.key, sha256: f.sha256 },
      objects: [obj('events/tenant=a/dt=2026-11-20/compacted-1.parquet', 90, 7)],
      replaces: { reason: 'erasure', dt: '2026-11-20', old: old.map(({ key, sha256, size, rows }) => ({ key, sha256, size, rows })), rows: 10, row_set: '0', staging: {}, erased: { id: 'e', rows: erasedRows, row_set: '0', request: 'r' } },
    });
    const run = (erasedRows: number) => {
      const n = next(erasedRows);
      return verifyArchive({ tenant: 'a', head: { key: n.key, sha256: n.sha256 }, digests: new Map([[f.key, f.body], [n.key, n.body]]), objects: new Map([['events/tenant=a/dt=2026-11-20/compacted-1.parquet', sha256Hex('events/tenant=a/dt=2026-11-20/compacted-1.parquet')]]) }).findings.map((x) => x.kind);
    };
    assert.deepEqual(run(3), []);
    assert.deepEqual(run(2), ['replacement_invalid']);
  });
});
