/**
 * Poller, invoked by EventBridge Scheduler with `{"sourceId": "…"}` (and locally by the runtime's
 * timer or `authtrail poll`): one bounded run of a pull source, through the same pipeline as
 * webhooks. A failure throws, so Scheduler's retry policy and DLQ apply; the cursor only moves
 * past what was stored.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { findSource } from '../core/config-lookup.ts';
import { runPoll, type PollResult } from '../core/pull.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { dynamoCursors } from '../adapters/cursors.ts';
import { retryingFetch } from '../adapters/http.ts';
import { resolvePullSettings } from '../adapters/pull-settings.ts';
import { resolveSecret } from '../adapters/secrets.ts';
import { pullerFor } from '../sources/pullers.ts';
import { countIngest, env } from './observability.ts';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { config, ingest, logger, metrics } from './runtime.ts';

const cursors = dynamoCursors({ client: documentClient(), table: env('AUTHTRAIL_STATE_TABLE') });
const http = retryingFetch();

export class PollError extends Error {
  override name = 'PollError';
}

export async function pollSource(sourceId: string, deadline?: number): Promise<PollResult> {
  const source = findSource(config, sourceId);
  if (!source) throw new PollError(`no source "${sourceId}" is configured`);
  const puller = pullerFor(source.kind);
  if (!puller || !source.pull) throw new PollError(`source ${sourceId} (${source.kind}) is not a pull source`);
  const settings = await resolvePullSettings(source, puller, resolveSecret);
  return runPoll({ source, puller, settings, cursors, http, store: (s, items) => ingest.ingestPayload(s, items), deadline });
}

export const handler = middy(async (event: { sourceId?: string }, context: Context) => {
  if (!event?.sourceId) throw new PollError('the schedule must pass {"sourceId": "…"}');
  // End before the next scheduled run of this source starts, so two runs never share a cursor.
  const interval = Number(findSource(config, event.sourceId)?.pull?.['intervalSeconds'] ?? 60) * 1000;
  const r = await pollSource(event.sourceId, Date.now() + Math.min(context.getRemainingTimeInMillis() - 15_000, interval - 5_000));
  countIngest(event.sourceId, r);
  logger.info('poll', { sourceId: event.sourceId, ...r });
  return r;
}).use(injectLambdaContext(logger)).use(logMetrics(metrics));
