/** Content-encoding: what inflates is parsed, what does not is refused, and no body inflates past the cap. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { contentCodings, decodeBody, decodeContent, MAX_INFLATED_BYTES, parseText } from '../../lambdas/core/body.ts';

const compress: Record<string, (b: Buffer) => Buffer> = {
  gzip: gzipSync, 'x-gzip': gzipSync, deflate: deflateSync, br: brotliCompressSync,
};

describe('decodeContent / decodeBody', () => {
  it('parses any JSON body after any supported coding exactly as the plain body', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), fc.constantFrom(...Object.keys(compress)), async (v, coding) => {
      const text = JSON.stringify({ v });
      assert.deepEqual(await decodeBody(compress[coding]!(Buffer.from(text)), coding), parseText(text));
    }), { numRuns: 100 });
  });
  it('reads the codings of the header in the order they were applied', async () => {
    assert.deepEqual(contentCodings(' GZIP , identity, br'), ['gzip', 'br']);
    const twice = brotliCompressSync(gzipSync(Buffer.from('{"a":1}')));
    assert.deepEqual(await decodeBody(twice, 'gzip, br'), parseText('{"a":1}'));
    assert.deepEqual(await decodeBody(deflateRawSync(Buffer.from('[1]')), 'deflate'), parseText('[1]'), 'raw deflate too');
  });
  it('refuses a body that does not inflate, and unknown codings, with 400', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
      const r = await decodeContent(Buffer.from([0x1f, 0x8b, ...bytes]), 'gzip');
      return r.ok || r.status === 400;
    }), { numRuns: 200 });
    const r = await decodeContent(Buffer.from('plain'), 'compress');
    assert.ok(!r.ok && r.status === 400 && /unsupported content-encoding "compress"/.test(r.reason));
    const three = await decodeContent(Buffer.from('x'), 'gzip, gzip, gzip');
    assert.ok(!three.ok && three.status === 400);
  });
  it('stops inflating at the cap: exactly the cap is fine, one byte more is 413', async () => {
    const at = await decodeContent(gzipSync(Buffer.alloc(1000, 0x20)), 'gzip', 1000);
    assert.ok(at.ok && at.bytes.length === 1000);
    for (const coding of ['gzip', 'deflate', 'br']) {
      const r = await decodeContent(compress[coding]!(Buffer.alloc(1001, 0x20)), coding, 1000);
      assert.ok(!r.ok && r.status === 413, coding);
    }
  });
  it(`answers a zip bomb (1 GiB of zeros in ~1 MB) with 413 after inflating at most ${MAX_INFLATED_BYTES} bytes`, async () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
    const t = performance.now();
    const r = await decodeBody(bomb, 'gzip');
    assert.ok(!r.ok && r.status === 413, JSON.stringify(r));
    assert.ok(performance.now() - t < 5_000);
  });
});
