/**
 * Feed health, every five minutes (EventBridge Scheduler; locally the runtime's timer): a
 * source that delivered events and then stayed silent for longer than its expected gap raises
 * one `feed_silence` alert per silence (published, and archived like every alert). Sources that
 * never delivered are not checked: there is nothing to miss yet. Emits `SilentSources` (the
 * alarm) and minutes since each source's last delivery (the dashboard).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Config } from '../core/config.ts';
import { feedSilence, type Alert } from '../core/detect/engine.ts';
import { ruleSettings } from '../core/detect/rule-settings.ts';
import { alertOutputsFromEnv } from '../adapters/alert-outputs.ts';
import type { AlertSink, AlertStore } from '../adapters/alert-sink.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { dynamoFeeds, type Feeds } from '../adapters/detect-state.ts';
import { env, logger, metrics } from './observability.ts';
import { config } from './runtime-config.ts';

/** A source's expected gap: configured per source, else the rule's, and never under three poll intervals. */
export function expectedGapMinutes(cfg: Config, source: Config['sources'][number]): number {
  const r = ruleSettings(cfg.alerts, source.tenant, 'feed_silence');
  const own = r.sources[source.id];
  if (own !== undefined) return own;
  const poll = source.pull ? Math.ceil((3 * Number(source.pull['intervalSeconds'] ?? 60)) / 60) : 0;
  return Math.max(r.gapMinutes, poll);
}

export interface FeedCheck { sourceId: string; minutesSilent: number; gapMinutes: number; silent: boolean }

export async function checkFeeds(d: { config: Config; feeds: Feeds; sink: AlertSink; store: AlertStore; now?: number }): Promise<{ checks: FeedCheck[]; raised: Alert[] }> {
  const now = d.now ?? Date.now();
  const checks: FeedCheck[] = [];
  const raised: Alert[] = [];
  for (const source of d.config.sources) {
    if (!ruleSettings(d.config.alerts, source.tenant, 'feed_silence').enabled) continue;
    const f = await d.feeds.get(source.id);
    if (!f) continue;
    const gapMinutes = expectedGapMinutes(d.config, source);
    const a = feedSilence({ tenant: source.tenant, sourceId: source.id, gapMinutes, now, lastIngest: f.lastIngest, lastEventTime: f.lastEventTime, lastUid: f.lastUid });
    checks.push({ sourceId: source.id, minutesSilent: Math.floor((now - f.lastIngest) / 60_000), gapMinutes, silent: !!a });
    if (!a || f.alertedFor === f.lastIngest) continue;
    await d.sink.publish([a]);
    await d.store.store([a]);
    await d.feeds.markAlerted(source.id, f.lastIngest);
    raised.push(a);
  }
  return { checks, raised };
}

let deps: Parameters<typeof checkFeeds>[0] | undefined;
function live() {
  if (deps) return deps;
  deps = {
    config,
    feeds: dynamoFeeds({ client: documentClient(), table: env('AUTHTRAIL_STATE_TABLE') }),
    ...alertOutputsFromEnv(env),
  };
  return deps;
}

/** One check with the deployed (or local) config and clients. */
export async function runFeedCheck(now?: number) {
  const r = await checkFeeds({ ...live(), ...(now === undefined ? {} : { now }) });
  for (const c of r.checks) {
    const m = metrics.singleMetric();
    m.addDimension('source_id', c.sourceId);
    m.addMetric('MinutesSinceLastDelivery', MetricUnit.Count, c.minutesSilent);
  }
  metrics.addMetric('SilentSources', MetricUnit.Count, r.checks.filter((c) => c.silent).length);
  if (r.raised.length) logger.warn('feeds silent', { sources: r.raised.map((a) => a.summary) });
  return r;
}

export const handler = middy(async () => {
  const r = await runFeedCheck();
  return { checked: r.checks.length, silent: r.checks.filter((c) => c.silent).map((c) => c.sourceId), raised: r.raised.length };
}).use(injectLambdaContext(logger)).use(logMetrics(metrics));
