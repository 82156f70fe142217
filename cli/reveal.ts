/**
 * `authtrail reveal --tenant t --reason "<why>" <pseudonym> [--outputs <file>]`: the clear value
 * behind one of a tenant's pseudonyms, for an authorized investigator (README, "Privacy"). It
 * reads the pseudonym's sealed entry from the vault and opens it with the tenant's key — locally
 * the key file under `$AUTHTRAIL_HOME/keys/`, in AWS the tenant's Secrets Manager secret (the
 * output `PrivacyKeySecretArn<tenant>`), which only those granted it can read. The access is
 * recorded (cli/access-log.ts) before the value is printed.
 */
import { readFileSync } from 'node:fs';
import { dynamoVault } from '../lambdas/adapters/pseudonym-vault.ts';
import { openSealed, PSEUDONYM, tenantKeyBytes } from '../lambdas/core/privacy.ts';
import { homeDir } from '../local/dev.ts';
import { localKeyFile } from '../local/privacy-keys.ts';
import { recordAccess } from './access-log.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { privacyKeyOutputKey } from './outputs.ts';
import { openTarget, type Target } from './target.ts';

const OPTIONS = { tenant: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' }, ...OUTPUTS_OPTION } as const;

export function parseRevealArgs(args: string[]) {
  const { values: v, positionals } = parseCommand('reveal', args, OPTIONS, ['<pseudonym>']);
  if (!v.tenant) throw new UsageError('reveal needs --tenant <t>: a pseudonym is revealed with its tenant\'s key only');
  if (!v.reason?.trim()) throw new UsageError('reveal needs --reason "<why>": it is recorded in the access log with the answer');
  const pn = positionals[0]!;
  if (!PSEUDONYM.test(pn)) throw new UsageError(`reveal: "${pn}" is not a pseudonym (pn_ and 20 characters a-z, 2-7)`);
  return { tenant: v.tenant, reason: v.reason.trim(), pseudonym: pn, json: v.json ?? false, outputs: v.outputs };
}

async function tenantKey(t: Target, tenant: string): Promise<Buffer> {
  if (t.mode === 'local') {
    try {
      return tenantKeyBytes(readFileSync(localKeyFile(homeDir(), tenant), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`tenant "${tenant}" has no pseudonym key here: its policy pseudonymizes nothing, or the collector never ran with it`);
      throw err;
    }
  }
  const arn = t.outputs!.get(privacyKeyOutputKey(tenant));
  if (!arn) throw new CliError(`the outputs name no pseudonym key for tenant "${tenant}" (${privacyKeyOutputKey(tenant)}): its policy pseudonymizes nothing`);
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const sm = new SecretsManagerClient({});
  try {
    const r = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    return tenantKeyBytes(r.SecretString ?? '');
  } finally {
    sm.destroy();
  }
}

export async function reveal(args: string[]): Promise<number> {
  const a = parseRevealArgs(args);
  const t = openTarget(a.outputs);
  try {
    const sealed = await dynamoVault({ client: t.ddb, table: t.stateTable }).get(a.tenant, a.pseudonym);
    if (!sealed) throw new CliError(`reveal: tenant "${a.tenant}" has no pseudonym ${a.pseudonym} (never seen, another tenant's, or erased)`);
    const key = await tenantKey(t, a.tenant);
    let clear: string;
    try {
      clear = openSealed(key, a.tenant, a.pseudonym, sealed);
    } catch {
      throw new CliError(`reveal: the vault entry of ${a.pseudonym} does not open with tenant "${a.tenant}"'s key`);
    }
    const r = await recordAccess(t, { tenant: a.tenant, action: 'reveal', what: a.pseudonym, reason: a.reason });
    console.log(a.json ? JSON.stringify({ tenant: a.tenant, pseudonym: a.pseudonym, value: clear, access_id: r.access_id }) : `${a.pseudonym} = ${clear}  (access ${r.access_id} recorded)`);
    return 0;
  } finally {
    t.close();
  }
}
