/**
 * A pseudonymizing tenant's key for the commands that need it (`reveal`, `pseudonym`): locally
 * the key file under `$AUTHTRAIL_HOME/keys/`, in AWS the tenant's Secrets Manager secret (the
 * output `PrivacyKeySecretArn<tenant>`), read with the caller's own credentials — only those
 * granted the secret can.
 */
import { readFileSync } from 'node:fs';
import { tenantKeyBytes } from '../lambdas/core/privacy.ts';
import { homeDir } from '../local/dev.ts';
import { localKeyFile } from '../local/privacy-keys.ts';
import { CliError } from './errors.ts';
import { privacyKeyOutputKey } from './outputs.ts';
import type { Target } from './target.ts';

export async function tenantKey(t: Target, tenant: string): Promise<Buffer> {
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
