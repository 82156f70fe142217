/**
 * The eraser (lambdas/handlers/eraser.ts), invoked only by `authtrail erase --outputs`: one data
 * subject's events out of one tenant's archive, alerts, hot table, detector state and pseudonym
 * vault (README, "Privacy"). Its role can do what the compactor does (read, rewrite and delete
 * archive objects by the compaction protocol, move the chain heads), plus rewrite and delete
 * objects under `alerts/`, read and delete quarantined bodies, scan and delete hot items, delete
 * detector state and vault entries, and read the pseudonymizing tenants' keys. No schedule invokes it.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, nagResource } from '../nag.ts';
import { archiveBucketName, metricsService } from '../names.ts';
import { authtrailFunction } from './lambda.ts';

export { ERASER_FUNCTION_OUTPUT } from '../../cli/erase.ts';

export interface AuthTrailEraserProps {
  readonly table: dynamodb.ITable;
  readonly stateTable: dynamodb.ITable;
  readonly key: kms.IKey;
  /** Encrypts the pseudonym key secrets. */
  readonly secretsKey: kms.IKey;
  readonly tenants: readonly string[];
  /** Per pseudonymizing tenant, its key secret's ARN. */
  readonly privacyKeyArns?: Readonly<Record<string, string>>;
  readonly objectLock?: 'governance' | 'compliance' | undefined;
  /** @default 'authtrail' */
  readonly deploymentName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

export class AuthTrailEraser extends Construct {
  public readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: AuthTrailEraserProps) {
    super(scope, id);
    const key = kms.Key.fromKeyArn(this, 'Key', props.key.keyArn);
    const table = dynamodb.Table.fromTableAttributes(this, 'HotTable', { tableArn: props.table.tableArn, encryptionKey: key });
    const stateTable = dynamodb.Table.fromTableAttributes(this, 'StateTable', { tableArn: props.stateTable.tableArn, encryptionKey: key });
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName: archiveBucketName(props.deploymentName ?? 'authtrail'), encryptionKey: key });
    const keyArns = props.privacyKeyArns ?? {};

    this.function = authtrailFunction(this, 'EraserFunction', {
      handler: 'eraser',
      description: 'Erase one data subject\'s events from a tenant (authtrail erase --outputs)',
      // It rewrites a day's objects by the compactor's streaming merge.
      memorySize: 10_240,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      service: metricsService(props.deploymentName ?? 'authtrail'),
      environment: {
        AUTHTRAIL_BUCKET: bucket.bucketName,
        AUTHTRAIL_TABLE: table.tableName,
        AUTHTRAIL_STATE_TABLE: stateTable.tableName,
        AUTHTRAIL_KMS_KEY_ID: key.keyArn,
        AUTHTRAIL_TENANTS: JSON.stringify(props.tenants),
        ...(Object.keys(keyArns).length ? { AUTHTRAIL_PRIVACY_KEYS: Stack.of(this).toJsonString(keyArns) } : {}),
        ...(props.objectLock ? { AUTHTRAIL_OBJECT_LOCK: props.objectLock } : {}),
      },
    });
    const fn = this.function;
    const prefixes = ['events', 'digests', 'compaction', 'alerts', 'quarantine'] as const;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}/*`) } } }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: prefixes.map((p) => bucket.arnForObjects(`${p}/*`)) }));
    // Writes as the compactor's (staging copies, digests, merged objects by their own names), and rewritten alert objects.
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('compaction/*'), bucket.arnForObjects('digests/*'), bucket.arnForObjects('events/tenant=*/dt=*/compacted-*.parquet'), bucket.arnForObjects('alerts/*')],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: [bucket.arnForObjects('compaction/*')] }));
    // Delete markers only (no version id, no governance bypass): under Object Lock the locked versions stay until their retention ends.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: ['events', 'compaction', 'alerts', 'quarantine'].map((p) => bucket.arnForObjects(`${p}/*`)) }));
    if (props.objectLock) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObjectRetention'], resources: [bucket.arnForObjects('compaction/*')] }));
    // The hot table: every item of the tenant read (a scan), the subject's deleted.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan', 'dynamodb:DeleteItem'], resources: [table.tableArn] }));
    // The chain heads and commit records, as the compactor; detector state and vault entries deleted.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [stateTable.tableArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['dynamodb:DeleteItem'], resources: [stateTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['detect#*', 'pn#*'] } },
    }));
    const region = Stack.of(this).region;
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } },
    }));
    const arns = Object.values(keyArns);
    if (arns.length) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: arns }));
      fn.addToRolePolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'], resources: [props.secretsKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': arns } },
      }));
    }
    acknowledge(fn, 'The eraser rewrites and deletes archive objects whose names derive from stream records and content, as the compactor does, and rewrites alert objects named by content: the keys cannot be known in advance.',
      ...[...prefixes.map((p) => `${p}/*`), 'events/tenant=*/dt=*/compacted-*.parquet'].map((p) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucket.bucketName)}/${p}]`));
  }
}
