/**
 * `authtrail compact`: its flags and one-line user errors, the report it prints, the AWS mode
 * (one invocation of the deployed compactor, its failure as one line), and the run over tenants
 * that the Lambda and the local command share (`compactAll`): each tenant once, one tenant's
 * failure collected without stopping the others.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMPACTOR_FUNCTION_OUTPUT, compactDeployed, parseCompactArgs, printSummary } from '../../cli/compact.ts';
import { CliError, UsageError } from '../../cli/errors.ts';
import { parseOutputs } from '../../cli/outputs.ts';
import { compactAll, type CompactSummary, type TenantResult } from '../../lambdas/adapters/archive-compact.ts';
import { USAGE } from '../../cli/main.ts';

/** Runs `fn` with console.log captured. */
async function printed<T>(fn: () => T | Promise<T>): Promise<{ value: T; out: string }> {
  const lines: string[] = [];
  const saved = console.log;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try { return { value: await fn(), out: lines.join('\n') }; } finally { console.log = saved; }
}

const day = { dt: '2026-11-20', objectsBefore: 4, objectsAfter: 1, inputs: 4, outputs: 1, rows: 12, bytesIn: 4096, bytesOut: 2048, ms: 12.4 };
const summary: CompactSummary = { tenants: [{ tenant: 'acme', days: [day], finished: 1, garbage: 0, objectsBefore: 4, objectsAfter: 1 }], errors: [] };

describe('authtrail compact', () => {
  it('flags: --tenant, --day before today, --outputs; the rest is a one-line usage error', () => {
    assert.deepEqual(parseCompactArgs([], '2026-11-28'), { tenant: undefined, day: undefined, outputs: undefined });
    assert.deepEqual(parseCompactArgs(['--tenant', 'acme', '--day', '2026-11-27', '--outputs', 'o.json'], '2026-11-28'), { tenant: 'acme', day: '2026-11-27', outputs: 'o.json' });
    for (const [args, message] of [
      [['--day', '2026-11-28'], /--day 2026-11-28 is not over yet/],
      [['--day', '2026-12-01'], /--day 2026-12-01 is not over yet/],
      [['--day', '2026-13-01'], /--day takes a date YYYY-MM-DD, not "2026-13-01"/],
      [['--day', 'yesterday'], /--day takes a date YYYY-MM-DD/],
      [['--tenant', ''], /--tenant needs a tenant id/],
      [['--from', '2026-11-01'], /unknown option --from/],
      [['acme'], /unexpected argument "acme"/],
    ] as const) assert.throws(() => parseCompactArgs([...args], '2026-11-28'), (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'));
    assert.match(USAGE, /\n {2}compact \[--tenant t\] \[--day YYYY-MM-DD\] \[--outputs <file>\]\n/);
  });

  it('prints a line per tenant-day and a total; a failed tenant makes exit 1', async () => {
    const ok = await printed(() => printSummary(summary));
    assert.equal(ok.value, 0);
    assert.equal(ok.out, [
      'acme: finished 1 interrupted compaction(s)',
      'acme 2026-11-20: 4 object(s) → 1 (12 rows, 4.0 KB → 2.0 KB, 12 ms)',
      'compact: 1 tenant-day(s) compacted, 4 object(s) merged into 1; 1 interrupted compaction(s) finished',
    ].join('\n'));
    const none = await printed(() => printSummary({ tenants: [{ tenant: 'acme', days: [], finished: 0, garbage: 0, objectsBefore: 0, objectsAfter: 0 }], errors: [] }));
    assert.match(none.out, /^compact: nothing to compact/);
    const failed = await printed(() => printSummary({ ...summary, errors: [{ tenant: 'globex', message: 'boom' }] }));
    assert.equal(failed.value, 1);
    assert.match(failed.out, /FAILED {2}globex {2}boom\n[^]*compact: FAILED for 1 tenant\(s\)$/);
  });

  it('AWS mode: one invocation of the deployed compactor with the request; its failure is one line; an old deployment says what to do', async () => {
    const outputs = parseOutputs(JSON.stringify({ 'authtrail-stateless': { [COMPACTOR_FUNCTION_OUTPUT]: 'authtrail-compactor' } }), 'o.json');
    const calls: unknown[][] = [];
    const invoker = (answer: { error?: string; payload: unknown }) => ({ invoke: async (...a: unknown[]) => { calls.push(a); return answer; }, close() {} });
    const r = await printed(() => compactDeployed({ tenant: 'acme', day: '2026-11-20' }, outputs, invoker({ payload: summary })));
    assert.equal(r.value, 0);
    assert.deepEqual(calls, [['authtrail-compactor', { tenant: 'acme', day: '2026-11-20' }]]);
    assert.match(r.out, /acme 2026-11-20: 4 object\(s\) → 1/);
    await assert.rejects(compactDeployed({}, outputs, invoker({ error: 'CompactRunError: acme: boom\n at x', payload: {} })), (e: Error) => e instanceof CliError && e.message === 'the compactor failed: CompactRunError: acme: boom');
    await assert.rejects(compactDeployed({}, parseOutputs('{"s":{}}', 'o.json'), invoker({ payload: summary })), /has no CompactorFunctionName \(the compactor function\): deploy this version/);
  });

  it('compactAll: configured and archived tenants once each, or the one asked for; one failure does not stop the others; the request is strict', async () => {
    const seen: [string, unknown][] = [];
    const result = (tenant: string): TenantResult => ({ tenant, days: [], finished: 0, garbage: 0 });
    const compactor = {
      tenants: async () => ['acme', 'initech'],
      compactTenant: async (t: string, o: unknown) => { seen.push([t, o]); if (t === 'globex') throw new Error('digest chain does not verify'); return result(t); },
    };
    const s = await compactAll({}, { compactor: compactor as never, configTenants: ['globex', 'acme'] });
    assert.deepEqual(seen.map(([t]) => t), ['acme', 'globex', 'initech']);
    assert.deepEqual(s.tenants.map((t) => t.tenant), ['acme', 'initech']);
    assert.deepEqual(s.errors, [{ tenant: 'globex', message: 'digest chain does not verify' }]);
    seen.length = 0;
    await compactAll({ tenant: 'acme', day: '2026-11-20' }, { compactor: compactor as never, configTenants: [] });
    assert.deepEqual(seen, [['acme', { day: '2026-11-20', deadline: undefined }]]);
    await assert.rejects(compactAll({ tenant: 'nosuch' }, { compactor: compactor as never, configTenants: ['globex'] }), /unknown tenant "nosuch": it is not in the config and has nothing in the archive \(tenants: acme, globex, initech\)/);
    await assert.rejects(compactAll({ tenant: 'acme', full: true }, { compactor: compactor as never, configTenants: [] }));
    await assert.rejects(compactAll({ day: '20-11-2026' }, { compactor: compactor as never, configTenants: [] }));
  });
});
