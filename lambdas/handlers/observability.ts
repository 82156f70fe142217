import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The deployment's name (`POWERTOOLS_SERVICE_NAME`, set by the CDK app): the `service` dimension its alarms read. */
const service = process.env.POWERTOOLS_SERVICE_NAME || 'authtrail';
export const logger = new Logger({ serviceName: service });
export const metrics = new Metrics({ namespace: 'authtrail', serviceName: service });

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

/**
 * Ingest counts from every intake (webhook, EventBridge, pollers): totals without dimensions for
 * the quarantine-rate alarm, and per source for the dashboard.
 */
export function countIngest(sourceId: string | null, r: { accepted: number; duplicates: number; quarantined: number }): void {
  metrics.addMetric('IngestAccepted', MetricUnit.Count, r.accepted);
  metrics.addMetric('IngestQuarantined', MetricUnit.Count, r.quarantined);
  if (!sourceId) return;
  const m = metrics.singleMetric();
  m.addDimension('source_id', sourceId);
  m.addMetric('EventsAccepted', MetricUnit.Count, r.accepted);
  m.addMetric('EventsDuplicate', MetricUnit.Count, r.duplicates);
  m.addMetric('EventsQuarantined', MetricUnit.Count, r.quarantined);
}
