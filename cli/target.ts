/**
 * Where an operator command reads and writes: the running local collector (its
 * `endpoints.json`), or a deployed stack (`--outputs <cdk-outputs.json>`). Both give the same
 * clients and names, so every command runs one code path; only where the names and the
 * endpoints come from differs. In AWS mode credentials, region and endpoints come from the
 * standard SDK configuration (profiles, SSO, instance roles, `AWS_ENDPOINT_URL_<SERVICE>`),
 * never from here.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Endpoints } from '../local/dev.ts';
import { localS3, readEndpoints } from './endpoints.ts';
import { OUTPUT_KEYS, readOutputs, type Outputs } from './outputs.ts';

export interface Target {
  readonly mode: 'local' | 'aws';
  readonly bucket: string;
  readonly table: string;
  readonly stateTable: string;
  /** KMS key for objects the command writes (AWS mode; the bucket's default applies otherwise). */
  readonly kmsKeyId?: string | undefined;
  readonly s3: S3Client;
  readonly ddb: DynamoDBDocumentClient;
  /** Local mode: the running collector. */
  readonly endpoints?: Endpoints;
  /** AWS mode: the deployed stacks' outputs. */
  readonly outputs?: Outputs;
  close(): void;
}

/**
 * S3 settings for a custom S3 endpoint (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, e.g. an
 * S3-compatible store): path-style addressing, and checksums only where required unless the
 * user chose otherwise (AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION).
 */
export function s3ConfigFor(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  if (!env.AWS_ENDPOINT_URL_S3 && !env.AWS_ENDPOINT_URL) return {};
  return {
    forcePathStyle: true,
    ...(env.AWS_REQUEST_CHECKSUM_CALCULATION ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED' as const }),
    ...(env.AWS_RESPONSE_CHECKSUM_VALIDATION ? {} : { responseChecksumValidation: 'WHEN_REQUIRED' as const }),
  };
}

const documentClient = (c: DynamoDBClient) => DynamoDBDocumentClient.from(c, { marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false } });

export function awsTarget(outputs: Outputs): Target {
  const bucket = outputs.need(OUTPUT_KEYS.bucket, 'the archive bucket');
  const table = outputs.need(OUTPUT_KEYS.table, 'the hot table');
  const stateTable = outputs.need(OUTPUT_KEYS.stateTable, 'the state table');
  const s3 = new S3Client(s3ConfigFor());
  const ddb = documentClient(new DynamoDBClient({}));
  return {
    mode: 'aws', bucket, table, stateTable, kmsKeyId: outputs.get(OUTPUT_KEYS.key), s3, ddb, outputs,
    close() { s3.destroy(); ddb.destroy(); },
  };
}

export function localTarget(e: Endpoints = readEndpoints()): Target {
  const s3 = localS3(e);
  const ddb = documentClient(new DynamoDBClient({ endpoint: e.dynamodb, region: e.region, credentials: e.credentials }));
  return {
    mode: 'local', bucket: e.bucket, table: e.table, stateTable: e.stateTable, s3, ddb, endpoints: e,
    close() { s3.destroy(); ddb.destroy(); },
  };
}

/** The target `--outputs` names, or the running local collector. */
export function openTarget(outputsFile: string | undefined): Target {
  return outputsFile ? awsTarget(readOutputs(outputsFile)) : localTarget();
}
