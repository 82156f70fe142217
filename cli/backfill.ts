/**
 * `authtrail backfill --tenant <t> --from YYYY-MM-DD [--to YYYY-MM-DD] [--dry-run] [--skip-detect]
 * [--json] [--outputs <file>]`: re-archives a tenant's days from the hot table — the recovery when
 * archiving failed longer than the stream keeps records (24 h) — and re-runs the detector over
 * them, publishing only alerts the archive does not hold. One day per run of the backfill code,
 * by the running local collector or, in AWS mode, by the deployed backfill function (so it writes
 * with that function's role, not the operator's). Safe to repeat: what is archived is skipped.
 */
import { loadConfig } from '../infra/config.ts';
import { daysBetween } from '../lambdas/core/backfill.ts';
import type { BackfillResult } from '../lambdas/adapters/backfill.ts';
import { dateFlag, OUTPUTS_OPTION, parseCommand } from './args.ts';
import { localFetch, readEndpoints } from './endpoints.ts';
import { CliError, UsageError } from './errors.ts';
import { lambdaInvoker, type Invoker } from './lambda.ts';
import { readOutputs, type Outputs } from './outputs.ts';

export const BACKFILL_FUNCTION_OUTPUT = 'BackfillFunctionName';
/** A longer range is a mistake more often than a need (the hot table keeps `hotDays`). */
export const MAX_BACKFILL_DAYS = 400;

const OPTIONS = {
  tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
  'dry-run': { type: 'boolean' }, 'skip-detect': { type: 'boolean' }, json: { type: 'boolean' }, ...OUTPUTS_OPTION,
} as const;

export function parseBackfillArgs(args: string[], today = new Date().toISOString().slice(0, 10)) {
  const { values: v } = parseCommand('backfill', args, OPTIONS);
  if (!v.tenant) throw new UsageError('backfill needs --tenant <tenant>');
  const from = dateFlag('backfill', '--from', v.from);
  if (!from) throw new UsageError('backfill needs --from YYYY-MM-DD (the first day to re-archive)');
  const to = dateFlag('backfill', '--to', v.to) ?? from;
  if (from > to) throw new UsageError(`backfill: --from ${from} is after --to ${to}`);
  if (from > today) throw new UsageError(`backfill: --from ${from} is in the future`);
  const days = daysBetween(from, to > today ? today : to);
  if (days.length > MAX_BACKFILL_DAYS) throw new UsageError(`backfill: ${days.length} days is more than ${MAX_BACKFILL_DAYS}; split the range`);
  return { tenant: v.tenant, days, dryRun: v['dry-run'] === true, detect: v['skip-detect'] !== true, json: v.json === true, outputs: v.outputs };
}

export const describeResult = (r: BackfillResult) =>
  `${r.tenant} ${r.dt}: ${r.hot_events} event(s) in the hot table, ${r.archived_before} archived already, ` +
  `${r.archived_now} ${r.dry_run ? 'to archive' : `archived now (${r.objects} object(s))`}, ${r.left_to_stream} left to the stream (stored within 25 h), ` +
  `${r.alerts_raised} alert(s) ${r.dry_run ? 'to raise' : 'raised'}`;

type RunDay = (dt: string) => Promise<BackfillResult>;

/** Runs the days in order, printing one line (or one JSON object) each; stops at the first failure. */
export async function runDays(days: readonly string[], run: RunDay, o: { json: boolean; dryRun: boolean }): Promise<number> {
  const total = { archived: 0, alerts: 0, recent: 0 };
  for (const dt of days) {
    let r: BackfillResult;
    try { r = await run(dt); } catch (err) {
      process.stderr.write(`authtrail: backfill of ${dt} failed: ${(err as Error).message} (days before it are done; run the command again from --from ${dt})\n`);
      return 1;
    }
    total.archived += r.archived_now;
    total.alerts += r.alerts_raised;
    total.recent += r.left_to_stream;
    console.log(o.json ? JSON.stringify(r) : describeResult(r));
  }
  if (!o.json) {
    const dry = o.dryRun;
    console.log(`backfill: ${dry ? 'dry run, nothing written or published: ' : ''}${total.archived} event(s) ${dry ? 'to archive' : 'archived'}, ${total.alerts} alert(s) ${dry ? 'to raise' : 'raised'} over ${days.length} day(s)` +
      (total.recent ? `; ${total.recent} recent event(s) left to the stream (redrive archiver within 24 h, or backfill again tomorrow)` : ''));
  }
  return 0;
}

type Args = ReturnType<typeof parseBackfillArgs>;
const request = (a: Args, dt: string) => ({ tenant: a.tenant, dt, dryRun: a.dryRun, detect: a.detect });

/** AWS mode: one invocation of the deployed backfill function per day. */
export async function backfillDeployed(a: Args, outputs: Outputs, invoker: Invoker): Promise<number> {
  const fn = outputs.need(BACKFILL_FUNCTION_OUTPUT, 'the backfill function');
  return runDays(a.days, async (dt) => {
    const r = await invoker.invoke(fn, request(a, dt));
    if (r.error) throw new CliError(r.error);
    return r.payload as BackfillResult;
  }, a);
}

export async function backfill(args: string[]): Promise<number> {
  const a = parseBackfillArgs(args);
  if (a.outputs) {
    const outputs = readOutputs(a.outputs);
    const invoker = await lambdaInvoker();
    try { return await backfillDeployed(a, outputs, invoker); } finally { invoker.close(); }
  }
  const { config } = loadConfig();
  if (!config.tenants.some((t) => t.id === a.tenant)) throw new CliError(`unknown tenant "${a.tenant}" (tenants: ${config.tenants.map((t) => t.id).join(', ')})`);
  const e = readEndpoints();
  return runDays(a.days, async (dt) => {
    const res = await localFetch(e, '/_local/backfill', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request(a, dt)) });
    const body = await res.text();
    if (!res.ok) {
      let message = body;
      try { message = (JSON.parse(body) as { message?: string }).message ?? body; } catch { /* as is */ }
      throw new CliError(message);
    }
    return JSON.parse(body) as BackfillResult;
  }, a);
}
