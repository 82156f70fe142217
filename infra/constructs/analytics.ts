/**
 * What auditors query: the Glue database and tables over the archive (partition projection, no
 * crawlers); for the operator (the deploying firm's own security team) the all-tenant Athena
 * workgroup with enforced, encrypted results and a bytes-scanned cutoff, the shipped queries as
 * named queries and a managed policy reading every tenant's events and alerts; and for each tenant
 * the same again, limited to that tenant: its own workgroup and result prefix, the queries with
 * the tenant filled in, and a policy that reads only that tenant's prefixes.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARCHIVE_COLUMNS, GLUE_TYPES } from '../../lambdas/core/archive.ts';
import { renderNamedQuery } from '../../lambdas/core/named-queries.ts';
import { ConfigError } from '../../lambdas/core/config.ts';
import { loadNamedQueries } from '../queries.ts';
import { acknowledge, nagResource } from '../nag.ts';
import { archiveBucketName, glueDatabaseName, resultsBucketName, tenantWorkGroupName } from '../names.ts';
import { tenantOutputId } from '../../cli/outputs.ts';

/** The `alerts` table (CONTRACT §6), written by the detector under `alerts/`. */
export const ALERT_GLUE_COLUMNS: [string, string][] = [
  ['alert_id', 'string'], ['rule', 'string'], ['severity', 'string'], ['user', 'string'],
  ['first_event_time', 'timestamp'], ['last_event_time', 'timestamp'], ['count', 'bigint'], ['summary', 'string'], ['event_uids', 'array<string>'],
];

export { tenantWorkGroupName };
const workGroupArn = (name: string) => `arn:${Aws.PARTITION}:athena:${Aws.REGION}:${Aws.ACCOUNT_ID}:workgroup/${name}`;

export interface TenantAuditing {
  readonly workGroup: athena.CfnWorkGroup;
  readonly workGroupName: string;
  /** Attach to the tenant's auditors: this tenant's events/alerts and its own results only. */
  readonly policy: iam.ManagedPolicy;
  readonly namedQueries: athena.CfnNamedQuery[];
  /** The workgroup's result prefix in the results bucket. */
  readonly resultsPrefix: string;
}

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
  /** `access_log`: authtrail's own record of who read personal data (JSON objects under `access/`). */
  public readonly accessTable: glue.CfnTable;
  /** The operator's all-tenant workgroup (named after the deployment). */
  public readonly workGroup: athena.CfnWorkGroup;
  public readonly resultsBucket: s3.Bucket;
  /** The operator's all-tenant auditor policy: every tenant's events and alerts. */
  public readonly operatorPolicy: iam.ManagedPolicy;
  /** The operator workgroup's named queries (every tenant). */
  public readonly namedQueries: athena.CfnNamedQuery[] = [];
  /** Per tenant id: its workgroup, named queries and auditor policy. */
  public readonly tenants: Record<string, TenantAuditing> = {};

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

    const PARQUET = {
      classification: 'parquet',
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    };
    const JSON_LINES = {
      classification: 'json',
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      serde: 'org.openx.data.jsonserde.JsonSerDe',
    };
    const table = (id: string, tableName: string, prefix: string, columns: { name: string; type: string }[], description: string, format = PARQUET) => {
      const t = new glue.CfnTable(this, id, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: dbName,
        tableInput: {
          name: tableName,
          description,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: [{ name: 'tenant', type: 'string' }, { name: 'dt', type: 'string' }],
          parameters: {
            classification: format.classification,
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
            inputFormat: format.inputFormat,
            outputFormat: format.outputFormat,
            serdeInfo: { serializationLibrary: format.serde },
          },
        },
      });
      t.node.addDependency(this.database);
      return t;
    };
    this.eventsTable = table('EventsTable', 'events', 'events/', ARCHIVE_COLUMNS.map((c) => ({ name: c.name, type: GLUE_TYPES[c.type] })), 'Canonical AuthEvent rows (CONTRACT §4), one Parquet object per tenant, day and archiver batch');
    this.alertsTable = table('AlertsTable', 'alerts', 'alerts/', ALERT_GLUE_COLUMNS.map(([n, t]) => ({ name: n, type: t })), 'Alerts raised by the detector (CONTRACT §6)');
    this.accessTable = table('AccessLogTable', 'access_log', 'access/', ['access_id', 'time', 'who', 'action', 'what', 'reason', 'mode'].map((n) => ({ name: n, type: 'string' })),
      'authtrail\'s access log: every read of personal data through its surfaces (README, Privacy)', JSON_LINES);

    const cutoff = props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3;
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name,
      description: 'authtrail operator queries (every tenant): the deploying firm\'s own security team',
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${resultsName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });

    const archiveArn = `arn:${Aws.PARTITION}:s3:::${bucketName}`;
    const resultsArn = `arn:${Aws.PARTITION}:s3:::${resultsName}`;
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

    for (const q of loadNamedQueries())
      if (!q.params.some((p) => p.name === 'tenant')) throw new Error(`queries/${q.name}.sql takes no "tenant" parameter: a tenant's auditor could not run it (S3 denies other tenants' prefixes)`);

    this.operatorPolicy = new iam.ManagedPolicy(this, 'AuditorPolicy', {
      // The id and description predate per-tenant auditors and stay: changing either replaces the
      // managed policy, which fails while it is attached to the operator's roles.
      description: `authtrail auditors: run queries in the ${name} Athena workgroup; read the archive (events/, alerts/) and nothing else`,
      statements: auditorStatements({
        workGroupArn: workGroupArn(name), dbName, archiveArn, resultsArn, keyArn: props.key.keyArn,
        archivePrefixes: ['events/', 'alerts/', 'access/'], accessPrefix: 'access/', resultsPrefix: 'results/',
      }),
    });
    acknowledge(this.operatorPolicy, 'Object-level read of the archive\'s events/ and alerts/ prefixes and read/write of the workgroup\'s result prefix: object keys are not known in advance.',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucketName)}/events/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucketName)}/alerts/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucketName)}/access/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(resultsName)}/results/*]`);

    new CfnOutput(this, 'OperatorPolicyArnOutput', { key: 'OperatorPolicyArn', value: this.operatorPolicy.managedPolicyArn, description: `Attach to your own security team's role: Athena workgroup ${name}, every tenant's events and alerts` });
    new CfnOutput(this, 'OperatorWorkGroupOutput', { key: 'OperatorWorkGroup', value: name, description: 'The Athena workgroup of the operator (every tenant)' });

    const outputIds = new Map<string, string>();
    for (const tenant of props.tenants) {
      const outputId = tenantOutputId(tenant);
      const clash = outputIds.get(outputId);
      if (clash) throw new ConfigError(`tenants "${clash}" and "${tenant}" differ only in "-" or "_": their stack outputs (alphanumeric names) would collide; rename one`);
      outputIds.set(outputId, tenant);
      this.tenants[tenant] = this.tenantAuditing(tenant, { name, dbName, archiveArn, resultsArn, resultsName, bucketName, key: props.key, cutoff, outputId });
    }
  }

  /** One tenant's workgroup (own result prefix), its named queries and its auditor policy. */
  private tenantAuditing(tenant: string, o: { name: string; dbName: string; archiveArn: string; resultsArn: string; resultsName: string; bucketName: string; key: kms.IKey; cutoff: number; outputId: string }): TenantAuditing {
    const scope = new Construct(this, `Tenant-${tenant}`);
    const workGroupName = tenantWorkGroupName(o.name, tenant);
    const resultsPrefix = `tenant=${tenant}/`;
    const workGroup = new athena.CfnWorkGroup(scope, 'WorkGroup', {
      name: workGroupName,
      description: `authtrail auditor queries of tenant ${tenant} (results under ${resultsPrefix}; queries must filter on tenant = '${tenant}')`,
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        // Enforced: a tenant's auditor cannot send results anywhere but the tenant's own prefix.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: o.cutoff,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${o.resultsName}/${resultsPrefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: o.key.keyArn },
        },
      },
    });
    const namedQueries = loadNamedQueries().map((q) => {
      const nq = new athena.CfnNamedQuery(scope, `Query-${q.name}`, {
        name: q.name,
        description: `${q.question} (tenant ${tenant})`.slice(0, 1024),
        database: o.dbName,
        workGroup: workGroupName,
        // The tenant filled in: partition projection then reads only this tenant's prefix, the
        // only one its auditor may read.
        queryString: renderNamedQuery(q, { tenant }),
      });
      nq.node.addDependency(workGroup);
      return nq;
    });
    const policy = new iam.ManagedPolicy(scope, 'AuditorPolicy', {
      description: `authtrail auditors of tenant ${tenant}: queries in workgroup ${workGroupName}; reads of this tenant's events and alerts only`,
      statements: auditorStatements({
        workGroupArn: workGroupArn(workGroupName), dbName: o.dbName, archiveArn: o.archiveArn, resultsArn: o.resultsArn, keyArn: o.key.keyArn,
        archivePrefixes: [`events/tenant=${tenant}/`, `alerts/tenant=${tenant}/`, `access/tenant=${tenant}/`], accessPrefix: `access/tenant=${tenant}/`, resultsPrefix,
      }),
    });
    acknowledge(policy, 'Object-level read of this tenant\'s events/ and alerts/ prefixes and read/write of its workgroup\'s result prefix: object keys are not known in advance.',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(o.bucketName)}/events/tenant=${tenant}/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(o.bucketName)}/alerts/tenant=${tenant}/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(o.bucketName)}/access/tenant=${tenant}/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(o.resultsName)}/${resultsPrefix}*]`);
    new CfnOutput(scope, 'PolicyArnOutput', { key: `AuditorPolicyArn${o.outputId}`, value: policy.managedPolicyArn, description: `Attach to the auditors of tenant ${tenant}: Athena workgroup ${workGroupName}, this tenant's events and alerts only` });
    new CfnOutput(scope, 'WorkGroupOutput', { key: `AuditorWorkGroup${o.outputId}`, value: workGroupName, description: `The Athena workgroup of tenant ${tenant}'s auditors` });
    return { workGroup, workGroupName, policy, namedQueries, resultsPrefix };
  }
}

interface AuditorScope {
  readonly workGroupArn: string;
  readonly dbName: string;
  readonly archiveArn: string;
  readonly resultsArn: string;
  readonly keyArn: string;
  /** Archive prefixes the auditor reads, each ending in "/". */
  readonly archivePrefixes: readonly string[];
  /** Where its queries are recorded in the access log (`access/` or `access/tenant=<t>/`). */
  readonly accessPrefix: string;
  /** The workgroup's result prefix in the results bucket. */
  readonly resultsPrefix: string;
}

/**
 * What an auditor needs to query in one workgroup and read what its queries scan. The S3 prefixes
 * are the boundary; KMS is limited to decrypting through S3 for the two buckets (with S3 Bucket
 * Keys the encryption context is the bucket ARN, so KMS cannot narrow it to a prefix: S3 does).
 */
function auditorStatements(a: AuditorScope): iam.PolicyStatement[] {
  const glueArn = (r: string) => `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:${r}`;
  const viaS3 = `s3.${Aws.REGION}.amazonaws.com`;
  const objectContexts = (bucketArn: string, prefixes: readonly string[]) => [bucketArn, ...prefixes.map((p) => `${bucketArn}/${p}*`)];
  return [
    new iam.PolicyStatement({
      sid: 'RunQueriesInTheWorkgroup',
      actions: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
        'athena:ListQueryExecutions', 'athena:GetWorkGroup', 'athena:ListNamedQueries', 'athena:GetNamedQuery', 'athena:BatchGetNamedQuery', 'athena:BatchGetQueryExecution'],
      resources: [a.workGroupArn],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTheCatalog',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
      resources: [glueArn('catalog'), glueArn(`database/${a.dbName}`), glueArn(`table/${a.dbName}/events`), glueArn(`table/${a.dbName}/alerts`), glueArn(`table/${a.dbName}/access_log`)],
    }),
    new iam.PolicyStatement({ sid: 'ReadTheArchive', actions: ['s3:GetObject'], resources: a.archivePrefixes.map((p) => `${a.archiveArn}/${p}*`) }),
    new iam.PolicyStatement({
      sid: 'ListTheArchive', actions: ['s3:ListBucket'], resources: [a.archiveArn],
      conditions: { StringLike: { 's3:prefix': a.archivePrefixes.map((p) => `${p}*`) } },
    }),
    new iam.PolicyStatement({ sid: 'LocateBuckets', actions: ['s3:GetBucketLocation'], resources: [a.archiveArn, a.resultsArn] }),
    new iam.PolicyStatement({
      sid: 'QueryResults', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [`${a.resultsArn}/${a.resultsPrefix}*`],
    }),
    new iam.PolicyStatement({
      sid: 'ListQueryResults', actions: ['s3:ListBucket'], resources: [a.resultsArn],
      conditions: { StringLike: { 's3:prefix': [`${a.resultsPrefix}*`] } },
    }),
    new iam.PolicyStatement({
      sid: 'DecryptThroughS3', actions: ['kms:Decrypt'], resources: [a.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': viaS3 },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [...objectContexts(a.archiveArn, a.archivePrefixes), ...objectContexts(a.resultsArn, [a.resultsPrefix])] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'EncryptResultsThroughS3', actions: ['kms:GenerateDataKey'], resources: [a.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': viaS3 },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [...objectContexts(a.resultsArn, [a.resultsPrefix]), ...objectContexts(a.archiveArn, [a.accessPrefix])] },
      },
    }),
    // `query --outputs` records each run in the access log (README, Privacy): new records only —
    // a write that would replace an existing object is refused (If-None-Match), so an auditor adds
    // to the log and never alters it.
    new iam.PolicyStatement({
      sid: 'RecordQueriesInTheAccessLog', actions: ['s3:PutObject'], resources: [`${a.archiveArn}/${a.accessPrefix}*`],
      conditions: { StringEquals: { 's3:if-none-match': '*' } },
    }),
  ];
}
