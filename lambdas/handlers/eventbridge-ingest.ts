/**
 * EventBridge target for vendor partner buses (Okta log streaming, Auth0) and AWS sign-in
 * events. Routes each event to its configured source and runs the shared pipeline; an event
 * that is not durably kept (stored, duplicate or quarantined) throws, so EventBridge's retry
 * policy and the target DLQ take over (redelivery is deduplicated, and the quarantine object of
 * an event is named after its content). Events have no raw body: each is quarantined with its
 * JSON text as the body.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { EventBridgeEvent } from 'aws-lambda';
import { filteredOut, isEnvelope, routeEventBridge } from '../core/eventbridge.ts';
import type { IngestResult } from '../core/ingest.ts';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { config, ingest, logger, metrics } from './runtime.ts';
import { countIngest } from './observability.ts';

export async function ingestEnvelopes(input: unknown): Promise<IngestResult> {
  const envelopes = Array.isArray(input) ? input : [input];
  const total: IngestResult = { accepted: 0, duplicates: 0, quarantined: 0 };
  for (const env of envelopes) {
    if (isEnvelope(env) && filteredOut(env)) continue; // no deployed rule delivers it
    const source = isEnvelope(env) ? routeEventBridge(config, env) : undefined;
    const r = source
      ? await ingest.ingestPayload(source, env, { origin: 'eventbridge' })
      : await ingest.quarantineUnrouted(env, isEnvelope(env) ? `no configured source matches EventBridge source "${env.source}"` : 'not an EventBridge event envelope');
    countIngest(source?.id ?? null, r);
    total.accepted += r.accepted;
    total.duplicates += r.duplicates;
    total.quarantined += r.quarantined;
  }
  return total;
}

export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  const r = await ingestEnvelopes(event);
  logger.info('eventbridge ingest', { eventSource: event.source, ...r });
  return r;
}).use(injectLambdaContext(logger)).use(logMetrics(metrics));
