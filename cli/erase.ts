/**
 * `authtrail erase --tenant t --user <id|login|email> --reason "<why>" [--from d] [--to d]
 * [--dry-run] [--json]`: erases one data subject's events from a tenant (adapters/erase.ts; README
 * "Privacy"): the archive's objects that hold them are rewritten without them (each day's rewrite
 * recorded in the digest chain as an erasure, so `verify` stays green and an auditor sees that it
 * happened), their alerts, hot items and detector state are deleted, and, for a pseudonymizing
 * tenant, their pseudonym vault entries. `--dry-run` counts and changes nothing. The run is
 * recorded in the access log (its id, counts and reason; not the subject). With `--outputs` the
 * deployed eraser function does it (the archive is written only by the deployment's own
 * functions), invoked with the operator's credentials.
 */
import { readFileSync } from 'node:fs';
import { dynamoArchiveState } from '../lambdas/adapters/archive-state.ts';
import { archiveCompactor } from '../lambdas/adapters/archive-compact.ts';
import { eraseSubject, type EraseReport } from '../lambdas/adapters/erase.ts';
import { dynamoVault } from '../lambdas/adapters/pseudonym-vault.ts';
import { needsKey, tenantKeyBytes } from '../lambdas/core/privacy.ts';
import { loadConfig } from '../infra/config.ts';
import { homeDir } from '../local/dev.ts';
import { localKeyFile } from '../local/privacy-keys.ts';
import { recordAccess } from './access-log.ts';
import { dateFlag, OUTPUTS_OPTION, parseCommand } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { lambdaInvoker, type Invoker } from './lambda.ts';
import { readOutputs } from './outputs.ts';
import { awsTarget, localTarget, type Target } from './target.ts';

/** The stack output `erase --outputs` invokes. */
export const ERASER_FUNCTION_OUTPUT = 'EraserFunctionName';

const OPTIONS = { tenant: { type: 'string' }, user: { type: 'string' }, reason: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, ...OUTPUTS_OPTION } as const;

export function parseEraseArgs(args: string[]) {
  const { values: v } = parseCommand('erase', args, OPTIONS);
  if (!v.tenant) throw new UsageError('erase needs --tenant <t>');
  if (!v.user?.trim()) throw new UsageError('erase needs --user <id|login|email>: the data subject whose events are erased');
  if (!v.reason?.trim()) throw new UsageError('erase needs --reason "<why>" (e.g. the request reference): it is recorded in the digest chain and the access log');
  const from = dateFlag('erase', '--from', v.from);
  const to = dateFlag('erase', '--to', v.to);
  if (from && to && from > to) throw new UsageError(`erase: --from ${from} is after --to ${to}`);
  return { tenant: v.tenant, subject: v.user.trim(), reason: v.reason.trim(), from, to, dryRun: v['dry-run'] ?? false, json: v.json ?? false, outputs: v.outputs };
}

function print(r: EraseReport, json: boolean): void {
  if (json) { console.log(JSON.stringify(r)); return; }
  const verb = r.dry_run ? 'would erase' : 'erased';
  for (const d of r.archive.days) console.log(`${r.tenant} ${d.dt}: ${verb} ${d.rows} row(s) from ${d.objects} archive object(s)`);
  console.log(`erase ${r.id}: ${verb} ${r.archive.rows} archived event(s) on ${r.archive.days.length} day(s) (${r.archive.scanned} object(s) read), `
    + `${r.alerts.alerts} alert(s) in ${r.alerts.objects} object(s), ${r.hot_items} hot item(s), ${r.detector_state} detector state item(s), ${r.vault_entries} pseudonym vault entr${r.vault_entries === 1 ? 'y' : 'ies'}, `
    + `${r.quarantine.bodies} quarantined bod${r.quarantine.bodies === 1 ? 'y' : 'ies'}`);
  // Deleted whole: whatever else they hold is replayed first (`authtrail quarantine replay <id>`).
  if (r.quarantine.ids.length) console.log(`quarantined bodies naming the subject (${r.dry_run ? 'replay what else they hold first' : 'deleted'}): ${r.quarantine.ids.join(' ')}`);
}

type EraseArgs = ReturnType<typeof parseEraseArgs>;

const recordErasure = (t: Target, a: EraseArgs, r: EraseReport) =>
  recordAccess(t, { tenant: a.tenant, action: 'erase', what: `erasure ${r.id}: ${r.archive.rows} archived event(s), ${r.hot_items} hot item(s)`, reason: a.reason });

/** AWS mode: one invocation of the deployed eraser; recorded in the deployment's access log. */
export async function eraseDeployed(a: EraseArgs, t: Target, invoker: Invoker): Promise<EraseReport> {
  const fn = t.outputs!.need(ERASER_FUNCTION_OUTPUT, 'the eraser function');
  const r = await invoker.invoke(fn, { tenant: a.tenant, subject: a.subject, reason: a.reason, ...(a.from ? { from: a.from } : {}), ...(a.to ? { to: a.to } : {}), dryRun: a.dryRun });
  if (r.error) throw new CliError(`the eraser failed: ${r.error.split('\n')[0]}`);
  const report = r.payload as EraseReport;
  if (!a.dryRun) await recordErasure(t, a, report);
  return report;
}

export async function erase(args: string[]): Promise<number> {
  const a = parseEraseArgs(args);
  if (a.outputs) {
    const t = awsTarget(readOutputs(a.outputs));
    const invoker = await lambdaInvoker();
    try { print(await eraseDeployed(a, t, invoker), a.json); return 0; } finally { invoker.close(); t.close(); }
  }
  const { config } = loadConfig();
  const tenant = config.tenants.find((x) => x.id === a.tenant);
  if (!tenant) throw new CliError(`unknown tenant "${a.tenant}" (tenants: ${config.tenants.map((x) => x.id).join(', ')})`);
  const key = needsKey(tenant.privacy) ? tenantKeyBytes(readFileSync(localKeyFile(homeDir(), a.tenant), 'utf8')) : null;
  const t = localTarget();
  try {
    const report = await eraseSubject({
      s3: t.s3, bucket: t.bucket, ddb: t.ddb, table: t.table, stateTable: t.stateTable, key,
      vault: key ? dynamoVault({ client: t.ddb, table: t.stateTable }) : undefined,
      compactor: archiveCompactor({ s3: t.s3, bucket: t.bucket, state: dynamoArchiveState({ client: t.ddb, table: t.stateTable }), kmsKeyId: t.kmsKeyId }),
    }, { tenant: a.tenant, subject: a.subject, request: a.reason, from: a.from, to: a.to, dryRun: a.dryRun });
    if (!a.dryRun) await recordErasure(t, a, report);
    print(report, a.json);
    return 0;
  } finally {
    t.close();
  }
}
