/**
 * The README's promise to a new user: with the demo config, every push and EventBridge source
 * accepts its vendor's documented samples (`npx authtrail send <source> <fixture>`, as listed in
 * the README) and quarantines none of them; a second send is all duplicates.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEMO_CONFIG } from '../../infra/config.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const block = /<!-- samples:start -->([\s\S]*?)<!-- samples:end -->/.exec(readme)?.[1] ?? '';
const lines = [...block.matchAll(/^\s*npx authtrail send (\S+) (\S+)\s*$/gm)].map((m) => ({ source: m[1]!, file: m[2]! }));

type Answer = { accepted: number; duplicates: number; quarantined: number };
const answers = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Answer);
const sum = (xs: Answer[], k: keyof Answer) => xs.reduce((a, x) => a + x[k], 0);

describe('README: every demo source takes its vendor\'s samples without quarantine', () => {
  let c: TestCollector;
  before(async () => { c = await startCollector(DEMO_CONFIG); });
  after(async () => { await c?.stop(); });

  it('lists a sample for every push and EventBridge source of the demo config', () => {
    const listed = new Set(lines.map((l) => l.source));
    const sources = (DEMO_CONFIG.sources as readonly { id: string }[]).map((s) => s.id).filter((id) => id !== 'demo-generic');
    assert.deepEqual(sources.filter((s) => !listed.has(s)), []);
  });

  for (const { source, file } of lines) {
    it(`npx authtrail send ${source} ${file}`, async () => {
      const first = await c.cli(['send', source, file]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const a = answers(first.stdout);
      assert.equal(sum(a, 'quarantined'), 0, first.stdout);
      assert.ok(sum(a, 'accepted') + sum(a, 'duplicates') > 0, first.stdout);
      const again = answers((await c.cli(['send', source, file])).stdout);
      assert.deepEqual([sum(again, 'accepted'), sum(again, 'quarantined')], [0, 0], 'a resend is all duplicates');
    });
  }
});
