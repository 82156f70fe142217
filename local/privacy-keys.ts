/**
 * The local runtime's pseudonym keys: one file per tenant whose policy pseudonymizes, under
 * `$AUTHTRAIL_HOME/keys/<tenant>.key` (mode 0600), made at the first start and kept: a new key
 * would give every person a new pseudonym. In AWS each is a Secrets Manager secret instead.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../lambdas/core/config.ts';
import { needsKey, newTenantKey } from '../lambdas/core/privacy.ts';

export const localKeyFile = (home: string, tenant: string) => join(home, 'keys', `${tenant}.key`);

/** The key files of the config's tenants that need one (created when missing), as AUTHTRAIL_PRIVACY_KEYS maps them. */
export function ensureLocalKeys(home: string, config: Config): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const t of config.tenants) {
    if (!needsKey(t.privacy)) continue;
    const file = localKeyFile(home, t.id);
    if (!existsSync(file)) {
      mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
      // 'wx': never overwrite a key another process just made.
      try { writeFileSync(file, `${newTenantKey()}\n`, { mode: 0o600, flag: 'wx' }); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; }
    }
    refs[t.id] = file;
  }
  return refs;
}
