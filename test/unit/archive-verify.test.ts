/**
 * The shared verification I/O (adapters/archive-verify.ts) against a mocked S3: objects hashed as
 * streams, a bounded number at a time; an object gone between listing and read is `missing`; a
 * committed digest not yet copied to S3 is read from its head. And the scheduled run's logic
 * (handlers/verifier.ts `verifyAll`): the window, the input it accepts, and the second look that
 * drops a finding an archiver batch in flight explains.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { encodeDigest, sha256Hex, type DigestRef, type Finding } from '../../lambdas/core/digest.ts';
import { headKey, memoryArchiveState } from '../../lambdas/adapters/archive-state.ts';
import { archiveVerifier, mapLimit, type ArchiveVerifier, type TenantVerification } from '../../lambdas/adapters/archive-verify.ts';

process.env.AUTHTRAIL_BUCKET ??= 'b';
process.env.AUTHTRAIL_STATE_TABLE ??= 's';
const { verifyAll, windowStart, VerifyRequest } = await import('../../lambdas/handlers/verifier.ts');

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(s3);
afterEach(() => mock.reset());

/** A streamed body delivered in small chunks, so a hash that only saw the first chunk would differ. */
const stream = (b: Uint8Array) => Object.assign(Readable.from((function* () { for (let i = 0; i < b.length; i += 7) yield b.subarray(i, i + 7); })()), {
  transformToString: async () => new TextDecoder().decode(b),
});

/** An archive of one tenant: objects, a two-digest chain over them, the head in the state table. */
function archive(tenant = 'acme') {
  const objects = new Map<string, Uint8Array>();
  for (const [i, dt] of ['2026-11-01', '2026-11-20', '2026-11-27'].entries()) objects.set(`events/tenant=${tenant}/dt=${dt}/part-${i}.parquet`, new TextEncoder().encode(`parquet bytes ${i} `.repeat(20)));
  const rec = (key: string) => ({ key, sha256: sha256Hex(objects.get(key)!), size: objects.get(key)!.length, rows: 1, first_event_time: 't', last_event_time: 't' });
  const [a, b, c] = [...objects.keys()];
  const d1 = encodeDigest({ version: 1, tenant, created: '2026-11-20T00:00:00.000Z', previous: null, objects: [rec(a!), rec(b!)] });
  const d2 = encodeDigest({ version: 1, tenant, created: '2026-11-27T00:00:00.000Z', previous: { key: d1.key, sha256: d1.sha256 }, objects: [rec(c!)] });
  const digests = new Map([[d1.key, d1.body], [d2.key, d2.body]]);
  const state = memoryArchiveState();
  state.items.set(headKey(tenant), { key: d2.key, sha256: d2.sha256, published: true });
  return { objects, digests, state, head: d2 as DigestRef & { body: string } };
}

function serve(objects: Map<string, Uint8Array>, digests: Map<string, string>, o: { gone?: string; inFlight?: { now: number; max: number } } = {}) {
  mock.on(ListObjectsV2Command).callsFake((i) => {
    const all = [...objects.keys(), ...digests.keys()].filter((k) => k.startsWith(i.Prefix!)).sort();
    // Two pages, to exercise continuation.
    const start = i.ContinuationToken ? Number(i.ContinuationToken) : 0;
    const page = all.slice(start, start + 2);
    return { Contents: page.map((Key) => ({ Key })), NextContinuationToken: start + 2 < all.length ? String(start + 2) : undefined };
  });
  mock.on(GetObjectCommand).callsFake(async (i) => {
    if (i.Key === o.gone) throw new NoSuchKey({ message: 'gone', $metadata: {} });
    if (o.inFlight) { o.inFlight.max = Math.max(o.inFlight.max, ++o.inFlight.now); await new Promise((r) => setTimeout(r, 5)); o.inFlight.now--; }
    const body = objects.get(i.Key!) ?? new TextEncoder().encode(digests.get(i.Key!)!);
    return { Body: stream(body) as never };
  });
}

describe('archive verification I/O (shared by the CLI and the Lambda)', () => {
  it('a clean archive: every digest walked, every object hashed from its stream, nothing found', async () => {
    const a = archive();
    serve(a.objects, a.digests);
    const v = archiveVerifier({ s3, bucket: 'b', state: a.state });
    assert.deepEqual(await v.tenants(), ['acme']);
    assert.deepEqual(await v.verifyTenant('acme'), { tenant: 'acme', digests: 2, checked: 3, findings: [] });
    // The listing is made once per verifier and reused.
    const lists = mock.commandCalls(ListObjectsV2Command).length;
    await v.verifyTenant('acme');
    assert.equal(mock.commandCalls(ListObjectsV2Command).length, lists);
  });

  it('altered, gone between listing and read (missing), unlisted; a range reads only its objects', async () => {
    const a = archive();
    const [first, second, third] = [...a.objects.keys()];
    a.objects.set(second!, new TextEncoder().encode('changed'));
    a.objects.set('events/tenant=acme/dt=2026-11-27/extra.parquet', new Uint8Array([1]));
    serve(a.objects, a.digests, { gone: third });
    const r = await archiveVerifier({ s3, bucket: 'b', state: a.state }).verifyTenant('acme');
    assert.deepEqual(r.findings.map((f) => [f.kind, f.key]).sort(), [
      ['altered', second], ['missing', third], ['unlisted', 'events/tenant=acme/dt=2026-11-27/extra.parquet'],
    ].sort());
    mock.resetHistory();
    const ranged = await archiveVerifier({ s3, bucket: 'b', state: a.state }).verifyTenant('acme', { from: '2026-11-02', to: '2026-11-26' });
    assert.deepEqual(ranged.findings.map((f) => f.kind), ['altered']);
    const read = mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key!).filter((k) => k.startsWith('events/'));
    assert.deepEqual(read, [second], `only the object in range is read (not ${first})`);
  });

  it('reads at most `concurrency` objects at once', async () => {
    const a = archive();
    for (let i = 0; i < 40; i++) a.objects.set(`events/tenant=acme/dt=2026-11-27/x-${i}.parquet`, new Uint8Array([i]));
    const inFlight = { now: 0, max: 0 };
    serve(a.objects, a.digests, { inFlight });
    await archiveVerifier({ s3, bucket: 'b', state: a.state, concurrency: 4 }).verifyTenant('acme');
    assert.equal(inFlight.max, 4);
    assert.deepEqual(await mapLimit([3, 1, 2], 2, async (x) => x * 2), [6, 2, 4]);
  });

  it('a committed digest not yet published to S3 is read from its head; a published one that is gone is digest_missing', async () => {
    const a = archive();
    a.digests.delete(a.head.key);
    a.state.items.set(headKey('acme'), { key: a.head.key, sha256: a.head.sha256, body: a.head.body, published: false });
    serve(a.objects, a.digests);
    assert.deepEqual((await archiveVerifier({ s3, bucket: 'b', state: a.state }).verifyTenant('acme')).findings, []);
    a.state.items.set(headKey('acme'), { key: a.head.key, sha256: a.head.sha256, published: true });
    const gone = (await archiveVerifier({ s3, bucket: 'b', state: a.state }).verifyTenant('acme')).findings;
    assert.deepEqual([gone[0]!.kind, gone[0]!.key], ['digest_missing', a.head.key]);
  });
});

describe('the scheduled run (verifyAll)', () => {
  const NOW = Date.parse('2026-11-28T03:30:00Z');
  /** A verifier whose answers per pass are scripted: findings[pass][tenant]. */
  function scripted(findings: Record<string, Finding[]>[], archived: string[]) {
    const calls: { pass: number; tenant: string; from: string | undefined }[] = [];
    let pass = -1;
    const make = (): ArchiveVerifier => {
      const p = ++pass;
      return {
        tenants: async () => archived,
        verifyTenant: async (tenant, range = {}): Promise<TenantVerification> => {
          calls.push({ pass: p, tenant, from: range.from });
          return { tenant, digests: 2, checked: 5, findings: [...(findings[p]?.[tenant] ?? [])] };
        },
      };
    };
    return { make, calls };
  }
  const f = (kind: Finding['kind'], key: string): Finding => ({ kind, key, detail: 'd' });

  it('the window: `days` before now; the default is 7; `full` has none; anything else is refused', async () => {
    assert.equal(windowStart(7, NOW), '2026-11-21');
    assert.equal(windowStart(1, NOW), '2026-11-27');
    for (const [input, from] of [[{}, '2026-11-21'], [undefined, '2026-11-21'], [{ days: 30 }, '2026-10-29'], [{ full: true }, undefined]] as const) {
      const s = scripted([], ['acme']);
      const r = await verifyAll(input, { verifier: s.make, configTenants: [], now: () => NOW, confirmAfterMs: 0 });
      assert.equal(r.from, from ?? null, JSON.stringify(input));
      assert.deepEqual(s.calls, [{ pass: 0, tenant: 'acme', from }]);
    }
    const s = scripted([], ['acme']);
    const r = await verifyAll({ full: true }, { verifier: s.make, configTenants: [], now: () => NOW, confirmAfterMs: 0, archiveDays: 2555 });
    assert.equal(r.from, windowStart(2555, NOW), 'a full run does not look for objects the lifecycle rule expired');
    const longer = await verifyAll({ days: 9000 }, { verifier: scripted([], ['acme']).make, configTenants: [], now: () => NOW, confirmAfterMs: 0, archiveDays: 2555 });
    assert.equal(longer.from, windowStart(2555, NOW), 'nor does a window longer than the retention');
    for (const bad of [{ days: 0 }, { days: 1.5 }, { full: false }, { days: 3, full: true }, { day: 3 }, 'x'])
      assert.equal(VerifyRequest.safeParse(bad).success, false, JSON.stringify(bad));
  });

  it('configured and archived tenants, each once; a second look keeps only the findings that persist', async () => {
    const s = scripted([
      { acme: [f('altered', 'events/a'), f('unlisted', 'events/in-flight')], globex: [f('unlisted', 'events/g')] },
      { acme: [f('altered', 'events/a')], globex: [] },
    ], ['acme', 'globex']);
    const r = await verifyAll({ full: true }, { verifier: s.make, configTenants: ['initech', 'acme'], now: () => NOW, confirmAfterMs: 0 });
    assert.deepEqual(r.tenants.map((t) => [t.tenant, t.findings]), [['acme', 1], ['globex', 0], ['initech', 0]]);
    assert.deepEqual(r.findings.map((x) => [x.tenant, x.kind, x.key]), [['acme', 'altered', 'events/a']]);
    assert.equal(r.objectsVerified, 15);
    assert.deepEqual(s.calls.filter((c) => c.pass === 1).map((c) => c.tenant), ['acme', 'globex'], 'only tenants with findings are looked at again');
  });

  it('a clean run looks once', async () => {
    const s = scripted([{}], ['acme']);
    const r = await verifyAll({}, { verifier: s.make, configTenants: [], now: () => NOW, confirmAfterMs: 60_000 });
    assert.deepEqual(r.findings, []);
    assert.equal(s.calls.length, 1);
  });
});
