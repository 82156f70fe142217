/**
 * The scheduled archive verifier (lambdas/handlers/verifier.ts): `authtrail verify` run in AWS,
 * daily over the whole digest chain and the last `recentDays` days of objects, weekly over every
 * object; read-only on the archive and the state table; one alarm for findings, failures and silence.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { acknowledge, nagResource } from '../nag.ts';
import { archiveBucketName, metricsService } from '../names.ts';
import { authtrailFunction } from './lambda.ts';

export interface AuthTrailVerifierProps {
  readonly stateTable: dynamodb.ITable;
  /** The data key (archive and state table). */
  readonly key: kms.IKey;
  /** Configured tenants: verified even when the archive holds nothing of theirs. */
  readonly tenants: readonly string[];
  /**
   * `retention.archiveDays`: objects that old have expired and are not looked for.
   * @default every object is looked for
   */
  readonly archiveDays?: number;
  /**
   * The deployment name the storage was created with (it names the archive bucket).
   * @default 'authtrail'
   */
  readonly deploymentName?: string;
  /**
   * Days of objects the daily run hashes (the weekly run hashes all of them).
   * @default 7
   */
  readonly recentDays?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** Prefixes the verifier reads (compaction/: the staging copies of a compaction in progress); it writes nowhere. */
const READ_PREFIXES = ['events', 'digests', 'compaction'] as const;

export class AuthTrailVerifier extends Construct {
  public readonly function: NodejsFunction;
  /** Daily (recent days) and weekly (full) runs. */
  public readonly schedules: scheduler.CfnSchedule[];
  /** Findings or failed runs in the last two days, or no run in two days. */
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AuthTrailVerifierProps) {
    super(scope, id);
    // By ARN and name, as the collector does: grants stay on this stack's role.
    const key = kms.Key.fromKeyArn(this, 'Key', props.key.keyArn);
    const stateTable = dynamodb.Table.fromTableAttributes(this, 'StateTable', { tableArn: props.stateTable.tableArn, encryptionKey: key });
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName: archiveBucketName(props.deploymentName ?? 'authtrail'), encryptionKey: key });
    const days = props.recentDays ?? 7;
    const service = metricsService(props.deploymentName ?? 'authtrail');

    this.function = authtrailFunction(this, 'VerifierFunction', {
      handler: 'verifier',
      description: 'Verify the archive against its digest chains (authtrail verify, scheduled)',
      // Hashing streams at network speed; more memory is more bandwidth and CPU.
      memorySize: 1024,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      service,
      environment: {
        AUTHTRAIL_BUCKET: bucket.bucketName,
        AUTHTRAIL_STATE_TABLE: stateTable.tableName,
        AUTHTRAIL_TENANTS: JSON.stringify(props.tenants),
        ...(props.archiveDays ? { AUTHTRAIL_ARCHIVE_DAYS: String(props.archiveDays) } : {}),
      },
    });
    // A failed run is retried once; a run that keeps failing reports nothing, which the alarm catches.
    this.function.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.hours(6) });

    // Read-only: list and read events/ and digests/, read the chain heads, decrypt through S3 and
    // DynamoDB. No Put, Delete or Update anywhere.
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'], resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': READ_PREFIXES.map((p) => `${p}/*`) } },
    }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: READ_PREFIXES.map((p) => bucket.arnForObjects(`${p}/*`)) }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [stateTable.tableArn] }));
    const region = Stack.of(this).region;
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'], resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } },
    }));
    acknowledge(this.function, 'The verifier reads every archive object and digest; their names are not known in advance (read-only: GetObject).',
      ...READ_PREFIXES.map((p) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucket.bucketName)}/${p}/*]`));

    // Daily: the whole chain, objects of the last `days` days (Standard storage class while
    // `days` < infrequentAccessAfterDays: no retrieval fee). Weekly (Sunday, instead of the daily
    // run): every object, which pays the Standard-IA / Glacier IR retrieval per GB once a week
    // instead of every day. See the README's cost section for the arithmetic.
    const role = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'authtrail: invoke the archive verifier' });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
    const schedule = (id: string, description: string, expression: string, input: unknown) => new scheduler.CfnSchedule(this, id, {
      description,
      scheduleExpression: expression,
      flexibleTimeWindow: { mode: 'OFF' },
      target: { arn: this.function.functionArn, roleArn: role.roleArn, input: JSON.stringify(input), retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 } },
    });
    this.schedules = [
      schedule('DailySchedule', `authtrail: verify the digest chains and the last ${days} days of archive objects`, 'cron(30 3 ? * MON-SAT *)', { days }),
      schedule('WeeklySchedule', 'authtrail: verify the digest chains and every archive object', 'cron(30 3 ? * SUN *)', { full: true }),
    ];

    // One alarm for every way verification can fail us: a run found something, runs fail (a
    // full run that outgrew the 15-minute limit times out), or runs stopped. Every completed run
    // reports ArchiveVerifyFindings (0 when clean) and Lambda reports Errors for every period with
    // invocations; over a two-day period MAX of the two is > 0 if any run of the last 48 h found
    // something or failed, and has no data at all (missing = breaching) only if the verifier was
    // not invoked for 48 h. A one-day period would breach whenever a run finishes a few minutes
    // later than the day before (an empty 24-hour window); two days tolerate that jitter and one
    // skipped run. It clears once 48 h of runs are clean.
    const period = Duration.days(2);
    this.alarm = new cloudwatch.Alarm(this, 'ArchiveVerifyAlarm', {
      alarmDescription: 'authtrail: archive verification found objects or digests missing, altered or unlisted, failed, or has not run for 2 days. Runbook: README, Operations; the findings are in the verifier\'s log; run authtrail verify --outputs <file> --tenant <t>',
      metric: new cloudwatch.MathExpression({
        expression: 'MAX([findings, errors])',
        usingMetrics: {
          findings: new cloudwatch.Metric({ namespace: 'authtrail', metricName: 'ArchiveVerifyFindings', dimensionsMap: { service }, statistic: 'Maximum', period }),
          errors: this.function.metricErrors({ statistic: 'Sum', period }),
        },
        label: 'findings or failed runs', period,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}
