/**
 * `authtrail verify [--tenant t] [--from d --to d]`: re-reads the archive and checks it against
 * the digest chains. Reports objects missing, altered or not listed, and digests missing,
 * altered or cut from the chain; exits 1 on any finding.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EVENTS_PREFIX } from '../lambdas/core/archive.ts';
import { DIGESTS_PREFIX, sha256Hex, verifyArchive, type Finding } from '../lambdas/core/digest.ts';
import { dynamoArchiveState } from '../lambdas/adapters/archive-state.ts';
import { loadConfig } from '../infra/config.ts';
import { localS3, readEndpoints } from './endpoints.ts';
import { UsageError } from './main.ts';

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

async function read(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return r.Body!.transformToByteArray();
}

export function parseVerifyArgs(args: string[]) {
  const out: { tenant?: string; from?: string; to?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const k = args[i];
    const v = args[++i];
    if (!v) throw new UsageError(`${k} needs a value`);
    if (k === '--tenant') out.tenant = v;
    else if (k === '--from' || k === '--to') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new UsageError(`${k} takes a date YYYY-MM-DD`);
      out[k === '--from' ? 'from' : 'to'] = v;
    } else throw new UsageError(`unknown option ${k}`);
  }
  return out;
}

export async function verify(args: string[]): Promise<number> {
  const a = parseVerifyArgs(args);
  const e = readEndpoints();
  const s3 = localS3(e);
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: e.dynamodb, region: e.region, credentials: e.credentials }));
  const heads = dynamoArchiveState({ client: ddb, table: e.stateTable });
  try {
    const inArchive = new Set((await listKeys(s3, e.bucket, EVENTS_PREFIX)).map((k) => /^events\/tenant=([^/]+)\//.exec(k)?.[1]).filter((t): t is string => !!t));
    const tenants = a.tenant ? [a.tenant] : [...new Set([...loadConfig().config.tenants.map((t) => t.id), ...inArchive])].sort();
    const all: (Finding & { tenant: string })[] = [];
    for (const tenant of tenants) {
      const digests = new Map<string, string>();
      for (const key of await listKeys(s3, e.bucket, `${DIGESTS_PREFIX}tenant=${tenant}/`)) digests.set(key, Buffer.from(await read(s3, e.bucket, key)).toString('utf8'));
      const objects = new Map<string, string>();
      for (const key of await listKeys(s3, e.bucket, `${EVENTS_PREFIX}tenant=${tenant}/`)) {
        const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? '';
        if ((a.from && dt < a.from) || (a.to && dt > a.to)) continue;
        objects.set(key, sha256Hex(await read(s3, e.bucket, key)));
      }
      const r = verifyArchive({ tenant, head: await heads.head(tenant), digests, objects, from: a.from, to: a.to });
      console.log(`${tenant}: ${r.digests} digest(s) in the chain, ${r.checked} object(s) checked, ${r.findings.length} finding(s)`);
      all.push(...r.findings.map((f) => ({ ...f, tenant })));
    }
    for (const f of all) console.log(`${f.kind.toUpperCase()}  ${f.key}  ${f.detail}`);
    console.log(all.length ? `verify: FAILED, ${all.length} finding(s)` : 'verify: the archive matches its digests');
    return all.length ? 1 : 0;
  } finally {
    s3.destroy();
    ddb.destroy();
  }
}
