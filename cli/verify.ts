/**
 * `authtrail verify [--tenant t] [--from d --to d]`: re-reads the archive and checks it against
 * the digest chains. Reports objects missing, altered or not listed, and digests missing,
 * altered or cut from the chain; exits 1 on any finding. With `--outputs`, the deployed archive.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { EVENTS_PREFIX } from '../lambdas/core/archive.ts';
import { DIGESTS_PREFIX, sha256Hex, verifyArchive, type Finding } from '../lambdas/core/digest.ts';
import { dynamoArchiveState } from '../lambdas/adapters/archive-state.ts';
import { loadConfig } from '../infra/config.ts';
import { dateFlag, OUTPUTS_OPTION, parseCommand } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { openTarget, type Target } from './target.ts';

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

const VERIFY_OPTIONS = { tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, ...OUTPUTS_OPTION } as const;

export function parseVerifyArgs(args: string[]) {
  const { values: v } = parseCommand('verify', args, VERIFY_OPTIONS);
  const out = { tenant: v.tenant, from: dateFlag('verify', '--from', v.from), to: dateFlag('verify', '--to', v.to), outputs: v.outputs };
  if (out.tenant === '') throw new UsageError('verify: --tenant needs a tenant id');
  if (out.from && out.to && out.from > out.to) throw new UsageError(`verify: --from ${out.from} is after --to ${out.to}`);
  return out;
}

const tenantOf = (key: string) => /^(?:events|digests)\/tenant=([^/]+)\//.exec(key)?.[1];

/** Checks the archive of `target` against its digest chains; prints the report, returns the exit code. */
export async function verifyTarget(t: Target, a: { tenant?: string | undefined; from?: string | undefined; to?: string | undefined }, configTenants: readonly string[]): Promise<number> {
  const heads = dynamoArchiveState({ client: t.ddb, table: t.stateTable });
  const inArchive = new Set([...await listKeys(t.s3, t.bucket, EVENTS_PREFIX), ...await listKeys(t.s3, t.bucket, DIGESTS_PREFIX)].map(tenantOf).filter((x): x is string => !!x));
  const known = new Set([...configTenants, ...inArchive]);
  // A tenant that is neither configured nor archived is a typo: "matches" would mislead.
  if (a.tenant && !known.has(a.tenant)) throw new CliError(`unknown tenant "${a.tenant}": it is not in the config and has nothing in the archive (tenants: ${[...known].sort().join(', ') || 'none'})`);
  const tenants = a.tenant ? [a.tenant] : [...known].sort();
  const all: (Finding & { tenant: string })[] = [];
  for (const tenant of tenants) {
    const digests = new Map<string, string>();
    for (const key of await listKeys(t.s3, t.bucket, `${DIGESTS_PREFIX}tenant=${tenant}/`)) digests.set(key, Buffer.from(await read(t.s3, t.bucket, key)).toString('utf8'));
    const objects = new Map<string, string>();
    for (const key of await listKeys(t.s3, t.bucket, `${EVENTS_PREFIX}tenant=${tenant}/`)) {
      const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? '';
      if ((a.from && dt < a.from) || (a.to && dt > a.to)) continue;
      objects.set(key, sha256Hex(await read(t.s3, t.bucket, key)));
    }
    const r = verifyArchive({ tenant, head: await heads.head(tenant), digests, objects, from: a.from, to: a.to });
    console.log(`${tenant}: ${r.digests} digest(s) in the chain, ${r.checked} object(s) checked, ${r.findings.length} finding(s)`);
    all.push(...r.findings.map((f) => ({ ...f, tenant })));
  }
  for (const f of all) console.log(`${f.kind.toUpperCase()}  ${f.key}  ${f.detail}`);
  console.log(all.length ? `verify: FAILED, ${all.length} finding(s)` : 'verify: the archive matches its digests');
  return all.length ? 1 : 0;
}

export async function verify(args: string[]): Promise<number> {
  const a = parseVerifyArgs(args);
  const loaded = loadConfig();
  // Against a deployed stack the built-in demo config says nothing about its tenants: the archive does.
  const configTenants = a.outputs && !loaded.path ? [] : loaded.config.tenants.map((x) => x.id);
  const t = openTarget(a.outputs);
  try {
    return await verifyTarget(t, a, configTenants);
  } finally {
    t.close();
  }
}
