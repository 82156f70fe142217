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
import { concernsTenant, concernsUser, step, TENANT_WIDE, userOf, type Alert } from '../core/detect/engine.ts';
import type { AlertsConfig } from '../core/detect/settings.ts';
import type { AuthEvent } from '../core/event.ts';
import { documentClient, s3Client, snsClient } from '../adapters/clients.ts';
import { allSinks, archiveAlertStore, fileSink, snsSink, type AlertSink, type AlertStore } from '../adapters/alert-sink.ts';
import { dynamoDetectState, dynamoFeeds, StateConflictError, type DetectState, type Feeds } from '../adapters/detect-state.ts';
import { batchResponse, newEvents } from '../adapters/stream-records.ts';
import { env, logger, metrics } from './observability.ts';
import { config } from './runtime-config.ts';

export interface DetectorDeps {
  state: DetectState;
  feeds: Feeds;
  sink: AlertSink;
  store: AlertStore;
  settings: AlertsConfig;
  now?: () => number;
}

export interface DetectResult { raised: Alert[]; updated: Alert[]; writes: number }

/**
 * Runs a batch of new events through the rules (exported for tests and the local runtime). The
 * events of one key are stepped together: one state read and one write per key and batch, and
 * only the newest version of each alert is published and archived.
 */
export async function detectEvents(events: readonly AuthEvent[], d: DetectorDeps): Promise<DetectResult> {
  const out: DetectResult = { raised: [], updated: [], writes: 0 };
  const now = d.now ?? Date.now;
  const groups = new Map<string, { tenant: string; key: string; scope: 'user' | 'tenant'; events: AuthEvent[] }>();
  const add = (tenant: string, key: string, scope: 'user' | 'tenant', e: AuthEvent) => {
    const id = `${tenant}#${key}`;
    const g = groups.get(id) ?? { tenant, key, scope, events: [] };
    g.events.push(e);
    groups.set(id, g);
  };
  for (const e of events) {
    if (concernsUser(e)) add(e.tenant, userOf(e)!, 'user', e);
    if (concernsTenant(e)) add(e.tenant, TENANT_WIDE, 'tenant', e);
  }
  const list = [...groups.values()];
  // Every key's state in a few batched reads; a key re-read after a conflict is read alone.
  const first = d.state.getMany ? await d.state.getMany(list) : undefined;
  await pool(list.map((g, i) => ({ g, read: first?.[i] })), 8, async ({ g, read }) => {
    for (let attempt = 0; ; attempt++) {
      const s = attempt === 0 && read ? read : await d.state.get(g.tenant, g.key);
      let state = s.state;
      let changed = false;
      const latest = new Map<string, Alert>();
      const raisedIds = new Set<string>();
      for (const e of g.events) {
        const r = step({ event: e, settings: d.settings, state, scope: g.scope });
        state = r.state;
        changed ||= r.changed;
        for (const a of r.raise) { latest.set(a.alert_id, a); raisedIds.add(a.alert_id); }
        for (const a of r.update) latest.set(a.alert_id, a);
      }
      const raise = [...latest.values()].filter((a) => raisedIds.has(a.alert_id));
      const update = [...latest.values()].filter((a) => !raisedIds.has(a.alert_id));
      if (raise.length) await d.sink.publish(raise);
      if (latest.size) await d.store.store([...latest.values()]);
      if (!changed) return;
      try {
        const days = g.scope === 'user' && state.profile ? d.settings.profileDays : 1;
        await d.state.put(g.tenant, g.key, { state, version: s.version }, Math.floor(now() / 1000) + days * 86_400 + d.settings.suppressionMinutes * 60);
        out.writes++;
        out.raised.push(...raise);
        out.updated.push(...update);
        return;
      } catch (err) {
        if (!(err instanceof StateConflictError) || attempt >= 7) throw err;
      }
    }
  });
  // Feed health: the newest delivery of each source in this batch.
  const newest = new Map<string, AuthEvent>();
  for (const e of events) {
    const n = newest.get(e.source_id);
    if (!n || e.ingest_time > n.ingest_time) newest.set(e.source_id, e);
  }
  for (const e of newest.values()) {
    await d.feeds.touch({ sourceId: e.source_id, tenant: e.tenant, lastIngest: Date.parse(e.ingest_time), lastEventTime: Date.parse(e.event_time), lastUid: `${e.source_id}#${e.event_uid}` });
  }
  return out;
}

/** Runs `fn` over `items`, at most `n` at a time; the first failure fails the whole. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

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
  const sinks: AlertSink[] = [snsSink({ client: snsClient(), topicArn: env('AUTHTRAIL_TOPIC_ARN') })];
  if (process.env.AUTHTRAIL_ALERTS_FILE) sinks.push(fileSink(process.env.AUTHTRAIL_ALERTS_FILE));
  deps = {
    state: dynamoDetectState({ client, table }),
    feeds: dynamoFeeds({ client, table }),
    sink: allSinks(...sinks),
    store: archiveAlertStore({ s3: s3Client(), bucket: env('AUTHTRAIL_BUCKET'), kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID }),
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
