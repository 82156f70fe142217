/**
 * The archive compactor (lambdas/handlers/compactor.ts): daily, each tenant's closed days merged
 * into one Parquet object per tenant-day up to the size cap; on demand through
 * `authtrail compact --outputs`. Its role can read the archive's events, digests and staging
 * copies; write staging copies, digests and merged objects (`compacted-*` names only under
 * `events/`); delete under `events/` and `compaction/` — never an object version, never past
 * Object Lock retention; and move the digest-chain heads as the archiver does.
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

export { COMPACTOR_FUNCTION_OUTPUT } from '../../cli/compact.ts';

export interface AuthTrailCompactorProps {
  readonly stateTable: dynamodb.ITable;
  /** The data key (archive and state table). */
  readonly key: kms.IKey;
  /** Configured tenants. */
  readonly tenants: readonly string[];
  /** `retention.objectLock`: staging copies are written with a one-day retention of this mode. */
  readonly objectLock?: 'governance' | 'compliance' | undefined;
  /** `retention.archiveDays`: days close to expiry are left alone. */
  readonly archiveDays?: number;
  /** @default 'authtrail' */
  readonly deploymentName?: string;
  /**
   * Parquet bytes per merged object.
   * @default 256 MiB
   */
  readonly sizeCap?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

export class AuthTrailCompactor extends Construct {
  public readonly function: NodejsFunction;
  public readonly schedule: scheduler.CfnSchedule;
  /** A failed run in the last two days. */
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AuthTrailCompactorProps) {
    super(scope, id);
    const key = kms.Key.fromKeyArn(this, 'Key', props.key.keyArn);
    const stateTable = dynamodb.Table.fromTableAttributes(this, 'StateTable', { tableArn: props.stateTable.tableArn, encryptionKey: key });
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName: archiveBucketName(props.deploymentName ?? 'authtrail'), encryptionKey: key });
    const service = metricsService(props.deploymentName ?? 'authtrail');

    this.function = authtrailFunction(this, 'CompactorFunction', {
      handler: 'compactor',
      description: 'Compact the archive: one Parquet object per closed tenant-day (authtrail compact, scheduled)',
      // The merge streams (inputs row group by row group, outputs in multipart parts): its live heap
      // stayed near 0.6 GB from 0.35 to 0.7 million rows (bench/compaction.ts). The memory also buys
      // CPU: Lambda gives a function CPU in proportion to it.
      memorySize: 10_240,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      service,
      environment: {
        AUTHTRAIL_BUCKET: bucket.bucketName,
        AUTHTRAIL_STATE_TABLE: stateTable.tableName,
        AUTHTRAIL_KMS_KEY_ID: key.keyArn,
        AUTHTRAIL_TENANTS: JSON.stringify(props.tenants),
        ...(props.objectLock ? { AUTHTRAIL_OBJECT_LOCK: props.objectLock } : {}),
        ...(props.archiveDays ? { AUTHTRAIL_ARCHIVE_DAYS: String(props.archiveDays) } : {}),
        ...(props.sizeCap ? { AUTHTRAIL_COMPACT_SIZE_CAP: String(props.sizeCap) } : {}),
      },
    });
    // A run that failed is retried once; the next day's run finishes whatever a crash left.
    this.function.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.hours(6) });

    const prefixes = ['events', 'digests', 'compaction'] as const;
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'], resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}/*`) } },
    }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: prefixes.map((p) => bucket.arnForObjects(`${p}/*`)) }));
    // Writes: staging copies, digests, and merged objects by their own names only.
    const compacted = bucket.arnForObjects('events/tenant=*/dt=*/compacted-*.parquet');
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('compaction/*'), bucket.arnForObjects('digests/*'), compacted] }));
    // A merged object above one part is a multipart upload into the staging prefix; one that fails is aborted there.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: [bucket.arnForObjects('compaction/*')] }));
    // Deletes without a version id: delete markers in the versioned archive (Object Lock allows
    // them; the locked versions stay until their retention ends). No s3:DeleteObjectVersion, no
    // s3:BypassGovernanceRetention.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [bucket.arnForObjects('events/*'), bucket.arnForObjects('compaction/*')] }));
    if (props.objectLock) {
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObjectRetention'], resources: [bucket.arnForObjects('compaction/*')] }));
    }
    // The chain heads and commit records: the archiver's compare-and-set (a transaction of PutItems) and publishing (UpdateItem).
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [stateTable.tableArn] }));
    const region = Stack.of(this).region;
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } },
    }));
    acknowledge(this.function, 'The compactor reads, merges and deletes archive objects whose names are derived from stream records, and writes staging copies and digests named by content: the keys cannot be known in advance.',
      ...[...prefixes.map((p) => `${p}/*`), 'events/tenant=*/dt=*/compacted-*.parquet'].map((p) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucket.bucketName)}/${p}]`));

    // Daily at 04:30 UTC, after the verifier (03:30): a day is closed 27 h after it ended, so
    // each run compacts the day before yesterday (and any day a late event reopened).
    const role = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'authtrail: invoke the archive compactor' });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
    this.schedule = new scheduler.CfnSchedule(this, 'DailySchedule', {
      description: 'authtrail: compact the archive (one object per closed tenant-day)',
      scheduleExpression: 'cron(30 4 * * ? *)',
      flexibleTimeWindow: { mode: 'OFF' },
      target: { arn: this.function.functionArn, roleArn: role.roleArn, input: '{}', retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 } },
    });

    const period = Duration.days(2);
    this.alarm = new cloudwatch.Alarm(this, 'ArchiveCompactionAlarm', {
      alarmDescription: 'authtrail: archive compaction failed. Runbook: README, Archive compaction; the errors are in the compactor\'s log; run authtrail verify --outputs <file>, then authtrail compact --outputs <file> --tenant <t>',
      metric: this.function.metricErrors({ statistic: 'Sum', period }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
