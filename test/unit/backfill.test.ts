/**
 * Backfill planning (which events are archived, left to the stream, missing), the stable records
 * it commits, the CLI's flags, and its AWS mode (one invocation of the deployed function per day).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backfillSegments, daysBetween, dayBefore, planBackfill, SETTLED_AFTER_MS } from '../../lambdas/core/backfill.ts';
import { backfillDeployed, parseBackfillArgs } from '../../cli/backfill.ts';
import { parseOutputs } from '../../cli/outputs.ts';
import type { Invoker } from '../../cli/lambda.ts';
import { ev } from '../helpers/events.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');

describe('planBackfill', () => {
  const settled = new Date(NOW - SETTLED_AFTER_MS).toISOString();
  const justNot = new Date(NOW - SETTLED_AFTER_MS + 1).toISOString();
  const events = [
    ev({ event_uid: 'c', event_time: '2026-11-20T10:00:02Z', ingest_time: settled }),
    ev({ event_uid: 'a', event_time: '2026-11-20T10:00:01Z', ingest_time: settled }),
    ev({ event_uid: 'b', event_time: '2026-11-20T10:00:01Z', ingest_time: settled }),
    ev({ event_uid: 'archived', event_time: '2026-11-20T09:00:00Z', ingest_time: settled }),
    ev({ event_uid: 'recent', event_time: '2026-11-20T09:00:00Z', ingest_time: justNot }),
    ev({ event_uid: 'bad-time', event_time: '2026-11-20T09:00:00Z', ingest_time: 'not a time' }),
  ];
  const plan = planBackfill({ events, archived: new Set(['acme-okta#archived']), now: NOW });

  it('skips what the digest chain lists and leaves events stored within 25 h (or of unknown age) to the stream', () => {
    assert.equal(plan.archived, 1);
    assert.equal(plan.recent, 2);
  });
  it('orders the missing events by event time, then key', () => {
    assert.deepEqual(plan.missing.map((e) => e.event_uid), ['a', 'b', 'c']);
  });
  it('gives the same records for the same events, and a later segment keeps its first record when the earlier ones are done', () => {
    const first = backfillSegments(plan.missing, 2);
    assert.deepEqual(first.map((s) => s.map((r) => r.pk)), [['acme-okta#a', 'acme-okta#b'], ['acme-okta#c']]);
    assert.deepEqual(backfillSegments(plan.missing, 2), first);
    const rerun = backfillSegments(plan.missing.slice(2), 2);
    assert.deepEqual(rerun[0]![0], first[1]![0]);
    // Sequence numbers are decimal strings of one length, ordered like the events.
    assert.ok(first.flat().every((r) => /^\d{15}$/.test(r.seq)));
    assert.ok(first[0]![0]!.seq <= first[1]![0]!.seq);
  });
});

describe('backfill days and flags', () => {
  it('lists the days of a range, across a month end', () => {
    assert.deepEqual(daysBetween('2026-10-30', '2026-11-02'), ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    assert.equal(dayBefore('2026-03-01'), '2026-02-28');
  });
  it('takes --tenant and --from, --to defaulting to --from and capped at today', () => {
    assert.deepEqual(parseBackfillArgs(['--tenant', 'acme', '--from', '2026-11-20'], '2026-11-28').days, ['2026-11-20']);
    assert.deepEqual(parseBackfillArgs(['--tenant', 'acme', '--from', '2026-11-27', '--to', '2026-12-31'], '2026-11-28').days, ['2026-11-27', '2026-11-28']);
    const a = parseBackfillArgs(['--tenant', 'acme', '--from', '2026-11-20', '--dry-run', '--skip-detect', '--json'], '2026-11-28');
    assert.deepEqual([a.dryRun, a.detect, a.json], [true, false, true]);
  });
  it('refuses what would mislead, in one line', () => {
    const bad: [string[], RegExp][] = [
      [['--from', '2026-11-20'], /needs --tenant/],
      [['--tenant', 'acme'], /needs --from/],
      [['--tenant', 'acme', '--from', '2026-02-30'], /takes a date/],
      [['--tenant', 'acme', '--from', '2026-11-21', '--to', '2026-11-20'], /after --to/],
      [['--tenant', 'acme', '--from', '2026-12-01'], /in the future/],
      [['--tenant', 'acme', '--from', '2024-01-01', '--to', '2026-11-01'], /more than 400/],
      [['--tenant', 'acme', '--from', '2026-11-20', '--since', '1d'], /unknown option --since/],
    ];
    for (const [args, re] of bad) assert.throws(() => parseBackfillArgs(args, '2026-11-28'), re, args.join(' '));
  });
});

describe('backfill in AWS mode', () => {
  const OUTPUTS = parseOutputs(JSON.stringify({ AuthTrailStateless: { BackfillFunctionName: 'authtrail-backfill' } }), 'cdk-outputs.json');
  const result = (dt: string) => ({ tenant: 'acme', dt, dry_run: false, hot_events: 3, archived_before: 1, archived_now: 2, objects: 1, left_to_stream: 0, alerts_raised: 0 });
  const quietly = async <T>(fn: () => Promise<T>) => {
    const [log, err] = [console.log, process.stderr.write];
    const lines: string[] = [];
    console.log = (l: string) => { lines.push(l); };
    process.stderr.write = ((l: string) => { lines.push(l); return true; }) as typeof process.stderr.write;
    try { return { value: await fn(), lines }; } finally { console.log = log; process.stderr.write = err; }
  };

  it('invokes the deployed function once per day, in order, with the request', async () => {
    const calls: unknown[] = [];
    const invoker: Invoker = { async invoke(fn, p) { calls.push([fn, p]); return { payload: result((p as { dt: string }).dt) }; }, close() {} };
    const a = parseBackfillArgs(['--tenant', 'acme', '--from', '2026-11-20', '--to', '2026-11-21', '--skip-detect'], '2026-11-28');
    const { value, lines } = await quietly(() => backfillDeployed(a, OUTPUTS, invoker));
    assert.equal(value, 0);
    assert.deepEqual(calls, [
      ['authtrail-backfill', { tenant: 'acme', dt: '2026-11-20', dryRun: false, detect: false }],
      ['authtrail-backfill', { tenant: 'acme', dt: '2026-11-21', dryRun: false, detect: false }],
    ]);
    assert.match(lines[0]!, /^acme 2026-11-20: 3 event\(s\) in the hot table, 1 archived already, 2 archived now \(1 object\(s\)\)/);
    assert.match(lines.at(-1)!, /^backfill: 4 event\(s\) archived, 0 alert\(s\) raised over 2 day\(s\)$/);
  });

  it('stops at a failing day with exit 1 and says where to resume', async () => {
    const invoker: Invoker = { async invoke(_, p) { return (p as { dt: string }).dt === '2026-11-21' ? { payload: undefined, error: 'BackfillError: unknown tenant "acme"' } : { payload: result('2026-11-20') }; }, close() {} };
    const a = parseBackfillArgs(['--tenant', 'acme', '--from', '2026-11-20', '--to', '2026-11-22'], '2026-11-28');
    const { value, lines } = await quietly(() => backfillDeployed(a, OUTPUTS, invoker));
    assert.equal(value, 1);
    assert.match(lines.at(-1)!, /backfill of 2026-11-21 failed: BackfillError: unknown tenant "acme" \(days before it are done; run the command again from --from 2026-11-21\)/);
  });

  it('names the fix when the outputs have no backfill function', async () => {
    const a = parseBackfillArgs(['--tenant', 'acme', '--from', '2026-11-20'], '2026-11-28');
    await assert.rejects(backfillDeployed(a, parseOutputs('{"S":{}}', 'f'), { async invoke() { return { payload: null }; }, close() {} }), /has no BackfillFunctionName/);
  });
});
