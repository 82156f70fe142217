import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDigest, sha256Hex, verifyArchive, type DigestRef } from '../../lambdas/core/digest.ts';

/** Two digests chained, three objects over two days. */
function archive() {
  const obj = (key: string, content: string) => ({ key, sha256: sha256Hex(content), size: content.length, rows: 1, first_event_time: 't', last_event_time: 't' });
  const o1 = obj('events/tenant=acme/dt=2026-11-20/part-1.parquet', 'one');
  const o2 = obj('events/tenant=acme/dt=2026-11-21/part-2.parquet', 'two');
  const o3 = obj('events/tenant=acme/dt=2026-11-21/part-3.parquet', 'three');
  const d1 = encodeDigest({ version: 1, tenant: 'acme', created: '2026-11-21T00:00:00.000Z', previous: null, objects: [o1, o2] });
  const d2 = encodeDigest({ version: 1, tenant: 'acme', created: '2026-11-22T00:00:00.000Z', previous: { key: d1.key, sha256: d1.sha256 }, objects: [o3] });
  return {
    head: { key: d2.key, sha256: d2.sha256 } as DigestRef,
    digests: new Map([[d1.key, d1.body], [d2.key, d2.body]]),
    objects: new Map([[o1.key, o1.sha256], [o2.key, o2.sha256], [o3.key, o3.sha256]]),
    keys: { o1: o1.key, o2: o2.key, o3: o3.key, d1: d1.key, d2: d2.key },
  };
}

describe('archive digests', () => {
  it('an intact archive verifies', () => {
    const a = archive();
    const r = verifyArchive({ tenant: 'acme', ...a });
    assert.deepEqual(r.findings, []);
    assert.deepEqual([r.digests, r.checked], [2, 3]);
  });
  it('an altered object is named', () => {
    const a = archive();
    a.objects.set(a.keys.o2, sha256Hex('tampered'));
    assert.deepEqual(verifyArchive({ tenant: 'acme', ...a }).findings.map((f) => [f.kind, f.key]), [['altered', a.keys.o2]]);
  });
  it('a deleted object is named', () => {
    const a = archive();
    a.objects.delete(a.keys.o1);
    assert.deepEqual(verifyArchive({ tenant: 'acme', ...a }).findings.map((f) => [f.kind, f.key]), [['missing', a.keys.o1]]);
  });
  it('an added object is named', () => {
    const a = archive();
    a.objects.set('events/tenant=acme/dt=2026-11-21/part-x.parquet', sha256Hex('x'));
    assert.deepEqual(verifyArchive({ tenant: 'acme', ...a }).findings.map((f) => [f.kind, f.key]), [['unlisted', 'events/tenant=acme/dt=2026-11-21/part-x.parquet']]);
  });
  it('an edited digest (e.g. to hide an object) breaks the chain', () => {
    const a = archive();
    const d1 = JSON.parse(a.digests.get(a.keys.d1)!);
    d1.objects = d1.objects.slice(1);
    a.digests.set(a.keys.d1, JSON.stringify(d1));
    a.objects.delete(a.keys.o1);
    assert.deepEqual(verifyArchive({ tenant: 'acme', ...a }).findings.map((f) => f.kind), ['digest_altered']);
  });
  it('a deleted digest, and a digest outside the chain, are named', () => {
    const a = archive();
    a.digests.delete(a.keys.d1);
    assert.ok(verifyArchive({ tenant: 'acme', ...a }).findings.some((f) => f.kind === 'digest_missing' && f.key === a.keys.d1));
    const b = archive();
    b.digests.set('digests/tenant=acme/dt=2026-11-22/forged.json', '{}');
    assert.deepEqual(verifyArchive({ tenant: 'acme', ...b }).findings.map((f) => f.kind), ['digest_unchained']);
  });
  it('checks only the days asked for', () => {
    const a = archive();
    a.objects.delete(a.keys.o1);
    const r = verifyArchive({ tenant: 'acme', ...a, from: '2026-11-21', to: '2026-11-21' });
    assert.deepEqual([r.findings, r.checked], [[], 2]);
  });
});
