/**
 * `authtrail compact [--tenant t] [--day YYYY-MM-DD] [--outputs <file>]`: merges archive objects
 * into one per tenant-day up to the size cap (core/compact.ts), as the scheduled compactor does —
 * every closed day by default; with `--day`, that day even if it closed only partly (it must be
 * before today, UTC). Locally against the running collector's archive; with `--outputs` by the
 * deployed compactor function (so it writes with that function's role, not the operator's).
 */
import { dynamoArchiveState } from '../lambdas/adapters/archive-state.ts';
import { archiveCompactor, compactAll, type CompactSummary } from '../lambdas/adapters/archive-compact.ts';
import { loadConfig } from '../infra/config.ts';
import { dateFlag, OUTPUTS_OPTION, parseCommand } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { lambdaInvoker, type Invoker } from './lambda.ts';
import { readOutputs, type Outputs } from './outputs.ts';
import { localTarget, type Target } from './target.ts';

/** The stack output `compact --outputs` invokes. */
export const COMPACTOR_FUNCTION_OUTPUT = 'CompactorFunctionName';

const OPTIONS = { tenant: { type: 'string' }, day: { type: 'string' }, ...OUTPUTS_OPTION } as const;

export function parseCompactArgs(args: string[], today = new Date().toISOString().slice(0, 10)) {
  const { values: v } = parseCommand('compact', args, OPTIONS);
  if (v.tenant === '') throw new UsageError('compact: --tenant needs a tenant id');
  // dateFlag throws a RangeError for a month or day out of range (2026-13-01): say it as it says the rest.
  if (v.day !== undefined && Number.isNaN(Date.parse(`${v.day}T00:00:00Z`))) throw new UsageError(`compact: --day takes a date YYYY-MM-DD, not "${v.day}"`);
  const day = dateFlag('compact', '--day', v.day);
  if (day && day >= today) throw new UsageError(`compact: --day ${day} is not over yet (UTC); a day can be compacted from the day after`);
  return { tenant: v.tenant, day, outputs: v.outputs };
}

const size = (b: number) => (b < 1024 ? `${b} B` : b < 1024 ** 2 ? `${(b / 1024).toFixed(1)} KB` : `${(b / 1024 ** 2).toFixed(1)} MB`);

/** Prints the run; the exit code (1 when a tenant failed). */
export function printSummary(s: CompactSummary): number {
  let days = 0;
  let merged = 0;
  let outputs = 0;
  let finished = 0;
  for (const t of s.tenants) {
    finished += t.finished;
    if (t.finished) console.log(`${t.tenant}: finished ${t.finished} interrupted compaction(s)`);
    for (const d of t.days) {
      days++; merged += d.inputs; outputs += d.outputs;
      console.log(`${t.tenant} ${d.dt}: ${d.objectsBefore} object(s) → ${d.objectsAfter} (${d.rows} rows, ${size(d.bytesIn)} → ${size(d.bytesOut)}, ${Math.round(d.ms)} ms)`);
    }
  }
  for (const e of s.errors) console.log(`FAILED  ${e.tenant}  ${e.message}`);
  console.log(days || finished
    ? `compact: ${days} tenant-day(s) compacted, ${merged} object(s) merged into ${outputs}${finished ? `; ${finished} interrupted compaction(s) finished` : ''}`
    : 'compact: nothing to compact (every closed tenant-day has one object, or objects of half the size cap or more)');
  if (s.errors.length) console.log(`compact: FAILED for ${s.errors.length} tenant(s)`);
  return s.errors.length ? 1 : 0;
}

/** Local mode: the running collector's archive and state table. */
export async function compactLocal(t: Target, a: { tenant?: string | undefined; day?: string | undefined }, configTenants: readonly string[]): Promise<number> {
  const compactor = archiveCompactor({ s3: t.s3, bucket: t.bucket, state: dynamoArchiveState({ client: t.ddb, table: t.stateTable }), kmsKeyId: t.kmsKeyId });
  const known = new Set([...configTenants, ...await compactor.tenants()]);
  if (a.tenant && !known.has(a.tenant)) throw new CliError(`unknown tenant "${a.tenant}": it is not in the config and has nothing in the archive (tenants: ${[...known].sort().join(', ') || 'none'})`);
  return printSummary(await compactAll({ ...(a.tenant ? { tenant: a.tenant } : {}), ...(a.day ? { day: a.day } : {}) }, { compactor, configTenants }));
}

/** AWS mode: one invocation of the deployed compactor function. */
export async function compactDeployed(a: { tenant?: string | undefined; day?: string | undefined }, outputs: Outputs, invoker: Invoker): Promise<number> {
  const fn = outputs.need(COMPACTOR_FUNCTION_OUTPUT, 'the compactor function');
  const r = await invoker.invoke(fn, { ...(a.tenant ? { tenant: a.tenant } : {}), ...(a.day ? { day: a.day } : {}) });
  if (r.error) throw new CliError(`the compactor failed: ${r.error.split('\n')[0]}`);
  return printSummary(r.payload as CompactSummary);
}

export async function compact(args: string[]): Promise<number> {
  const a = parseCompactArgs(args);
  if (a.outputs) {
    const outputs = readOutputs(a.outputs);
    const invoker = await lambdaInvoker();
    try { return await compactDeployed(a, outputs, invoker); } finally { invoker.close(); }
  }
  const { config } = loadConfig();
  const t = localTarget();
  try {
    return await compactLocal(t, a, config.tenants.map((x) => x.id));
  } finally {
    t.close();
  }
}
