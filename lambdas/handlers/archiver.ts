/**
 * Archiver, on the hot table's stream (INSERT records only, by the event-source filter): one
 * batch of new events → Parquet objects per tenant and day + chained digests, committed exactly
 * once (adapters/archive-writer.ts). A failure reports the batch's first record, so the whole
 * batch is retried (and bisected); whatever an earlier delivery committed is skipped, and what it
 * wrote without committing is overwritten.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { archiveWriter } from '../adapters/archive-writer.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { s3Client } from '../adapters/s3-client.ts';
import { dynamoArchiveState } from '../adapters/archive-state.ts';
import { archiveBatch, batchResponse } from '../adapters/stream-records.ts';
import { env, logger, metrics } from './observability.ts';

const writer = archiveWriter({
  s3: s3Client(),
  bucket: env('AUTHTRAIL_BUCKET'),
  state: dynamoArchiveState({ client: documentClient(), table: env('AUTHTRAIL_STATE_TABLE') }),
  kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID,
});

export async function archiveRecords(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  if (!event.Records.length) return batchResponse(event.Records, false);
  try {
    const r = await writer.archive(archiveBatch(event.Records));
    metrics.addMetric('EventsArchived', MetricUnit.Count, r.rows);
    metrics.addMetric('ArchiveObjects', MetricUnit.Count, r.objects);
    if (r.skipped) metrics.addMetric('EventsAlreadyArchived', MetricUnit.Count, r.skipped);
    logger.info('archived', { ...r, records: event.Records.length });
    return batchResponse(event.Records, false);
  } catch (err) {
    logger.error('archive batch failed; it will be retried', { error: err as Error, records: event.Records.length });
    return batchResponse(event.Records, true);
  }
}

export const handler = middy(archiveRecords).use(injectLambdaContext(logger)).use(logMetrics(metrics));
