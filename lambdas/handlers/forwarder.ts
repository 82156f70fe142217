/**
 * Forwarder, on the hot table's stream (INSERT records of forwarding tenants only, by the
 * event-source filter): each new event goes to its own tenant's SIEM destinations (Splunk HEC or
 * HTTPS, lambdas/core/forward.ts). A destination that still fails after the HTTP retries fails
 * the batch from the first record it lacks (ReportBatchItemFailures): Lambda retries from there,
 * bisecting, and after its retries hands the batch to the forwarder's dead-letter queue
 * (`authtrail redrive forwarder`). At least once: a retried batch is sent again to every
 * destination that had taken part of it; receivers dedupe by `authtrail_uid`.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AuthEvent } from '../core/event.ts';
import { forwarder, type ForwardResult } from '../adapters/forward.ts';
import { retryingFetch } from '../adapters/http.ts';
import { resolveSecret } from '../adapters/secrets.ts';
import { newEvents } from '../adapters/stream-records.ts';
import { logger, metrics } from './observability.ts';
import { config } from './runtime-config.ts';

// Short waits: a stream batch should fail over to Lambda's own retries (and the DLQ) within the
// function's timeout rather than sit out a long Retry-After.
const live = forwarder({ config, http: retryingFetch({ attempts: 4, timeoutMs: 15_000, baseDelayMs: 500, maxWaitMs: 20_000 }), tokens: resolveSecret });

/** Forwards one stream batch with `f` (tests pass their own). */
export async function forwardRecordsWith(f: Pick<ReturnType<typeof forwarder>, 'forward'>, event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  // `authtrail redrive` hands over records re-read from the stream; anything else is a mistake
  // that must not count as delivered.
  if (!Array.isArray(event?.Records)) throw new Error('not a DynamoDB stream batch (no Records)');
  const events: AuthEvent[] = [];
  const records: DynamoDBRecord[] = [];
  for (const r of event.Records) {
    const [e] = newEvents([r]);
    if (e) { events.push(e); records.push(r); }
  }
  if (!events.length) return { batchItemFailures: [] };
  let result: ForwardResult;
  try {
    result = await f.forward(events);
  } catch (err) {
    logger.error('forward batch failed; it will be retried', { error: err as Error, records: event.Records.length });
    return failFrom(event.Records[0]);
  }
  for (const d of result.destinations) {
    const m = metrics.singleMetric();
    m.addDimension('tenant', d.tenant);
    m.addDimension('destination', d.destination);
    m.addMetric('EventsForwarded', MetricUnit.Count, d.sent);
    const skipped = Object.values(d.skipped).reduce((a, b) => a + b, 0);
    if (skipped) m.addMetric('EventsNotForwarded', MetricUnit.Count, skipped);
    if (d.error) m.addMetric('ForwardFailures', MetricUnit.Count, 1);
    // Counts and reasons only: never an event's identity data.
    const line = { tenant: d.tenant, destination: d.destination, events: d.events, sent: d.sent, requests: d.requests, skipped: d.skipped, trimmed: d.trimmed };
    if (d.error) logger.error('forwarding failed; the batch is retried from the first event this destination lacks', { ...line, error: d.error });
    else logger.info('forwarded', line);
  }
  return result.failedAt === undefined ? { batchItemFailures: [] } : failFrom(records[result.failedAt]);
}

/** Lambda checkpoints the records before this one and retries from it. */
function failFrom(r: DynamoDBRecord | undefined): DynamoDBBatchResponse {
  const seq = r?.dynamodb?.SequenceNumber;
  if (!seq) throw new Error('a stream record without SequenceNumber');
  return { batchItemFailures: [{ itemIdentifier: seq }] };
}

export const forwardRecords = (event: DynamoDBStreamEvent) => forwardRecordsWith(live, event);

/** Whether a tenant forwards anywhere (the local runtime's consumer filter, as the deployed one). */
export const forwards = live.forwards;

export const handler = middy(forwardRecords).use(injectLambdaContext(logger)).use(logMetrics(metrics));
