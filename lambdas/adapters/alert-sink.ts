/**
 * Where alerts go (CONTRACT §6): the SNS topic, with message attributes `rule`, `severity` and
 * `tenant` for subscription filter policies; locally also one JSON line in
 * `$AUTHTRAIL_HOME/alerts.ndjson` and on stdout. Same interface, swappable.
 */
import { appendFileSync } from 'node:fs';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../core/detect/engine.ts';

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
