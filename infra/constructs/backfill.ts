/**
 * The backfill function (lambdas/handlers/backfill.ts), invoked by `authtrail backfill --outputs`
 * one tenant-day at a time: reads the hot table's time index and items, reads the archive and the
 * chain heads, writes archive objects, digests and alerts through the same exactly-once commit as
 * the archiver, and publishes re-detected alerts. Nothing invokes it on a schedule.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LEGACY_LAYOUT } from '../../lambdas/adapters/table-layout.ts';
import type { Config } from '../../lambdas/core/config.ts';
import { acknowledge, nagResource } from '../nag.ts';
import { archiveBucketName, legacyTableArn, metricsService } from '../names.ts';
import { authtrailFunction } from './lambda.ts';

export interface AuthTrailBackfillProps {
  readonly config: Config;
  readonly table: dynamodb.ITable;
  readonly stateTable: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly alertTopic: sns.ITopic;
  /** @default 'authtrail' */
  readonly deploymentName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** What a backfill reads and writes in the archive. */
const PREFIXES = ['events', 'digests', 'alerts'] as const;

export class AuthTrailBackfill extends Construct {
  public readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: AuthTrailBackfillProps) {
    super(scope, id);
    const key = kms.Key.fromKeyArn(this, 'Key', props.key.keyArn);
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName: archiveBucketName(props.deploymentName ?? 'authtrail'), encryptionKey: key });
    // The backfill knows the tenants and the detector's settings, nothing of the sources.
    const { tenants, alerts, retention, upgrade } = props.config;
    this.function = authtrailFunction(this, 'BackfillFunction', {
      handler: 'backfill',
      description: 'Re-archive a tenant-day from the hot table and re-run the detector (authtrail backfill)',
      // One tenant-day in memory: its events, the day before for the detector, and one segment's Parquet.
      memorySize: 2048,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      service: metricsService(props.deploymentName ?? 'authtrail'),
      environment: {
        AUTHTRAIL_TABLE: props.table.tableName,
        AUTHTRAIL_STATE_TABLE: props.stateTable.tableName,
        AUTHTRAIL_BUCKET: bucket.bucketName,
        AUTHTRAIL_KMS_KEY_ID: key.keyArn,
        AUTHTRAIL_TOPIC_ARN: props.alertTopic.topicArn,
      },
      define: { 'process.env.AUTHTRAIL_RUNTIME_CONFIG': JSON.stringify(JSON.stringify({ tenants: tenants.map(({ id, name }) => ({ id, name })), sources: [], alerts, retention, ...(upgrade ? { upgrade: upgrade } : {}) })) },
    });

    // A tenant's day: the table's own day partitions (`Query` on the base table, no index).
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [props.table.tableArn] }));
    if (upgrade) {
      // While upgrading: the previous table's time index and its items.
      const legacy = legacyTableArn(this, upgrade.legacyHotTable);
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${legacy}/index/${LEGACY_LAYOUT.timeIndex.name}`] }));
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [legacy] }));
    }
    // Chain heads and commit records, as the archiver (a commit is a TransactWriteItems of Puts).
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [props.stateTable.tableArn] }));
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': PREFIXES.map((p) => `${p}/*`) } },
    }));
    // Read and write under the three prefixes; never delete (an uncommitted object is overwritten by the next run).
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: PREFIXES.map((p) => bucket.arnForObjects(`${p}/*`)) }));
    const region = Stack.of(this).region;
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`, `sns.${region}.amazonaws.com`] } },
    }));
    props.alertTopic.grantPublish(this.function);
    acknowledge(this.function, 'CDK grants publishing to the KMS-encrypted alert topic with kms:GenerateDataKey* on its key.', 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]');
    acknowledge(this.function, 'A backfill lists, reads and writes archive objects, digests and alerts whose names derive from their content: the keys cannot be known in advance.',
      ...PREFIXES.map((p) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucket.bucketName)}/${p}/*]`));
  }
}
