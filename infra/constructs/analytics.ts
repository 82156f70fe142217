/**
 * What auditors query: the Glue database and tables over the archive (partition projection, no
 * crawlers), the Athena workgroup with enforced, encrypted results and a bytes-scanned cutoff,
 * the shipped queries as named queries, and a managed policy that can run queries in that
 * workgroup and read only the archive.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARCHIVE_COLUMNS, GLUE_TYPES } from '../../lambdas/core/archive.ts';
import { renderNamedQuery } from '../../lambdas/core/named-queries.ts';
import { loadNamedQueries } from '../queries.ts';
import { acknowledge, nagResource } from '../nag.ts';
import { archiveBucketName, glueDatabaseName, resultsBucketName } from '../names.ts';

/** The `alerts` table (CONTRACT §6), written by the detector under `alerts/`. */
export const ALERT_GLUE_COLUMNS: [string, string][] = [
  ['alert_id', 'string'], ['rule', 'string'], ['severity', 'string'], ['user', 'string'],
  ['first_event_time', 'timestamp'], ['last_event_time', 'timestamp'], ['count', 'bigint'], ['summary', 'string'], ['event_uids', 'array<string>'],
];

export interface AuthTrailAnalyticsProps {
  readonly deploymentName: string;
  readonly tenants: readonly string[];
  readonly accessLogsBucket: s3.IBucket;
  readonly key: kms.IKey;
  /**
   * Athena cancels a query that would scan more than this.
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /** @default 30 */
  readonly resultRetentionDays?: number;
  readonly removalPolicy: RemovalPolicy;
}

export class AuthTrailAnalytics extends Construct {
  public readonly database: glue.CfnDatabase;
  public readonly eventsTable: glue.CfnTable;
  public readonly alertsTable: glue.CfnTable;
  public readonly workGroup: athena.CfnWorkGroup;
  public readonly resultsBucket: s3.Bucket;
  public readonly auditorPolicy: iam.ManagedPolicy;
  public readonly namedQueries: athena.CfnNamedQuery[] = [];

  constructor(scope: Construct, id: string, props: AuthTrailAnalyticsProps) {
    super(scope, id);
    const name = props.deploymentName;
    const dbName = glueDatabaseName(name);
    const bucketName = archiveBucketName(name);
    const resultsName = resultsBucketName(name);

    this.resultsBucket = new s3.Bucket(this, 'Results', {
      bucketName: resultsName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [{ id: 'expire-results', expiration: Duration.days(props.resultRetentionDays ?? 30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: props.removalPolicy,
    });

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: dbName, description: 'authtrail: MFA and sign-in audit events' },
    });

    const table = (id: string, tableName: string, prefix: string, columns: { name: string; type: string }[], description: string) => {
      const t = new glue.CfnTable(this, id, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: dbName,
        tableInput: {
          name: tableName,
          description,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: [{ name: 'tenant', type: 'string' }, { name: 'dt', type: 'string' }],
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'projection.enabled': 'true',
            // Tenants are the configured ones: a query cannot wander into a prefix no tenant owns.
            'projection.tenant.type': 'enum',
            'projection.tenant.values': props.tenants.join(','),
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': '2020-01-01,NOW',
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'storage.location.template': `s3://${bucketName}/${prefix}tenant=\${tenant}/dt=\${dt}/`,
          },
          storageDescriptor: {
            location: `s3://${bucketName}/${prefix}`,
            columns,
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          },
        },
      });
      t.node.addDependency(this.database);
      return t;
    };
    this.eventsTable = table('EventsTable', 'events', 'events/', ARCHIVE_COLUMNS.map((c) => ({ name: c.name, type: GLUE_TYPES[c.type] })), 'Canonical AuthEvent rows (CONTRACT §4), one Parquet object per tenant, day and archiver batch');
    this.alertsTable = table('AlertsTable', 'alerts', 'alerts/', ALERT_GLUE_COLUMNS.map(([n, t]) => ({ name: n, type: t })), 'Alerts raised by the detector (CONTRACT §6)');

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name,
      description: 'authtrail auditor queries',
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${resultsName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });

    for (const q of loadNamedQueries()) {
      const nq = new athena.CfnNamedQuery(this, `Query-${q.name}`, {
        name: q.name,
        description: q.question.slice(0, 1024),
        database: dbName,
        workGroup: name,
        // Installed with the defaults filled in (the whole archive); edit the dates in the console.
        queryString: renderNamedQuery(q),
      });
      nq.node.addDependency(this.workGroup);
      this.namedQueries.push(nq);
    }

    const archiveArn = `arn:${Aws.PARTITION}:s3:::${bucketName}`;
    const resultsArn = `arn:${Aws.PARTITION}:s3:::${resultsName}`;
    const workGroupArn = `arn:${Aws.PARTITION}:athena:${Aws.REGION}:${Aws.ACCOUNT_ID}:workgroup/${name}`;
    this.auditorPolicy = new iam.ManagedPolicy(this, 'AuditorPolicy', {
      description: 'authtrail auditors: run queries in the authtrail Athena workgroup; read the archive (events/, alerts/) and nothing else',
      statements: [
        new iam.PolicyStatement({
          sid: 'RunQueriesInTheWorkgroup',
          actions: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
            'athena:ListQueryExecutions', 'athena:GetWorkGroup', 'athena:ListNamedQueries', 'athena:GetNamedQuery', 'athena:BatchGetNamedQuery', 'athena:BatchGetQueryExecution'],
          resources: [workGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheCatalog',
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
          resources: [
            `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:catalog`,
            `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:database/${dbName}`,
            `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/${dbName}/events`,
            `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/${dbName}/alerts`,
          ],
        }),
        new iam.PolicyStatement({ sid: 'ReadTheArchive', actions: ['s3:GetObject'], resources: [`${archiveArn}/events/*`, `${archiveArn}/alerts/*`] }),
        new iam.PolicyStatement({
          sid: 'ListTheArchive', actions: ['s3:ListBucket'], resources: [archiveArn],
          conditions: { StringLike: { 's3:prefix': ['events/*', 'alerts/*', 'events/', 'alerts/'] } },
        }),
        new iam.PolicyStatement({ sid: 'LocateBuckets', actions: ['s3:GetBucketLocation'], resources: [archiveArn, resultsArn] }),
        new iam.PolicyStatement({
          sid: 'QueryResults', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListBucket', 's3:ListMultipartUploadParts'],
          resources: [resultsArn, `${resultsArn}/results/*`],
        }),
        new iam.PolicyStatement({ sid: 'DecryptArchiveEncryptResults', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.key.keyArn] }),
      ],
    });
    acknowledge(this.auditorPolicy, 'Object-level read of the archive\'s events/ and alerts/ prefixes and read/write of the workgroup\'s result prefix: object keys are not known in advance.',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucketName)}/events/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucketName)}/alerts/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(resultsName)}/results/*]`);
  }
}
