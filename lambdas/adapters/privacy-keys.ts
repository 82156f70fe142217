/**
 * The tenants' pseudonym keys (README, "Privacy"). `AUTHTRAIL_PRIVACY_KEYS` maps each tenant
 * whose policy pseudonymizes to where its key is: a Secrets Manager secret ARN in AWS (one secret
 * per tenant, readable only by that tenant's functions), a file under `$AUTHTRAIL_HOME/keys/`
 * locally. A key is read once per process; it never changes (a new key would give everyone new
 * pseudonyms), and it never appears in a template, an environment variable or a log.
 */
import { readFileSync } from 'node:fs';
import { tenantKeyBytes } from '../core/privacy.ts';

export type KeyRefs = Readonly<Record<string, string>>;

export class PrivacyKeyError extends Error {
  override name = 'PrivacyKeyError';
}

export function keyRefsFromEnv(raw = process.env.AUTHTRAIL_PRIVACY_KEYS): KeyRefs {
  if (!raw) return {};
  const refs = JSON.parse(raw) as unknown;
  if (typeof refs !== 'object' || refs === null || Array.isArray(refs) || Object.values(refs).some((v) => typeof v !== 'string'))
    throw new PrivacyKeyError('AUTHTRAIL_PRIVACY_KEYS must map tenant ids to key locations');
  return refs as KeyRefs;
}

async function readKey(ref: string): Promise<Buffer> {
  if (ref.startsWith('arn:')) {
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const r = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: ref }));
    if (!r.SecretString) throw new PrivacyKeyError(`the pseudonym key secret ${ref} has no value`);
    return tenantKeyBytes(r.SecretString);
  }
  return tenantKeyBytes(readFileSync(ref, 'utf8'));
}

/** A tenant's key, read at first use (a failed read is tried again next time). */
export function privacyKeys(refs: KeyRefs = keyRefsFromEnv()) {
  const cache = new Map<string, Promise<Buffer>>();
  return (tenant: string): Promise<Buffer> => {
    const ref = Object.hasOwn(refs, tenant) ? refs[tenant] : undefined;
    if (!ref) return Promise.reject(new PrivacyKeyError(`no pseudonym key is configured for tenant "${tenant}"`));
    let p = cache.get(tenant);
    if (!p) {
      p = readKey(ref).catch((err: unknown) => {
        cache.delete(tenant);
        throw err;
      });
      cache.set(tenant, p);
    }
    return p;
  };
}
