/**
 * The webhook body parser, property by property: any JSON parses to itself, any bytes give an
 * answer (never a throw), NDJSON keeps its good lines and names its bad ones, nesting is
 * measured and cut without recursion that could overflow, and the caps hold.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { decodeUtf8, limitDepth, MAX_BAD_LINES, MAX_CONTAINERS, MAX_DEPTH, MAX_JSON_VALUES, parseBody, parseText, scanJson, stringifyJson, TOO_DEEP } from '../../lambdas/core/body.ts';

/** Depth by an explicit stack (the test's own measure, independent of the scanner); a cut counts as a leaf. */
function depthOf(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object' || x === TOO_DEEP) continue;
    max = Math.max(max, d);
    for (const c of Object.values(x)) stack.push([c, d + 1]);
  }
  return max;
}
/** `n` levels of alternating arrays and objects around `inner`. */
function nest(n: number, inner: unknown = 1): unknown {
  let v = inner;
  for (let i = 0; i < n; i++) v = i % 2 ? { k: v, s: 'x' } : [v, 2];
  return v;
}
const canonical = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('parseText / parseBody', () => {
  it('parses any JSON text to its value and measures its depth', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
      const text = JSON.stringify(v);
      const r = parseText(text);
      if (!r.ok) return text.trim() === '' && r.status === 400;
      assert.deepEqual(r.payload, canonical(v));
      assert.equal(r.depth, depthOf(canonical(v)));
      assert.equal(r.ndjson, false);
      return true;
    }), { numRuns: 300 });
  });
  it('never throws on arbitrary bytes; refuses what is not UTF-8 with 400', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const r = parseBody(bytes);
      if (!isUtf8(bytes)) assert.deepEqual(r, { ok: false, status: 400, reason: 'the body is not valid UTF-8' });
      return r.ok || r.status === 400;
    }), { numRuns: 500 });
    assert.equal(decodeUtf8(Buffer.from([0xed, 0xa0, 0x80])).ok, false, 'an encoded surrogate is not UTF-8');
    assert.equal(decodeUtf8(Buffer.from([0xc0, 0xaf])).ok, false, 'an overlong form is not UTF-8');
  });
  it('reads JSON, arrays, NDJSON and a BOM; refuses empty and broken bodies', () => {
    assert.deepEqual(parseBody(Buffer.from('\ufeff{"a":1}')), { ok: true, payload: { a: 1 }, badLines: [], ndjson: false, depth: 1 });
    assert.deepEqual(parseBody(Buffer.from('{"a":1}\r\n{"a":2}\n')), { ok: true, payload: [{ a: 1 }, { a: 2 }], badLines: [], ndjson: true, depth: 2 });
    assert.equal(parseBody(Buffer.from('  ')).ok, false);
    assert.equal(parseBody(Buffer.from('{"a":')).ok, false);
    assert.equal(parseBody(Buffer.from('<xml/>')).ok, false);
  });
  it('keeps the good lines of NDJSON and names exactly its bad ones', () => {
    const good = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ v }));
    const bad = fc.string({ maxLength: 20 }).map((s) => `{broken ${s.replace(/[\r\n]/g, ' ')}`);
    const line = fc.oneof(good.map((text) => ({ ok: true, text })), bad.map((text) => ({ ok: false, text })));
    fc.assert(fc.property(fc.array(line, { minLength: 2, maxLength: 30 }), (lines) => {
      const r = parseText(lines.map((l) => l.text).join('\n'));
      const goods = lines.filter((l) => l.ok);
      if (goods.length < 2) return !r.ok || !r.ndjson || goods.length === 1;
      assert.ok(r.ok && r.ndjson);
      assert.deepEqual(r.payload, goods.map((l) => JSON.parse(l.text)));
      assert.deepEqual(r.badLines, lines.flatMap((l, i) => (l.ok ? [] : [i + 1])));
      return true;
    }), { numRuns: 300 });
  });
  it(`answers 413 past ${MAX_CONTAINERS} objects and arrays or ${MAX_JSON_VALUES} values (before parsing), or ${MAX_BAD_LINES} bad NDJSON lines`, () => {
    assert.equal(parseText(`[${'{},'.repeat(MAX_CONTAINERS - 2)}{}]`).ok, true, 'exactly the cap');
    assert.deepEqual(parseText(`[${'{},'.repeat(MAX_CONTAINERS - 1)}{}]`).ok, false);
    const over = parseText(`[${'[],'.repeat(MAX_CONTAINERS)}1]`);
    assert.ok(!over.ok && over.status === 413 && /split it/.test(over.reason));
    const values = parseText(`[${'1,'.repeat(MAX_JSON_VALUES)}1]`);
    assert.ok(!values.ok && values.status === 413 && /JSON values/.test(values.reason));
    const lines = parseText(`{}\n${'1\n'.repeat(MAX_JSON_VALUES)}`);
    assert.ok(!lines.ok && lines.status === 413 && /NDJSON lines/.test(lines.reason));
    const bad = parseText(`1\n2\n${'x\n'.repeat(MAX_BAD_LINES + 1)}`);
    assert.ok(!bad.ok && bad.status === 413 && /NDJSON lines that are not JSON/.test(bad.reason));
    const atCap = parseText(`1\n2\n${'x\n'.repeat(MAX_BAD_LINES)}`);
    assert.ok(atCap.ok && atCap.badLines.length === MAX_BAD_LINES);
    const many = parseText(`{}\n${'1\n'.repeat(1_000_000)}`);
    assert.ok(many.ok && (many.payload as unknown[]).length === 1_000_001, 'good lines are only counted as values');
  });
});

describe('scanJson', () => {
  it('ignores brackets and escaped quotes inside strings', () => {
    assert.deepEqual(scanJson('{"a":"[[[{{\\"]]]","b":[1,{"c":"\\\\"}]}'), { depth: 3, containers: 3, values: 6 });
  });
  it('ends a broken string at a newline, so later NDJSON lines are measured', () => {
    assert.deepEqual(scanJson('{"a":"open\n[[1]]'), { depth: 3, containers: 3, values: 4 });
  });
  it('agrees with the parsed value on depth and container count, and counts values + empty containers', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 10 }), (v) => {
      const text = JSON.stringify(v) ?? 'null';
      let containers = 0;
      let nodes = 0;
      let empty = 0;
      const stack = [canonical(v)];
      while (stack.length) {
        const x = stack.pop();
        nodes++;
        if (x && typeof x === 'object') { containers++; const kids = Object.values(x); if (!kids.length) empty++; stack.push(...kids); }
      }
      assert.deepEqual(scanJson(text), { depth: depthOf(canonical(v)), containers, values: nodes + empty });
    }), { numRuns: 300 });
  });
});

describe('limitDepth', () => {
  it('cuts everything deeper than the limit, marks the path to it, and restores the value exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 3, max: 20 }), (n, max) => {
      const v = [nest(n), { fine: [1, 2] }];
      const before = structuredClone(v);
      const limit = limitDepth(v, max);
      assert.ok(depthOf(v) <= max);
      assert.equal(limit.cut, depthOf(before) > max);
      assert.equal(limit.tooDeep(v), depthOf(before) > max);
      assert.equal(limit.tooDeep(v[1]), false);
      limit.restore();
      assert.deepEqual(v, before);
    }), { numRuns: 200 });
  });
  it('walks a 100,000-deep value without overflowing the stack', () => {
    const text = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = parseText(text);
    assert.ok(r.ok && r.depth === 100_000);
    const limit = limitDepth(r.payload);
    let x: unknown = r.payload;
    for (let i = 1; i < MAX_DEPTH; i++) x = (x as unknown[])[0];
    assert.equal((x as unknown[])[0], TOO_DEEP);
    assert.ok(limit.tooDeep(r.payload));
    limit.restore();
    assert.equal(stringifyJson(r.payload), text);
  });
});

describe('stringifyJson', () => {
  it('equals JSON.stringify wherever that works', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => stringifyJson(v) === (JSON.stringify(v) ?? 'null')), { numRuns: 300 });
  });
  it('serializes values too deep for JSON.stringify, exactly', () => {
    const text = `{"a":[${'{"b":['.repeat(20_000)}"x",null,1.5${']}'.repeat(20_000)}],"c":true}`;
    const v = JSON.parse(text) as unknown;
    assert.throws(() => JSON.stringify(v), RangeError);
    assert.equal(stringifyJson(v), text);
  });
});
