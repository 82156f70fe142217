/**
 * What every handler builds once per process: config, logger, metrics and the ingest pipeline
 * over the real adapters. Environment is validated here, at cold start, naming the bad variable.
 */
import { createIngest, type QuarantineSink } from '../core/ingest.ts';
import { documentClient, s3Client } from '../adapters/clients.ts';
import { dynamoHotStore } from '../adapters/hot-store.ts';
import { s3Quarantine } from '../adapters/quarantine.ts';
import { resolveSecret } from '../adapters/secrets.ts';

import { env, logger, metrics } from './observability.ts';

export { logger, metrics };

import { config, legacyHotTable } from './runtime-config.ts';

export { config };

// The S3 client is made on the first quarantined body, not at every cold start: most never need it.
const quarantineTo = { bucket: env('AUTHTRAIL_BUCKET'), kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID };
let quarantine: QuarantineSink | undefined;

export const ingest = createIngest({
  config,
  store: dynamoHotStore({ client: documentClient(), table: env('AUTHTRAIL_TABLE'), legacyTable: legacyHotTable(), hotDays: config.retention.hotDays }),
  quarantine: { put: (record) => (quarantine ??= s3Quarantine({ client: s3Client(), ...quarantineTo })).put(record) },
  secrets: resolveSecret,
});
