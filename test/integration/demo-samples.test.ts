/**
 * The README's promise to a new user: with the demo config, every push and EventBridge source
 * accepts its vendor's documented samples (`npx authtrail send <source> <fixture>`, as listed in
 * the README) and quarantines none of them; a second send is all duplicates.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  // The samples are independent (an event two samples share is a duplicate for the later one, which
  // the checks allow), so they are sent four at a time: starting the CLI is most of each send's
  // time. The report below runs once they all have.
  describe('each sample, sent twice', { concurrency: 4 }, () => {
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

  it('then npx authtrail report --tenant demo --out report writes the evidence pack, and its numbers are the named queries\'', async () => {
    assert.equal((await c.cli(['flush'])).code, 0);
    const out = join(mkdtempSync(join(tmpdir(), 'authtrail-demo-report-')), 'report');
    const r = await c.cli(['report', '--tenant', 'demo', '--out', out]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(existsSync(join(out, 'report.html')));
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Record<string, unknown> & { from: string; to: string; integrity: { status: string; objects_checked: number } };
    assert.equal(report.integrity.status, 'ok');
    assert.ok(report.integrity.objects_checked > 0);
    const named = async (name: string) => {
      const q = await c.cli(['query', '--named', name, '--json', '--param', 'tenant=demo', '--param', `from=${report.from}`, '--param', `to=${report.to}`]);
      assert.equal(q.code, 0, q.stderr);
      return q.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>);
    };
    const users = await named('mfa_coverage_by_user');
    assert.ok(users.length > 0);
    const total = (rows: Record<string, number>[], k: string) => rows.reduce((n, x) => n + Number(x[k] ?? 0), 0);
    assert.equal(report['sign_ins'], total(users, 'sign_ins'));
    assert.equal(report['sign_ins_with_mfa'], total(users, 'with_mfa'));
    const judged = total(users, 'with_mfa') + total(users, 'without_mfa');
    assert.equal(report['mfa_coverage_percent'], Math.round((1000 * total(users, 'with_mfa')) / judged) / 10);
    assert.equal(report['failed_sign_ins'], total(await named('failed_signins_over_time'), 'failed_sign_ins'));
    assert.equal(report['push_denials'], (await named('push_denials')).length);
    assert.equal(report['factor_changes'], (await named('factor_changes')).length);
  });
});
