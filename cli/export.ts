/**
 * `authtrail export ocsf --tenant <t> --from YYYY-MM-DD --to YYYY-MM-DD [--out <dir>]
 * [--region r] [--account-id a]`: one tenant's archived events of a period as OCSF 1.3.0 Parquet
 * in the Amazon Security Lake custom-source layout
 * (`<out>/ext/<source>/region=<r>/accountId=<a>/eventDay=<yyyymmdd>/<file>.parquet`, one source
 * per OCSF class, as Security Lake wants one event class per source).
 *
 * The archive is read as `query` reads it (a local mirror, DuckDB); with `--outputs`, only the
 * tenant's objects of the period are fetched from the deployed archive bucket. DuckDB also writes the
 * Parquet: `read_json` with the class's declared column types gives real nested structs (OCSF
 * objects), lists and a string map — the same schema in every file of a class, whatever the events
 * hold. (The scheduled export in AWS writes the same schema with hyparquet-writer,
 * lambdas/core/ocsf-parquet.ts, generated from `OCSF_PARQUET_COLUMNS`; a test compares the two
 * files column by column.)
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AuthEvent } from '../lambdas/core/event.ts';
import { OCSF_CLASSES, OCSF_PARQUET_COLUMNS, securityLakePrefix, toOcsf, type OcsfClass, type OcsfEvent } from '../lambdas/core/ocsf.ts';
import { openArchiveDb, runSql, syncArchive } from '../local/archive-db.ts';
import { homeDir } from '../local/dev.ts';
import { loadConfig } from '../infra/config.ts';
import { EVENTS_PREFIX } from '../lambdas/core/archive.ts';
import { dateFlag, OUTPUTS_OPTION, parseCommand } from './args.ts';
import { localS3, readEndpoints } from './endpoints.ts';
import { CliError, UsageError } from './errors.ts';
import { OUTPUT_KEYS, readOutputs } from './outputs.ts';
import { s3ConfigFor } from './target.ts';

const OCSF_OPTIONS = {
  tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' },
  region: { type: 'string' }, 'account-id': { type: 'string' }, ...OUTPUTS_OPTION,
} as const;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;

export function parseExportArgs(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const [format, ...rest] = args;
  if (format !== 'ocsf') throw new UsageError(format === undefined || format.startsWith('-') ? 'export needs a format: export ocsf --tenant <t> --from YYYY-MM-DD --to YYYY-MM-DD' : `export: unknown format "${format}" (formats: ocsf)`);
  const cmd = 'export ocsf';
  const { values: v } = parseCommand(cmd, rest, OCSF_OPTIONS);
  if (!v.tenant) throw new UsageError(`${cmd} needs --tenant <t>`);
  const from = dateFlag(cmd, '--from', v.from);
  const to = dateFlag(cmd, '--to', v.to);
  if (!from || !to) throw new UsageError(`${cmd} needs --from YYYY-MM-DD and --to YYYY-MM-DD (the period to export, whole UTC days)`);
  if (from > to) throw new UsageError(`${cmd}: --from ${from} is after --to ${to}`);
  // The partition names the Security Lake region and account; a user's AWS region is the natural default.
  const region = v.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (!region) throw new UsageError(`${cmd} needs --region <r> (the Security Lake region; or set AWS_REGION)`);
  if (!REGION.test(region)) throw new UsageError(`${cmd}: --region takes an AWS region such as eu-west-1, not "${region}"`);
  const accountId = v['account-id'];
  if (!accountId) throw new UsageError(`${cmd} needs --account-id <12 digits> (the AWS account of the Security Lake custom source)`);
  if (!ACCOUNT.test(accountId)) throw new UsageError(`${cmd}: --account-id takes a 12-digit AWS account id, not "${accountId}"`);
  if (v.out === '') throw new UsageError(`${cmd}: --out needs a directory`);
  return { tenant: v.tenant, from, to, out: v.out ?? 'ocsf', region, accountId, outputs: v.outputs };
}

export interface WrittenFile { class: OcsfClass; key: string; events: number }

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Writes mapped events as Parquet under `outDir` in the Security Lake layout: one object per
 * class and event day, named after the tenant (a second export of the same period replaces it),
 * rows sorted by time.
 */
export async function writeOcsfParquet(
  events: readonly { class: OcsfClass; event: OcsfEvent }[],
  o: { outDir: string; region: string; accountId: string; tenant: string },
): Promise<WrittenFile[]> {
  const groups = new Map<string, { class: OcsfClass; prefix: string; events: OcsfEvent[] }>();
  for (const e of events) {
    const prefix = securityLakePrefix(e.class, o.region, o.accountId, e.event.time);
    let g = groups.get(prefix);
    if (!g) groups.set(prefix, (g = { class: e.class, prefix, events: [] }));
    g.events.push(e.event);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'authtrail-ocsf-'));
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const c = await db.connect();
  const written: WrittenFile[] = [];
  try {
    for (const g of [...groups.values()].sort((a, b) => a.prefix.localeCompare(b.prefix))) {
      const ndjson = join(tmp, `${written.length}.ndjson`);
      writeFileSync(ndjson, g.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const key = `${g.prefix}authtrail-${o.tenant}.parquet`;
      const file = join(o.outDir, ...key.split('/'));
      mkdirSync(join(file, '..'), { recursive: true });
      const columns = `{${OCSF_PARQUET_COLUMNS[g.class].map(([n, t]) => `${quote(n)}: ${quote(t)}`).join(', ')}}`;
      await c.run(`COPY (SELECT * FROM read_json(${quote(ndjson)}, format = 'newline_delimited', columns = ${columns}) ORDER BY time)
        TO ${quote(file)} (FORMAT parquet, COMPRESSION zstd)`);
      written.push({ class: g.class, key, events: g.events.length });
    }
  } finally {
    c.closeSync();
    db.closeSync();
    rmSync(tmp, { recursive: true, force: true });
  }
  return written;
}

const DAY_MS = 86_400_000;
const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};

/**
 * Maps and writes the tenant's archived events of the period from a DuckDB archive mirror
 * under `dir`, one day at a time so a long period never sits in memory whole. `raw` is not read:
 * the OCSF events do not carry it.
 */
async function exportArchive(dir: string, a: { tenant: string; from: string; to: string; outDir: string; region: string; accountId: string }) {
  const files: WrittenFile[] = [];
  const skipped = new Map<string, number>();
  let exported = 0;
  let db: Awaited<ReturnType<typeof openArchiveDb>> | undefined;
  try {
    db = await openArchiveDb(dir);
    for (const day of days(a.from, a.to)) {
      const rows = await runSql(db.connection, `SELECT * EXCLUDE (dt, raw) FROM events WHERE tenant = ${quote(a.tenant)} AND dt = ${quote(day)} ORDER BY event_time, source_id, event_uid`);
      const mapped: { class: OcsfClass; event: OcsfEvent }[] = [];
      for (const row of rows) {
        const r = toOcsf({ ...(row as unknown as AuthEvent), raw: null });
        if (r.kind === 'event') mapped.push({ class: r.class, event: r.event });
        else skipped.set(r.reason, (skipped.get(r.reason) ?? 0) + 1);
      }
      exported += mapped.length;
      if (mapped.length) files.push(...await writeOcsfParquet(mapped, { outDir: a.outDir, region: a.region, accountId: a.accountId, tenant: a.tenant }));
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    const first = (err as Error).message.split('\n')[0]!.replace(/^Error: /, '');
    if (!/magic bytes|parquet/i.test(first)) throw err;
    throw new CliError(`reading the archive failed: ${first} — an archive object is damaged or was replaced: run npx authtrail verify`, { cause: err });
  } finally {
    db?.close();
  }
  return { files, exported, skipped };
}

/**
 * AWS mode: the tenant's archive objects of the period, downloaded from the deployed archive
 * bucket into `dir` in the archive's own layout. One listing from the period's first day
 * (keys sort by `dt`), stopped after its last; returns how many objects the tenant has at all.
 */
export async function downloadTenantArchive(s3: S3Client, bucket: string, tenant: string, from: string, to: string, dir: string): Promise<{ inPeriod: number; any: boolean }> {
  const prefix = `${EVENTS_PREFIX}tenant=${tenant}/`;
  let token: string | undefined;
  let inPeriod = 0;
  let any = false;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, StartAfter: `${prefix}dt=${from}`, ContinuationToken: token }));
    let past = false;
    for (const o of page.Contents ?? []) {
      any = true;
      const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(o.Key ?? '')?.[1];
      if (!dt || !o.Key!.endsWith('.parquet') || dt < from) continue;
      if (dt > to) { past = true; break; }
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      const file = join(dir, ...o.Key!.split('/'));
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, await got.Body!.transformToByteArray());
      inPeriod++;
    }
    token = past ? undefined : page.NextContinuationToken;
  } while (token);
  if (!any) {
    // Nothing from the first day on: does the tenant have anything earlier?
    const before = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    any = (before.Contents ?? []).length > 0;
  }
  return { inPeriod, any };
}

function unknownTenant(tenant: string, known: string[]): never {
  throw new CliError(`unknown tenant "${tenant}": it is not in the config and has no events in the archive (tenants: ${[...new Set(known)].sort().join(', ') || 'none'})`);
}

export async function exportCommand(args: string[]): Promise<number> {
  const a = parseExportArgs(args);
  const target = { tenant: a.tenant, from: a.from, to: a.to, outDir: resolve(a.out), region: a.region, accountId: a.accountId };
  let result: Awaited<ReturnType<typeof exportArchive>>;
  if (a.outputs) {
    const bucket = readOutputs(a.outputs).need(OUTPUT_KEYS.bucket, 'the archive bucket');
    const s3 = new S3Client(s3ConfigFor());
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-export-'));
    try {
      const got = await downloadTenantArchive(s3, bucket, a.tenant, a.from, a.to, dir);
      if (!got.any) {
        // Against a deployed stack the built-in demo config says nothing about its tenants: the archive does.
        const loaded = loadConfig();
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: EVENTS_PREFIX, Delimiter: '/' }));
        const inArchive = (listed.CommonPrefixes ?? []).map((p) => /tenant=([^/]+)\/$/.exec(p.Prefix ?? '')?.[1]).filter((x): x is string => !!x);
        unknownTenant(a.tenant, [...(loaded.path ? loaded.config.tenants.map((t) => t.id) : []), ...inArchive]);
      }
      result = await exportArchive(dir, target);
    } finally {
      s3.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const e = readEndpoints();
    const s3 = localS3(e);
    const cache = join(homeDir(), 'query-cache');
    try { await syncArchive(s3, e.bucket, cache); } finally { s3.destroy(); }
    // A typo in --tenant would otherwise "export" nothing without a word.
    const known = loadConfig().config.tenants.map((t) => t.id);
    const dir = join(cache, 'events');
    const inArchive = existsSync(dir) ? readdirSync(dir).map((d) => /^tenant=(.+)$/.exec(d)?.[1]).filter((x): x is string => !!x) : [];
    if (!known.includes(a.tenant) && !inArchive.includes(a.tenant)) unknownTenant(a.tenant, [...known, ...inArchive]);
    result = await exportArchive(cache, target);
  }
  for (const f of result.files) console.log(`${f.key}  ${f.events} event(s)  ${OCSF_CLASSES[f.class].name} (${OCSF_CLASSES[f.class].uid})`);
  const skip = [...result.skipped].map(([reason, n]) => `${n} not exported: ${reason}`).join('; ');
  console.log(`export ocsf: ${result.exported} event(s) of ${a.tenant} from ${a.from} to ${a.to} in ${result.files.length} file(s) under ${target.outDir}${skip ? ` (${skip})` : ''}`);
  return 0;
}
