/**
 * `authtrail reveal --tenant t --reason "<why>" <pseudonym> [--outputs <file>]`: the clear value
 * behind one of a tenant's pseudonyms, for an authorized investigator (README, "Privacy"). It
 * reads the pseudonym's sealed entry from the vault and opens it with the tenant's key — locally
 * the key file under `$AUTHTRAIL_HOME/keys/`, in AWS the tenant's Secrets Manager secret (the
 * output `PrivacyKeySecretArn<tenant>`), which only those granted it can read. The access is
 * recorded (cli/access-log.ts) before the value is printed.
 */
import { dynamoVault } from '../lambdas/adapters/pseudonym-vault.ts';
import { openSealed, PSEUDONYM } from '../lambdas/core/privacy.ts';
import { recordAccess } from './access-log.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { openTarget } from './target.ts';
import { tenantKey } from './tenant-key.ts';

const OPTIONS = { tenant: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' }, ...OUTPUTS_OPTION } as const;

export function parseRevealArgs(args: string[]) {
  const { values: v, positionals } = parseCommand('reveal', args, OPTIONS, ['<pseudonym>']);
  if (!v.tenant) throw new UsageError('reveal needs --tenant <t>: a pseudonym is revealed with its tenant\'s key only');
  if (!v.reason?.trim()) throw new UsageError('reveal needs --reason "<why>": it is recorded in the access log with the answer');
  const pn = positionals[0]!;
  if (!PSEUDONYM.test(pn)) throw new UsageError(`reveal: "${pn}" is not a pseudonym (pn_ and 20 characters a-z, 2-7)`);
  return { tenant: v.tenant, reason: v.reason.trim(), pseudonym: pn, json: v.json ?? false, outputs: v.outputs };
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
