/**
 * What every handler builds once per process: config, logger, metrics and the ingest pipeline
 * over the real adapters. Environment is validated here, at cold start, naming the bad variable.
 */
import { parseConfig } from '../core/config.ts';
import { createIngest } from '../core/ingest.ts';
import { documentClient, s3Client } from '../adapters/clients.ts';
import { dynamoHotStore } from '../adapters/hot-store.ts';
import { s3Quarantine } from '../adapters/quarantine.ts';
import { resolveSecret } from '../adapters/secrets.ts';

import { env, logger, metrics } from './observability.ts';

export { logger, metrics };

// In AWS the bundler inlines the (secret-free) config at this exact expression; locally the
// runtime sets the variable. Keep it a literal `process.env.X` so esbuild's define can replace it.
const runtimeConfigJson = process.env.AUTHTRAIL_RUNTIME_CONFIG;
if (!runtimeConfigJson) throw new Error('environment variable AUTHTRAIL_RUNTIME_CONFIG is not set');
export const config = parseConfig(JSON.parse(runtimeConfigJson), 'AUTHTRAIL_RUNTIME_CONFIG');

export const ingest = createIngest({
  config,
  store: dynamoHotStore({ client: documentClient(), table: env('AUTHTRAIL_TABLE'), hotDays: config.retention.hotDays }),
  quarantine: s3Quarantine({ client: s3Client(), bucket: env('AUTHTRAIL_BUCKET'), kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID }),
  secrets: resolveSecret,
});
