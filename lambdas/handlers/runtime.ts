/**
 * What every handler builds once per process: config, logger, metrics and the ingest pipeline
 * over the real adapters. Environment is validated here, at cold start, naming the bad variable.
 */
import { createIngest, type QuarantineSink } from '../core/ingest.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { dynamoHotStore } from '../adapters/hot-store.ts';
import { resolveSecret } from '../adapters/secrets.ts';
import { tenantHotDays } from '../core/config-lookup.ts';
import type { PrivacyPort } from '../core/ingest.ts';

import { env, logger, metrics } from './observability.ts';

export { logger, metrics };

import { config, legacyHotTable } from './runtime-config.ts';

export { config };

// The S3 client and the quarantine writer are loaded on the first quarantined body, not at every
// cold start: most never need them (an import() the bundler keeps in the bundle, evaluated then).
const quarantineTo = { bucket: env('AUTHTRAIL_BUCKET'), kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID };
let quarantine: Promise<QuarantineSink> | undefined;
async function loadQuarantine(): Promise<QuarantineSink> {
  const [{ s3Client }, { s3Quarantine }] = await Promise.all([import('../adapters/s3-client.ts'), import('../adapters/quarantine.ts')]);
  return s3Quarantine({ client: s3Client(), ...quarantineTo });
}

// Privacy policies (README, Privacy): their code loads with the first event of a function whose
// tenants have one; the pseudonym vault sits in the state table.
let privacy: Promise<PrivacyPort> | undefined;
async function loadPrivacy(): Promise<PrivacyPort> {
  const [{ privacyPort }, { privacyKeys }, { dynamoVault }] = await Promise.all([
    import('../adapters/privacy.ts'), import('../adapters/privacy-keys.ts'), import('../adapters/pseudonym-vault.ts'),
  ]);
  const vault = dynamoVault({ client: documentClient(), table: env('AUTHTRAIL_STATE_TABLE') });
  return privacyPort({ config, keys: privacyKeys(), vault: () => vault });
}
const hasPolicies = config.tenants.some((t) => t.privacy);

export const ingest = createIngest({
  config,
  store: dynamoHotStore({ client: documentClient(), table: env('AUTHTRAIL_TABLE'), legacyTable: legacyHotTable(), hotDays: (tenant) => tenantHotDays(config, tenant) }),
  ...(hasPolicies ? { privacy: { forTenant: async (tenant: string) => (await (privacy ??= loadPrivacy().catch((err: unknown) => { privacy = undefined; throw err; }))).forTenant(tenant) } } : {}),
  quarantine: { put: async (record) => (await (quarantine ??= loadQuarantine().catch((err: unknown) => { quarantine = undefined; throw err; }))).put(record) },
  secrets: resolveSecret,
});
