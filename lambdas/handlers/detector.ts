/**
 * Detector, on the hot table's stream (INSERT only, so a redelivered event never counts twice).
 * Per key (the user; the tenant for tenant-wide rules) and batch: read the state, step the
 * key's events through the rules, publish new alerts (SNS; locally also alerts.ndjson), store
 * the newest version of every raised or updated alert in the archive, then write the state. A failure reports the batch's first record, so
 * the batch is retried; an alert may then be published twice with the same `alert_id`, never
 * lost. Per batch it also moves each source's "last delivery" (feed silence) and counts events
 * per source and MFA failures and denials per tenant (the dashboard).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Alert } from '../core/detect/engine.ts';
import type { AuthEvent } from '../core/event.ts';
import { alertOutputsFromEnv } from '../adapters/alert-outputs.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { dynamoDetectState, dynamoFeeds } from '../adapters/detect-state.ts';
import { detectEvents, type DetectorDeps } from '../adapters/detect-events.ts';
import { batchResponse, newEvents } from '../adapters/stream-records.ts';
import { env, logger, metrics } from './observability.ts';
import { config } from './runtime-config.ts';

export { detectEvents, type DetectorDeps, type DetectResult } from '../adapters/detect-events.ts';

/** Dashboard counts of a batch: new events per source; sign-in and MFA failures and denials per tenant; alerts per rule. */
export function batchCounts(events: readonly AuthEvent[], alerts: readonly Alert[]) {
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const perSource = new Map<string, number>();
  const failures = new Map<string, number>();
  const signInFailures = new Map<string, number>();
  const denials = new Map<string, number>();
  const perRule = new Map<string, number>();
  for (const e of events) {
    add(perSource, e.source_id);
    const mfa = e.is_mfa === true || e.category === 'mfa_verify' || e.category === 'mfa_challenge';
    if (mfa && e.outcome === 'failure') add(failures, e.tenant);
    if ((e.category === 'login' || e.category === 'sso') && e.outcome === 'failure') add(signInFailures, e.tenant);
    if (e.outcome === 'denied' || e.outcome === 'fraud') add(denials, e.tenant);
  }
  for (const a of alerts) add(perRule, a.rule);
  return { perSource, failures, signInFailures, denials, perRule };
}

let deps: DetectorDeps | undefined;
function live(): DetectorDeps {
  if (deps) return deps;
  const client = documentClient();
  const table = env('AUTHTRAIL_STATE_TABLE');
  deps = {
    state: dynamoDetectState({ client, table }),
    feeds: dynamoFeeds({ client, table }),
    ...alertOutputsFromEnv(env),
    settings: config.alerts,
  };
  return deps;
}

export const detectRecords = detectRecordsWith({});

/** The stream handler with some dependencies replaced (the local runtime keeps detector state in-process). */
export function detectRecordsWith(overrides: Partial<DetectorDeps>) {
  return (event: DynamoDBStreamEvent) => detectBatch(event, overrides);
}

async function detectBatch(event: DynamoDBStreamEvent, overrides: Partial<DetectorDeps>): Promise<DynamoDBBatchResponse> {
  try {
    const events = newEvents(event.Records);
    const r = await detectEvents(events, { ...live(), ...overrides });
    const c = batchCounts(events, r.raised);
    const emit = (name: string, dim: string, counts: Map<string, number>) => {
      for (const [k, n] of counts) {
        const m = metrics.singleMetric();
        m.addDimension(dim, k);
        m.addMetric(name, MetricUnit.Count, n);
      }
    };
    emit('EventsNew', 'source_id', c.perSource);
    emit('MfaFailures', 'tenant', c.failures);
    emit('SignInFailures', 'tenant', c.signInFailures);
    emit('MfaDenials', 'tenant', c.denials);
    emit('Alerts', 'rule', c.perRule);
    if (r.raised.length) metrics.addMetric('AlertsRaised', MetricUnit.Count, r.raised.length);
    return batchResponse(event.Records, false);
  } catch (err) {
    logger.error('detector batch failed; it will be retried', { error: err as Error, records: event.Records.length });
    return batchResponse(event.Records, true);
  }
}

export const handler = middy(detectRecords).use(injectLambdaContext(logger)).use(logMetrics(metrics));
