/**
 * Where alerts go (CONTRACT §6): the SNS topic, with message attributes `rule`, `severity` and
 * `tenant` for subscription filter policies; locally also one JSON line in
 * `$AUTHTRAIL_HOME/alerts.ndjson` and on stdout. Same interface, swappable.
 */
import { appendFileSync } from 'node:fs';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Alert } from '../core/detect/engine.ts';
import { alertKey } from '../core/archive.ts';
import { alertsToParquet } from '../core/parquet.ts';

export interface AlertSink {
  publish(alerts: readonly Alert[]): Promise<void>;
}

export function snsSink(o: { client: SNSClient; topicArn: string }): AlertSink {
  return {
    async publish(alerts) {
      for (const a of alerts) {
        await o.client.send(new PublishCommand({
          TopicArn: o.topicArn,
          Subject: `authtrail ${a.severity}: ${a.rule} (${a.tenant})`.slice(0, 100),
          Message: JSON.stringify(a),
          MessageAttributes: {
            rule: { DataType: 'String', StringValue: a.rule },
            severity: { DataType: 'String', StringValue: a.severity },
            tenant: { DataType: 'String', StringValue: a.tenant },
          },
        }));
      }
    },
  };
}

export function fileSink(path: string, log: (line: string) => void = (l) => console.log(l)): AlertSink {
  return {
    async publish(alerts) {
      for (const a of alerts) {
        const line = JSON.stringify(a);
        appendFileSync(path, `${line}\n`);
        log(`authtrail alert: ${line}`);
      }
    },
  };
}

export const allSinks = (...sinks: AlertSink[]): AlertSink => ({
  async publish(alerts) {
    for (const s of sinks) await s.publish(alerts);
  },
});

/**
 * The audit copy of alerts: every raised or updated version under `alerts/` in the archive as
 * Parquet (the `alerts` table), one object per tenant and day of the alert's first event, named
 * by content (a retried batch rewrites the same key).
 */
export function archiveAlertStore(o: { s3: S3Client; bucket: string; kmsKeyId?: string | undefined }) {
  const sse = o.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: o.kmsKeyId } : {};
  return {
    async store(alerts: readonly Alert[]): Promise<number> {
      const groups = new Map<string, Alert[]>();
      for (const a of alerts) {
        const k = `${a.tenant}|${a.first_event_time.slice(0, 10)}`;
        groups.set(k, [...(groups.get(k) ?? []), a]);
      }
      for (const g of groups.values()) {
        const body = alertsToParquet(g);
        await o.s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: alertKey(g[0]!.tenant, g[0]!.first_event_time, body), Body: body, ContentType: 'application/vnd.apache.parquet', ...sse }));
      }
      return groups.size;
    },
  };
}
export type AlertStore = ReturnType<typeof archiveAlertStore>;
