/**
 * `authtrail query "<SQL>" [--json] [--athena]` and `authtrail query --named <name> [--param k=v ...]`.
 * Locally DuckDB runs over a mirror of the local archive; with --athena, Athena runs it.
 */
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { renderNamedQuery } from '../lambdas/core/named-queries.ts';
import { openArchiveDb, runSql, syncArchive } from '../local/archive-db.ts';
import { homeDir } from '../local/dev.ts';
import { loadNamedQueries } from '../infra/queries.ts';
import { runAthena } from './athena.ts';
import { localS3, readEndpoints } from './endpoints.ts';
import { UsageError } from './main.ts';

export function parseQueryArgs(args: string[]) {
  let sql: string | undefined;
  let named: string | undefined;
  let json = false;
  let athena = false;
  const params: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--athena') athena = true;
    else if (a === '--named') named = args[++i];
    else if (a === '--param') {
      const kv = args[++i] ?? '';
      const eq = kv.indexOf('=');
      if (eq < 1) throw new UsageError(`--param takes key=value, not "${kv}"`);
      params[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else if (sql === undefined) sql = a;
    else throw new UsageError('give the SQL as one argument (quote it)');
  }
  if (!!sql === !!named) throw new UsageError('query takes either "<SQL>" or --named <name>');
  if (!named && Object.keys(params).length) throw new UsageError('--param goes with --named');
  return { sql, named, json, athena, params };
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
    if (!q) throw new UsageError(`no named query "${a.named}"; the shipped ones: ${loadNamedQueries().map((x) => x.name).join(', ')}`);
    sql = renderNamedQuery(q, a.params);
  }
  let rows: Record<string, unknown>[];
  if (a.athena) {
    const client = new AthenaClient({});
    try { rows = await runAthena(sql, { client, workGroup: process.env.AUTHTRAIL_ATHENA_WORKGROUP, database: process.env.AUTHTRAIL_GLUE_DATABASE }); } finally { client.destroy(); }
  } else {
    const e = readEndpoints();
    const s3 = localS3(e);
    const cache = join(homeDir(), 'query-cache');
    try { await syncArchive(s3, e.bucket, cache); } finally { s3.destroy(); }
    const db = await openArchiveDb(cache);
    try { rows = await runSql(db.connection, sql); } finally { db.close(); }
  }
  if (a.json) for (const r of rows) console.log(JSON.stringify(r));
  else printTable(rows);
  return 0;
}
