/**
 * Detector, on the hot table's stream (INSERT only, so a redelivered event never counts twice):
 * per event, load the user's rule state, evaluate the rules, publish new alerts (SNS; locally
 * also alerts.ndjson), then store the state. A failure reports the batch's first record, so the
 * batch is retried; an alert may then be published twice with the same `alert_id`, never lost.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { evaluate, RULES, suppressUntil, userOf, type Alert } from '../core/detect/engine.ts';
import type { RuleName } from '../core/detect/settings.ts';
import { documentClient, snsClient } from '../adapters/clients.ts';
import { allSinks, fileSink, snsSink, type AlertSink } from '../adapters/alert-sink.ts';
import { dynamoDetectState, StateConflictError } from '../adapters/detect-state.ts';
import { newEvents } from '../adapters/stream-records.ts';
import { env, logger, metrics } from './observability.ts';
import { config } from './runtime.ts';

const state = dynamoDetectState({ client: documentClient(), table: env('AUTHTRAIL_STATE_TABLE') });
const sinks: AlertSink[] = [snsSink({ client: snsClient(), topicArn: env('AUTHTRAIL_TOPIC_ARN') })];
if (process.env.AUTHTRAIL_ALERTS_FILE) sinks.push(fileSink(process.env.AUTHTRAIL_ALERTS_FILE));
const sink = allSinks(...sinks);

const maxWindowMs = () => Math.max(...Object.values(config.alerts.rules).map((r) => r.windowMinutes)) * 60_000;

export async function detectRecords(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  let raised = 0;
  try {
    for (const e of newEvents(event.Records)) {
      const user = userOf(e);
      if (!user || !(Object.values(RULES).some((r) => r.matches(e)))) continue;
      for (let attempt = 0; ; attempt++) {
        const s = await state.get(e.tenant, user);
        const d = evaluate({ event: e, settings: config.alerts, history: s.occ, open: s.open });
        const at = Date.parse(e.event_time);
        for (const [name, rule] of Object.entries(RULES) as [RuleName, (typeof RULES)[RuleName]][]) {
          if (!rule.matches(e)) continue;
          const uid = `${e.source_id}#${e.event_uid}`;
          // Keep only occurrences a window around any plausible late event can still reach.
          const kept = (s.occ[name] ?? []).filter((o) => Math.abs(o.time - at) <= 2 * maxWindowMs() && o.uid !== uid);
          s.occ[name] = [...kept, { uid, time: at }];
        }
        const changed: Alert[] = [...d.raise, ...d.update];
        for (const a of changed) s.open[a.rule] = { alert: a, until: suppressUntil(a, config.alerts) };
        if (d.raise.length) await sink.publish(d.raise);
        try {
          await state.put(e.tenant, user, s, Math.floor((Date.now() + 2 * maxWindowMs()) / 1000) + config.alerts.suppressionMinutes * 60 + 86_400);
          raised += d.raise.length;
          break;
        } catch (err) {
          if (!(err instanceof StateConflictError) || attempt >= 4) throw err;
        }
      }
    }
    if (raised) metrics.addMetric('AlertsRaised', MetricUnit.Count, raised);
    return { batchItemFailures: [] };
  } catch (err) {
    logger.error('detector batch failed; it will be retried', { error: err as Error, records: event.Records.length });
    const first = event.Records[0]?.dynamodb?.SequenceNumber;
    return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
  }
}

export const handler = middy(detectRecords).use(injectLambdaContext(logger)).use(logMetrics(metrics));
