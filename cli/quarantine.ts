/**
 * `authtrail quarantine [--json]`: what could not be normalized or stored, and why — one line
 * per quarantined body and reason (`count` items of that body share the reason), or per entry
 * of an object written by an earlier version. With `--outputs`, the deployed bucket.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseQuarantine, QUARANTINE_PREFIX, s3Quarantine } from '../lambdas/adapters/quarantine.ts';
import { createIngest } from '../lambdas/core/ingest.ts';
import { privacyKeyOutputKey } from './outputs.ts';
import { tenantHotDays } from '../lambdas/core/config-lookup.ts';
import { needsKey } from '../lambdas/core/privacy.ts';
import { privacyPort } from '../lambdas/adapters/privacy.ts';
import { privacyKeys } from '../lambdas/adapters/privacy-keys.ts';
import { dynamoVault } from '../lambdas/adapters/pseudonym-vault.ts';
import { dynamoHotStore } from '../lambdas/adapters/hot-store.ts';
import { resolveSecret } from '../lambdas/adapters/secrets.ts';
import { loadConfig } from '../infra/config.ts';
import { replayQuarantine, ReplayError } from '../local/replay.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { localFetch, readEndpoints } from './endpoints.ts';
import { openTarget } from './target.ts';

export interface QuarantineLine {
  id: string;
  tenant: string;
  source_id: string;
  received_time: string;
  reason: string;
  key: string;
  /** Items (or NDJSON lines, or 1 for a whole body) quarantined for this reason. */
  count: number;
}

/** Objects read at once. */
const READ_CONCURRENCY = 8;

async function linesOf(s3: S3Client, bucket: string, key: string): Promise<QuarantineLine[]> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const rec = parseQuarantine(await got.Body!.transformToString());
  const base = { tenant: rec.tenant, source_id: rec.source_id, received_time: rec.received_time, key };
  if (rec.format === 2) {
    return rec.reasons.map((g, i) => ({ ...base, id: rec.reasons.length > 1 ? `${rec.id}#${i}` : rec.id, reason: g.reason, count: g.count }));
  }
  return rec.entries.map((e, i) => ({ ...base, id: rec.entries.length > 1 ? `${rec.id}#${i}` : rec.id, reason: e.reason, count: 1 }));
}

export async function listQuarantine(s3: S3Client, bucket: string): Promise<QuarantineLine[]> {
  const lines: QuarantineLine[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: QUARANTINE_PREFIX, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => o.Key!).filter(Boolean);
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      for (const ls of await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((k) => linesOf(s3, bucket, k)))) lines.push(...ls);
    }
    token = page.NextContinuationToken;
  } while (token);
  return lines.sort((a, b) => a.received_time.localeCompare(b.received_time) || a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** What the local collector answered, or one line for the user when it failed. */
async function answer(res: Response, what: string): Promise<number> {
  const body = await res.text();
  if (!res.ok) {
    let message = body;
    try { message = (JSON.parse(body) as { message?: string }).message ?? body; } catch { /* as is */ }
    process.stderr.write(`authtrail: ${what} failed: ${message}\n`);
    return 1;
  }
  console.log(body);
  return 0;
}

/**
 * Replays through the same pipeline code as the intake Lambdas: locally inside the running
 * collector, in AWS mode here, with the deployed table and bucket and the caller's credentials.
 */
async function replay(id: string | undefined, outputs: string | undefined): Promise<number> {
  if (!outputs) return answer(await localFetch(readEndpoints(), `/_local/quarantine/replay${id ? `?id=${encodeURIComponent(id)}` : ''}`, { method: 'POST' }), 'replay');
  const { config } = loadConfig();
  const t = openTarget(outputs);
  try {
    // A pseudonymizing tenant's events are stored only pseudonymized: its key (the output
    // PrivacyKeySecretArn<tenant>) must be readable by the caller, else its bodies stay quarantined.
    const keyRefs = Object.fromEntries(config.tenants.filter((x) => needsKey(x.privacy)).flatMap((x) => {
      const arn = t.outputs?.get(privacyKeyOutputKey(x.id));
      return arn ? [[x.id, arn]] : [];
    }));
    const ingest = createIngest({
      config,
      store: dynamoHotStore({ client: t.ddb, table: t.table, legacyTable: config.upgrade?.legacyHotTable, hotDays: (tenant) => tenantHotDays(config, tenant) }),
      quarantine: s3Quarantine({ client: t.s3, bucket: t.bucket, kmsKeyId: t.kmsKeyId }),
      secrets: resolveSecret,
      privacy: privacyPort({ config, keys: privacyKeys(keyRefs), vault: () => dynamoVault({ client: t.ddb, table: t.stateTable }) }),
    });
    console.log(JSON.stringify(await replayQuarantine({ s3: t.s3, bucket: t.bucket, config, ingest, id })));
    return 0;
  } catch (err) {
    if (!(err instanceof ReplayError)) throw err;
    process.stderr.write(`authtrail: replay failed: ${err.message}\n`);
    return 1;
  } finally {
    t.close();
  }
}

export async function quarantine(args: string[]): Promise<number> {
  if (args[0] === 'replay') {
    const { values, positionals } = parseCommand('quarantine replay', args.slice(1), OUTPUTS_OPTION, ['[id]']);
    return replay(positionals[0], values.outputs);
  }
  const { values } = parseCommand('quarantine', args, { json: { type: 'boolean' }, ...OUTPUTS_OPTION });
  const t = openTarget(values.outputs);
  let lines: QuarantineLine[];
  try { lines = await listQuarantine(t.s3, t.bucket); } finally { t.close(); }
  if (values.json) for (const l of lines) console.log(JSON.stringify(l));
  else if (!lines.length) console.log('nothing is quarantined');
  else for (const l of lines) console.log(`${l.received_time}  ${l.source_id.padEnd(20)} ${l.id}  ${l.count > 1 ? `${l.count} items: ` : ''}${l.reason}`);
  return 0;
}
