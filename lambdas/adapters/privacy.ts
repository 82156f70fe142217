/**
 * The intake's privacy port (core/ingest.ts `PrivacyPort`): each tenant's policy from the config,
 * its key from adapters/privacy-keys.ts, its pseudonyms sealed into the vault.
 */
import type { Config } from '../core/config.ts';
import type { PrivacyPort } from '../core/ingest.ts';
import { changesEvents, needsKey, privacyApplier, sealClear } from '../core/privacy.ts';
import type { PseudonymVault } from './pseudonym-vault.ts';

export function privacyPort(o: { config: Config; keys: (tenant: string) => Promise<Buffer>; vault: () => PseudonymVault }): PrivacyPort {
  const appliers = new Map<string, Promise<Awaited<ReturnType<PrivacyPort['forTenant']>>>>();
  const build = async (tenant: string) => {
    const policy = o.config.tenants.find((t) => t.id === tenant)?.privacy;
    if (!changesEvents(policy)) return null;
    const key = needsKey(policy) ? await o.keys(tenant) : null;
    const apply = privacyApplier(policy, key);
    return {
      apply,
      record: async (vault: ReadonlyMap<string, string>) => {
        if (!key) return;
        await o.vault().put(tenant, new Map([...vault].map(([pn, clear]) => [pn, sealClear(key, tenant, pn, clear)])));
      },
    };
  };
  return {
    forTenant(tenant) {
      let p = appliers.get(tenant);
      if (!p) {
        p = build(tenant).catch((err: unknown) => {
          appliers.delete(tenant);
          throw err;
        });
        appliers.set(tenant, p);
      }
      return p;
    },
  };
}
