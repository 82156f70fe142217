/**
 * What every handler builds once per process: config, logger, metrics and the ingest pipeline
 * over the real adapters. Environment is validated here, at cold start, naming the bad variable.
 */
import { createIngest } from '../core/ingest.ts';
import { documentClient, s3Client } from '../adapters/clients.ts';
import { dynamoHotStore } from '../adapters/hot-store.ts';
import { s3Quarantine } from '../adapters/quarantine.ts';
import { resolveSecret } from '../adapters/secrets.ts';

import { env, logger, metrics } from './observability.ts';

export { logger, metrics };

import { config, legacyHotTable } from './runtime-config.ts';

export { config };

export const ingest = createIngest({
  config,
  store: dynamoHotStore({ client: documentClient(), table: env('AUTHTRAIL_TABLE'), legacyTable: legacyHotTable(), hotDays: config.retention.hotDays }),
  quarantine: s3Quarantine({ client: s3Client(), bucket: env('AUTHTRAIL_BUCKET'), kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID }),
  secrets: resolveSecret,
});
