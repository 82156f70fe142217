/**
 * SIEM forwarding (lambdas/handlers/forwarder.ts): one function on the hot table's stream that
 * sends each forwarding tenant's new events to that tenant's destinations (Splunk HEC or HTTPS).
 * Created only when some tenant has `forward`. Its role reads the stream and the secrets of the
 * forward destinations, nothing else: no table item, no archive object, no source secret.
 *
 * The event-source filter passes INSERT records of forwarding tenants only, so tenants that do not
 * forward cost no invocation. Failures: the HTTP adapter retries 429/5xx/network errors with
 * backoff; a destination that still fails fails the batch from its first missing record; Lambda
 * retries (bisecting) and after 10 attempts or 24 hours sends the batch's position to the
 * dead-letter queue (`authtrail redrive forwarder` replays it while the stream still holds it).
 *
 * It is the stream's third reader (archiver, detector, forwarder). AWS advises at most two Lambda
 * functions per shard of a single-Region table's stream; a third may see its reads throttled and
 * retried (later, not lost). One function for all tenants keeps it at three rather than two plus
 * one per tenant, at the price of one failing destination holding back the others until its
 * batch reaches the DLQ; Kinesis Data Streams for DynamoDB (enhanced fan-out) would lift both.
 */
import { Annotations, Duration, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { forwardId, parseConfig, runtimeConfig, type Config } from '../../lambdas/core/config.ts';
import { acknowledge } from '../nag.ts';
import { DEFAULT_DEPLOYMENT_NAME, metricsService, secretNamePrefix } from '../names.ts';
import { authtrailFunction } from './lambda.ts';

export interface AuthTrailForwarderProps {
  readonly config: Config;
  /** The hot table, with its stream. */
  readonly table: dynamodb.ITable;
  /** Encrypts the hot table and the dead-letter queue. */
  readonly key: kms.IKey;
  /** Encrypts the generated Secrets Manager secrets (`AuthTrailStorage#secretsKey`). */
  readonly secretsKey: kms.IKey;
  /** @default 'authtrail' */
  readonly deploymentName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** Whether any tenant of the config forwards its events. */
export const forwards = (config: Config) => config.tenants.some((t) => t.forward?.length);

export class AuthTrailForwarder extends Construct {
  public readonly function: NodejsFunction;
  public readonly dlq: sqs.Queue;
  /** Secrets created for destinations whose token the config holds inline, by `<tenant>/<destination>`. */
  public readonly tokenSecrets: Record<string, secretsmanager.ISecret> = {};

  constructor(scope: Construct, id: string, props: AuthTrailForwarderProps) {
    super(scope, id);
    const { config } = props;
    const tenants = config.tenants.filter((t) => t.forward?.length);
    if (!tenants.length) throw new Error('AuthTrailForwarder: no tenant has "forward"; create it only when one does');
    const deploymentName = props.deploymentName ?? DEFAULT_DEPLOYMENT_NAME;
    // Referenced by attributes, so that grants land on this stack's role only (see the collector).
    const key = kms.Key.fromKeyArn(this, 'Key', props.key.keyArn);
    const secretsKey = kms.Key.fromKeyArn(this, 'SecretsKey', props.secretsKey.keyArn);
    const table = dynamodb.Table.fromTableAttributes(this, 'HotTable', { tableArn: props.table.tableArn, tableStreamArn: props.table.tableStreamArn, encryptionKey: key });

    // An inline token never reaches the template: a secret with a random placeholder takes its
    // place, and the operator puts the token the SIEM issued into it (README, Forwarding).
    const prefix = `${secretNamePrefix(deploymentName)}${Names.uniqueResourceName(this, { maxLength: 40 })}/forward/`;
    const secretName = (tenant: string, dest: string) => `${prefix}${tenant}/${dest}`;
    for (const t of tenants) {
      for (const d of t.forward!) {
        if (d.token === undefined) continue;
        const name = secretName(t.id, forwardId(d));
        const secret = new secretsmanager.Secret(this, `TokenSecret-${t.id}-${forwardId(d)}`, {
          secretName: name,
          description: `authtrail: token of forward destination ${forwardId(d)} of tenant ${t.id} (put the real value here)`,
          encryptionKey: secretsKey,
        });
        acknowledge(secret, 'A SIEM token (Splunk HEC token, HTTPS API key) is issued by the receiver and rotated there; authtrail cannot rotate it.', 'AwsSolutions-SMG4');
        this.tokenSecrets[`${t.id}/${forwardId(d)}`] = secret;
        Annotations.of(secret).addWarningV2('authtrail:forward-token', `tenant ${t.id}: put the token of forward destination ${forwardId(d)} into Secrets Manager secret ${name} after deploying; the inline value is not deployed`);
      }
    }
    // Only the forwarding tenants, with their destinations, and no source at all.
    const bundled = { tenants: runtimeConfig({ ...config, tenants, sources: [] }, () => '', () => [], secretName).tenants, sources: [] };
    parseConfig(bundled, 'the runtime config of the forwarder');

    this.function = authtrailFunction(this, 'ForwarderFunction', {
      handler: 'forwarder',
      description: 'Forward new events to the tenants\' SIEM destinations (Splunk HEC, HTTPS)',
      // Retries within one invocation are bounded (core of adapters/http.ts: four attempts, waits ≤ 20 s).
      timeout: Duration.minutes(2),
      memorySize: 512,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      service: metricsService(deploymentName),
      define: { 'process.env.AUTHTRAIL_RUNTIME_CONFIG': JSON.stringify(JSON.stringify(bundled)) },
    });

    this.dlq = new sqs.Queue(this, 'ForwarderDlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true, retentionPeriod: Duration.days(14) });
    acknowledge(this.dlq, 'This queue is itself a dead-letter queue (of the forwarder\'s stream event source).', 'AwsSolutions-SQS3');

    this.function.addEventSource(new DynamoEventSource(table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      // Up to 1,000 records or 5 s: a SIEM hears of a sign-in within seconds, in few requests.
      batchSize: 1_000,
      maxBatchingWindow: Duration.seconds(5),
      parallelizationFactor: 1,
      filters: [lambda.FilterCriteria.filter({
        eventName: lambda.FilterRule.isEqual('INSERT'),
        // The item's key starts with its tenant (`<tenant>#<day>#<shard>`; a tenant id holds no `#`).
        dynamodb: { Keys: { pk: { S: tenants.map((t) => ({ prefix: `${t.id}#` })) } } },
      })],
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(24),
      onFailure: new SqsDlq(this.dlq),
    }));
    this.grantTokens(tenants, secretsKey);
    acknowledge(this.function, 'CDK grants sending to the KMS-encrypted dead-letter queue with these actions on its one key.',
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]');

    new cloudwatch.Alarm(this, 'ForwarderDlqAlarm', {
      alarmDescription: 'authtrail: events could not be forwarded to a SIEM destination after all retries. Runbook: README, Forwarding to a SIEM; after the fix: authtrail redrive forwarder --outputs <file> (within 24 hours, while the stream holds the records)',
      metric: this.dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // A destination that keeps failing holds the stream back long before the DLQ alarm fires.
    new cloudwatch.Alarm(this, 'ForwarderLagAlarm', {
      alarmDescription: 'authtrail: SIEM forwarding is more than 15 minutes behind (a destination is failing or throttling). Runbook: README, Forwarding to a SIEM',
      metric: this.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: 15 * 60 * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * `secretsmanager:GetSecretValue` on exactly the destinations' secrets (generated by ARN,
   * referenced by the ARN given and with Secrets Manager's six-character suffix for a partial ARN),
   * and decryption with the secrets key only through Secrets Manager and for the generated ones.
   */
  private grantTokens(tenants: Config['tenants'], secretsKey: kms.IKey): void {
    const generated = Object.values(this.tokenSecrets).map((s) => s.secretArn);
    const referenced = [...new Set(tenants.flatMap((t) => t.forward!.flatMap((d) => (d.tokenSecretArn ? [d.tokenSecretArn] : []))))];
    if (!generated.length && !referenced.length) return;
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [...generated, ...referenced.flatMap((arn) => [arn, `${arn}-??????`])],
    }));
    if (!generated.length) return;
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [secretsKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': generated } },
    }));
  }
}
