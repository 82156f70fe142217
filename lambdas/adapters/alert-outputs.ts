/**
 * Where a Lambda function's alerts go: the SNS topic (plus the local alerts file when
 * AUTHTRAIL_ALERTS_FILE names one) and the archive's audit copy (adapters/alert-sink.ts). Their
 * modules — the SNS and S3 clients and the Parquet writer — load with the first alert: most
 * detector batches raise none, and a cold start need not read them (bench/bundles.ts).
 */
import type { AlertSink, AlertStore } from './alert-sink.ts';

export interface AlertOutputSettings {
  topicArn: string;
  bucket: string;
  kmsKeyId?: string | undefined;
  alertsFile?: string | undefined;
}

export function alertOutputs(o: AlertOutputSettings): { sink: AlertSink; store: AlertStore } {
  let loading: Promise<{ sink: AlertSink; store: AlertStore }> | undefined;
  const load = () => (loading ??= (async () => {
    const [{ allSinks, archiveAlertStore, fileSink, snsSink }, { snsClient }, { s3Client }] = await Promise.all([
      import('./alert-sink.ts'), import('./sns-client.ts'), import('./s3-client.ts'),
    ]);
    const sinks: AlertSink[] = [snsSink({ client: snsClient(), topicArn: o.topicArn })];
    if (o.alertsFile) sinks.push(fileSink(o.alertsFile));
    return { sink: allSinks(...sinks), store: archiveAlertStore({ s3: s3Client(), bucket: o.bucket, kmsKeyId: o.kmsKeyId }) };
  })().catch((err: unknown) => {
    loading = undefined; // a failed load is tried again with the next alert
    throw err;
  }));
  return {
    sink: { publish: async (alerts) => (await load()).sink.publish(alerts) },
    store: { store: async (alerts) => (await load()).store.store(alerts) },
  };
}

/** The outputs a deployed function's environment names (AUTHTRAIL_TOPIC_ARN, AUTHTRAIL_BUCKET, …), read now so that a missing one fails the first invocation, not the first alert. */
export const alertOutputsFromEnv = (env: (name: string) => string) => alertOutputs({
  topicArn: env('AUTHTRAIL_TOPIC_ARN'),
  bucket: env('AUTHTRAIL_BUCKET'),
  kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID,
  alertsFile: process.env.AUTHTRAIL_ALERTS_FILE,
});
