/**
 * `authtrail query "<SQL>" [--json] [--athena]` and `authtrail query --named <name> [--param k=v ...]`.
 * Locally DuckDB runs over a mirror of the local archive; with --athena, Athena runs it.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { renderNamedQuery } from '../lambdas/core/named-queries.ts';
import { ALL_TENANTS } from '../lambdas/adapters/access-log.ts';
import { recordAccess } from './access-log.ts';
import { localTarget, openTarget } from './target.ts';
import { openLocalArchive } from './local-archive.ts';
import { loadNamedQueries } from '../infra/queries.ts';
import { runAthena } from './athena.ts';
import { loadConfig } from '../infra/config.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { OUTPUT_KEYS, readOutputs, tenantOutputId, type Outputs } from './outputs.ts';
import { CliError, UsageError } from './errors.ts';

const QUERY_OPTIONS = { json: { type: 'boolean' }, athena: { type: 'boolean' }, named: { type: 'string' }, param: { type: 'string', multiple: true }, ...OUTPUTS_OPTION } as const;

export function parseQueryArgs(args: string[]) {
  const { values: v, positionals } = parseCommand('query', args, QUERY_OPTIONS, ['[SQL]']);
  const sql = positionals[0];
  const named = v.named;
  const params: Record<string, string> = {};
  for (const kv of v.param ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new UsageError(`query: --param takes key=value, not "${kv}"`);
    const k = kv.slice(0, eq);
    if (k in params) throw new UsageError(`query: --param ${k} given twice`);
    params[k] = kv.slice(eq + 1);
  }
  if (!!sql === !!named) throw new UsageError('query takes either "<SQL>" or --named <name>');
  if (!named && Object.keys(params).length) throw new UsageError('query: --param goes with --named');
  // A deployed stack's archive is queried in Athena: --outputs implies --athena.
  return { sql, named, json: !!v.json, athena: !!v.athena || !!v.outputs, params, outputs: v.outputs };
}

/** `--param tenant=<t>` must name a tenant that exists: a typo would print "(no rows)" and mislead. */
export function checkTenantParam(params: Readonly<Record<string, string>>, known: readonly string[]): void {
  const t = params['tenant'];
  if (t && !known.includes(t)) throw new CliError(`unknown tenant "${t}" in --param tenant (tenants: ${[...known].sort().join(', ') || 'none'})`);
}

/**
 * The workgroup of a deployed stack a query runs in: the tenant's own (`AuditorWorkGroup<t>`, what
 * a tenant's auditor may use) when `--param tenant` names one, else the operator's.
 */
export function workGroupFor(o: Outputs, tenant: string | undefined): string {
  if (tenant) return o.need(`AuditorWorkGroup${tenantOutputId(tenant)}`, `the Athena workgroup of tenant ${tenant}`);
  return o.need('OperatorWorkGroup', 'the operator\'s Athena workgroup');
}

function printTable(rows: Record<string, unknown>[]): void {
  if (!rows.length) { console.log('(no rows)'); return; }
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const width = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) => vals.map((v, i) => v.slice(0, 60).padEnd(width[i]!)).join('  ').trimEnd();
  console.log(line(cols));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
  console.log(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
}

export async function query(args: string[]): Promise<number> {
  const a = parseQueryArgs(args);
  let sql = a.sql!;
  if (a.named) {
    const q = loadNamedQueries().find((x) => x.name === a.named);
    if (!q) throw new CliError(`unknown named query "${a.named}" (the shipped ones: ${loadNamedQueries().map((x) => x.name).join(', ')})`);
    sql = renderNamedQuery(q, a.params);
  }
  const configTenants = a.params['tenant'] ? loadConfig().config.tenants.map((t) => t.id) : [];
  // Recorded in the access log before it runs (no record, no answer): locally, and against a
  // deployment named by --outputs. With --athena alone no archive is named: the workgroup's query
  // history and the archive's CloudTrail data events record it.
  const target = a.outputs ? openTarget(a.outputs) : a.athena ? null : localTarget();
  if (target) {
    try {
      await recordAccess(target, { tenant: a.params['tenant'] || ALL_TENANTS, action: 'query', what: a.named ? `${a.named} ${JSON.stringify(a.params)}` : sql, reason: null });
    } finally {
      target.close();
    }
  }
  let rows: Record<string, unknown>[];
  if (a.athena) {
    checkTenantParam(a.params, configTenants);
    const client = new AthenaClient({});
    const outputs = a.outputs ? readOutputs(a.outputs) : undefined;
    const workGroup = outputs ? workGroupFor(outputs, a.params['tenant']) : process.env.AUTHTRAIL_ATHENA_WORKGROUP;
    // The deployment's own database (`GlueDatabaseName`; a deployment named client-b has client_b).
    const database = outputs?.get(OUTPUT_KEYS.glueDatabase) ?? process.env.AUTHTRAIL_GLUE_DATABASE;
    try { rows = await runAthena(sql, { client, workGroup, database }); } finally { client.destroy(); }
  } else {
    const archive = await openLocalArchive();
    try {
      checkTenantParam(a.params, [...new Set([...configTenants, ...archive.tenants])]);
      rows = await archive.run(sql);
    } finally {
      archive.close();
    }
  }
  if (a.json) for (const r of rows) console.log(JSON.stringify(r));
  else printTable(rows);
  return 0;
}
