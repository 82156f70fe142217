/**
 * `authtrail verify [--tenant t] [--from d --to d]`: re-reads the archive and checks it against
 * the digest chains. Reports objects missing, altered or not listed, and digests missing,
 * altered or cut from the chain; exits 1 on any finding. With `--outputs`, the deployed archive.
 */
import type { Finding } from '../lambdas/core/digest.ts';
import { dynamoArchiveState } from '../lambdas/adapters/archive-state.ts';
import { archiveVerifier } from '../lambdas/adapters/archive-verify.ts';
import { loadConfig } from '../infra/config.ts';
import { dateFlag, OUTPUTS_OPTION, parseCommand } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { openTarget, type Target } from './target.ts';

const VERIFY_OPTIONS = { tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, ...OUTPUTS_OPTION } as const;

export function parseVerifyArgs(args: string[]) {
  const { values: v } = parseCommand('verify', args, VERIFY_OPTIONS);
  const out = { tenant: v.tenant, from: dateFlag('verify', '--from', v.from), to: dateFlag('verify', '--to', v.to), outputs: v.outputs };
  if (out.tenant === '') throw new UsageError('verify: --tenant needs a tenant id');
  if (out.from && out.to && out.from > out.to) throw new UsageError(`verify: --from ${out.from} is after --to ${out.to}`);
  return out;
}

/** Checks the archive of `target` against its digest chains; prints the report, returns the exit code. */
export async function verifyTarget(t: Target, a: { tenant?: string | undefined; from?: string | undefined; to?: string | undefined }, configTenants: readonly string[]): Promise<number> {
  const verifier = archiveVerifier({ s3: t.s3, bucket: t.bucket, state: dynamoArchiveState({ client: t.ddb, table: t.stateTable }) });
  const known = new Set([...configTenants, ...await verifier.tenants()]);
  // A tenant that is neither configured nor archived is a typo: "matches" would mislead.
  if (a.tenant && !known.has(a.tenant)) throw new CliError(`unknown tenant "${a.tenant}": it is not in the config and has nothing in the archive (tenants: ${[...known].sort().join(', ') || 'none'})`);
  const tenants = a.tenant ? [a.tenant] : [...known].sort();
  const all: (Finding & { tenant: string })[] = [];
  for (const tenant of tenants) {
    const r = await verifier.verifyTenant(tenant, a);
    console.log(`${tenant}: ${r.digests} digest(s) in the chain, ${r.checked} object(s) checked, ${r.findings.length} finding(s)`);
    all.push(...r.findings.map((f) => ({ ...f, tenant })));
  }
  for (const f of all) console.log(`${f.kind.toUpperCase()}  ${f.key}  ${f.detail}`);
  console.log(all.length ? `verify: FAILED, ${all.length} finding(s)` : 'verify: the archive matches its digests');
  return all.length ? 1 : 0;
}

/**
 * The first day whose objects are checked: `--from`, else the first of the last `archiveDays`
 * (older objects were expired by the lifecycle rule; their digests stay), as the scheduled
 * verifier does. Unknown retention (a deployed stack without its config file here): every day.
 */
export function verifyFrom(a: { from?: string | undefined; outputs?: string | undefined }, loaded: { path: string | null; config: { retention: { archiveDays: number } } }, now = Date.now()): string | undefined {
  if (a.from) return a.from;
  if (a.outputs && !loaded.path) return undefined;
  return new Date(now - loaded.config.retention.archiveDays * 86_400_000).toISOString().slice(0, 10);
}

export async function verify(args: string[]): Promise<number> {
  const a = parseVerifyArgs(args);
  const loaded = loadConfig();
  // Against a deployed stack the built-in demo config says nothing about its tenants: the archive does.
  const configTenants = a.outputs && !loaded.path ? [] : loaded.config.tenants.map((x) => x.id);
  const from = verifyFrom(a, loaded);
  const t = openTarget(a.outputs);
  try {
    return await verifyTarget(t, { ...a, from }, configTenants);
  } finally {
    t.close();
  }
}
