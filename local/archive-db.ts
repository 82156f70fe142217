/**
 * DuckDB standing in for Athena over the archive: the archive's objects are mirrored from the
 * local S3 server into `$AUTHTRAIL_HOME/query-cache/` (DuckDB's httpfs cannot be installed
 * offline), then exposed as the `events` and `alerts` tables with the partition columns
 * `tenant` and `dt` exactly as the Glue tables expose them.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ARCHIVE_COLUMNS } from '../lambdas/core/archive.ts';

const DUCK_TYPES = { STRING: 'VARCHAR', TIMESTAMP: 'TIMESTAMP', BOOLEAN: 'BOOLEAN', DOUBLE: 'DOUBLE' } as const;
export const ALERT_COLUMNS = [
  ['alert_id', 'VARCHAR'], ['rule', 'VARCHAR'], ['severity', 'VARCHAR'], ['user', 'VARCHAR'],
  ['first_event_time', 'TIMESTAMP'], ['last_event_time', 'TIMESTAMP'], ['count', 'BIGINT'], ['summary', 'VARCHAR'], ['event_uids', 'VARCHAR[]'],
] as const;

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

/** Mirrors `events/`, `alerts/` and `access/` into `cacheDir`: new and changed objects fetched, deleted ones removed. */
export async function syncArchive(s3: S3Client, bucket: string, cacheDir: string): Promise<{ objects: number; fetched: number }> {
  const seen = new Set<string>();
  let fetched = 0;
  for (const prefix of ['events/', 'alerts/', 'access/']) {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key?.endsWith(prefix === 'access/' ? '.json' : '.parquet')) continue;
        const file = join(cacheDir, ...o.Key.split('/'));
        seen.add(file);
        if (existsSync(file) && statSync(file).size === o.Size && statSync(file).mtimeMs >= (o.LastModified?.getTime() ?? 0)) continue;
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, await got.Body!.transformToByteArray());
        fetched++;
      }
      token = page.NextContinuationToken;
    } while (token);
  }
  for (const f of walk(cacheDir)) if (!seen.has(f)) rmSync(f);
  return { objects: seen.size, fetched };
}

const quote = (p: string) => `'${p.replace(/'/g, "''")}'`;

/** The access log's columns (lambdas/adapters/access-log.ts), besides the partitions `tenant` and `dt`. */
const ACCESS_COLUMNS = ['access_id', 'time', 'who', 'action', 'what', 'reason', 'mode'] as const;

/** A DuckDB connection with `events` and `alerts` over the Parquet files under `dir`, and `access_log` over its JSON objects. */
export async function openArchiveDb(dir: string): Promise<{ connection: DuckDBConnection; close(): void }> {
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const c = await db.connect();
  const hive = "hive_partitioning = true, hive_types = {'tenant': VARCHAR, 'dt': VARCHAR}, union_by_name = true";
  const has = (sub: string) => walk(join(dir, sub)).some((f) => f.endsWith('.parquet') && relative(dir, f).split(sep).length === 4);
  if (has('events')) {
    // Objects written before a schema version lack its columns: they read as typed nulls.
    const source = `read_parquet(${quote(join(dir, 'events', '*', '*', '*.parquet'))}, ${hive})`;
    const present = new Set((await runSql(c, `DESCRIBE SELECT * FROM ${source}`)).map((r) => String(r['column_name'])));
    const select = ARCHIVE_COLUMNS.map((col) => (present.has(col.name) ? `"${col.name}"` : `NULL::${DUCK_TYPES[col.type]} AS "${col.name}"`)).join(', ');
    await c.run(`CREATE VIEW events AS SELECT ${select}, tenant, dt FROM ${source}`);
  } else {
    const defs = ARCHIVE_COLUMNS.map((col) => `"${col.name}" ${DUCK_TYPES[col.type]}`).join(', ');
    await c.run(`CREATE TABLE events (${defs}, tenant VARCHAR, dt VARCHAR)`);
  }
  if (has('alerts')) {
    await c.run(`CREATE VIEW alerts AS SELECT ${ALERT_COLUMNS.map(([n]) => `"${n}"`).join(', ')}, tenant, dt FROM read_parquet(${quote(join(dir, 'alerts', '*', '*', '*.parquet'))}, ${hive})`);
  } else {
    await c.run(`CREATE TABLE alerts (${ALERT_COLUMNS.map(([n, t]) => `"${n}" ${t}`).join(', ')}, tenant VARCHAR, dt VARCHAR)`);
  }
  if (walk(join(dir, 'access')).some((f) => f.endsWith('.json') && relative(dir, f).split(sep).length === 4)) {
    const columns = `{${ACCESS_COLUMNS.map((n) => `${n}: 'VARCHAR'`).join(', ')}}`;
    await c.run(`CREATE VIEW access_log AS SELECT ${ACCESS_COLUMNS.map((n) => `"${n}"`).join(', ')}, tenant, dt FROM read_json(${quote(join(dir, 'access', '*', '*', '*.json'))}, format = 'newline_delimited', columns = ${columns}, ${hive})`);
  } else {
    await c.run(`CREATE TABLE access_log (${ACCESS_COLUMNS.map((n) => `"${n}" VARCHAR`).join(', ')}, tenant VARCHAR, dt VARCHAR)`);
  }
  return { connection: c, close: () => { c.closeSync(); db.closeSync(); } };
}

const INTEGERS = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

/** DuckDB's `2026-11-20 10:15:30.123` → the contract's `2026-11-20T10:15:30.123Z`. */
function isoTimestamp(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(v);
  return m ? `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z` : v;
}

/**
 * Runs SQL and returns plain JSON rows: counts as numbers (DuckDB hands them over as strings,
 * being 64-bit), timestamps in the contract's ISO form.
 */
export async function runSql(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const r = await c.runAndReadAll(sql);
  const names = r.columnNames();
  const types = r.columnTypes().map((t) => t.toString());
  return (r.getRowObjectsJson() as Record<string, unknown>[]).map((row) => {
    for (let i = 0; i < names.length; i++) {
      const k = names[i]!;
      const v = row[k];
      if (INTEGERS.has(types[i]!) && typeof v === 'string' && Number.isSafeInteger(Number(v))) row[k] = Number(v);
      else if (types[i]!.startsWith('TIMESTAMP')) row[k] = isoTimestamp(v);
    }
    return row;
  });
}
