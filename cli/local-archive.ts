/**
 * SQL over the running local collector's archive (`query`, `report`): the archive is mirrored into
 * `$AUTHTRAIL_HOME/query-cache` and read by DuckDB through the `events` and `alerts` views.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openArchiveDb, runSql, syncArchive } from '../local/archive-db.ts';
import { homeDir } from '../local/dev.ts';
import { localS3, readEndpoints } from './endpoints.ts';
import { CliError } from './errors.ts';

export interface LocalArchive {
  /** Tenants with archived events (a tenant removed from the config still has its archive). */
  readonly tenants: string[];
  run(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export async function openLocalArchive(): Promise<LocalArchive> {
  const e = readEndpoints();
  const s3 = localS3(e);
  const cache = join(homeDir(), 'query-cache');
  try { await syncArchive(s3, e.bucket, cache); } finally { s3.destroy(); }
  const dir = join(cache, 'events');
  const tenants = existsSync(dir) ? readdirSync(dir).map((d) => /^tenant=(.+)$/.exec(d)?.[1]).filter((x): x is string => !!x) : [];
  let db: Awaited<ReturnType<typeof openArchiveDb>>;
  try {
    db = await openArchiveDb(cache);
  } catch (err) {
    throw failed(err);
  }
  return {
    tenants,
    async run(sql) {
      try { return await runSql(db.connection, sql); } catch (err) { throw failed(err); }
    },
    close: () => db.close(),
  };
}

/** The user's SQL, or an archive object that is not what was archived: one line either way. */
function failed(err: unknown): CliError {
  const first = (err as Error).message.split('\n')[0]!.replace(/^Error: /, '');
  return new CliError(/magic bytes|parquet/i.test(first) ? `the query failed: ${first} — an archive object is damaged or was replaced: run npx authtrail verify` : `the query failed: ${first}`, { cause: err });
}
