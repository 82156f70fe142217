/**
 * The optional OCSF export to Amazon Security Lake (config `ocsf.securityLake`): a daily
 * exporter (lambdas/handlers/ocsf-exporter.ts) that reads the archive's `events/` and writes OCSF
 * 1.3.0 Parquet under the Security Lake bucket's `<prefix><source>/` prefixes only — and, unless
 * `register` is false, the registration of one custom source per exported class.
 *
 * CloudFormation has no resource for a Security Lake custom log source, so each is an
 * `AwsCustomResource` that calls `securitylake:CreateCustomLogSource` on create and
 * `DeleteCustomLogSource` on delete, with the Glue crawler role the API requires
 * (`configuration.crawlerConfiguration.roleArn`: the managed policy AWSGlueServiceRole plus read
 * and write of the source's prefix, as the API reference recommends) and this account as the
 * provider identity. Its policy holds the permissions the Security Lake documentation lists for
 * the caller (CreateCustomLogSource with `iam:PassRole` of the crawler role to Glue, and the
 * Glue, Lake Formation, IAM, S3 and KMS actions of its custom-source prerequisites).
 */
import { Aws, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { OCSF_CLASSES, type OcsfClass } from '../../lambdas/core/ocsf.ts';
import { SECURITY_LAKE_EVENT_CLASS } from '../../lambdas/core/ocsf-lake.ts';
import type { SecurityLakeTarget } from '../../lambdas/core/ocsf-config.ts';
import { acknowledge, nagResource } from '../nag.ts';
import { archiveBucketName, metricsService } from '../names.ts';
import { authtrailFunction } from './lambda.ts';

export interface AuthTrailSecurityLakeProps {
  /** `ocsf.securityLake` of the config. */
  readonly target: SecurityLakeTarget;
  /** The archive's data key. */
  readonly key: kms.IKey;
  /** Configured tenants: exported even before the archive lists them. */
  readonly tenants: readonly string[];
  /** @default 'authtrail' */
  readonly deploymentName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

const pascal = (s: string) => s.split(/[_-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

export class AuthTrailSecurityLake extends Construct {
  public readonly function: NodejsFunction;
  public readonly schedule: scheduler.CfnSchedule;
  /** The exporter failed, or has not run, for two days. */
  public readonly alarm: cloudwatch.Alarm;
  /** The Glue crawler role the registrations name (absent when `register` is false). */
  public readonly crawlerRole?: iam.Role;
  /** The custom source registrations by class (empty when `register` is false). */
  public readonly registrations: Partial<Record<OcsfClass, AwsCustomResource>> = {};

  constructor(scope: Construct, id: string, props: AuthTrailSecurityLakeProps) {
    super(scope, id);
    const t = props.target;
    const deploymentName = props.deploymentName ?? 'authtrail';
    const region = t.region ?? Stack.of(this).region;
    const accountId = t.accountId ?? Aws.ACCOUNT_ID;
    const sources = Object.fromEntries(Object.entries(t.sources).filter(([, s]) => s !== false)) as Partial<Record<OcsfClass, string>>;
    const classes = Object.keys(sources) as OcsfClass[];
    const lake = s3.Bucket.fromBucketName(this, 'LakeBucket', t.bucketName);
    const sourcePrefixes = classes.map((c) => `${t.prefix}${sources[c]}/*`);
    // By ARN and name, as the collector does: grants stay on this stack's role.
    const key = kms.Key.fromKeyArn(this, 'Key', props.key.keyArn);
    const archive = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName: archiveBucketName(deploymentName), encryptionKey: key });

    this.function = authtrailFunction(this, 'ExporterFunction', {
      handler: 'ocsf-exporter',
      description: 'Export the archive as OCSF 1.3.0 Parquet to Amazon Security Lake (daily)',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      service: metricsService(deploymentName),
      environment: {
        AUTHTRAIL_BUCKET: archive.bucketName,
        AUTHTRAIL_TENANTS: JSON.stringify(props.tenants),
        AUTHTRAIL_OCSF_TARGET: Stack.of(this).toJsonString({ bucket: t.bucketName, prefix: t.prefix, region, accountId, sources, lookbackDays: t.lookbackDays }),
      },
    });
    this.function.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.hours(6) });

    // The archive: list and read events/ only.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [archive.bucketArn], conditions: { StringLike: { 's3:prefix': ['events/*'] } } }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [archive.arnForObjects('events/*')] }));
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'], resources: [key.keyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    }));
    // The lake: write and HEAD the sources' prefixes only. Listing the bucket (names, no data) is
    // what makes S3 answer 404 rather than 403 to the HEAD of a day not exported yet; a prefix
    // condition cannot grant it (a HEAD carries no s3:prefix).
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: sourcePrefixes.map((p) => lake.arnForObjects(p)) }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [lake.bucketArn] }));
    if (t.kmsKeyArn) {
      this.function.addToRolePolicy(new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey'], resources: [t.kmsKeyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      }));
    }
    acknowledge(this.function, 'The exporter reads every archive object under events/ (names not known in advance) and writes one object per tenant-day under each Security Lake source prefix (GetObject there only reads back the metadata of its own objects).',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(archive.bucketName)}/events/*]`,
      ...sourcePrefixes.map((p) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${t.bucketName}/${p}]`));

    // Daily, after the archiver has closed yesterday's objects.
    const role = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'authtrail: invoke the OCSF exporter' });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
    this.schedule = new scheduler.CfnSchedule(this, 'DailySchedule', {
      description: `authtrail: export the last ${t.lookbackDays} days as OCSF to Amazon Security Lake`,
      scheduleExpression: 'cron(15 2 * * ? *)',
      flexibleTimeWindow: { mode: 'OFF' },
      target: { arn: this.function.functionArn, roleArn: role.roleArn, input: '{}', retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 } },
    });
    const period = Duration.days(2);
    this.alarm = new cloudwatch.Alarm(this, 'OcsfExportAlarm', {
      alarmDescription: 'authtrail: the OCSF export to Security Lake failed or has not run for 2 days. Runbook: README, Export to OCSF; the errors are in the exporter\'s log',
      metric: new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, errors, 1)',
        usingMetrics: { errors: this.function.metricErrors({ statistic: 'Sum', period }), invocations: this.function.metricInvocations({ statistic: 'Sum', period }) },
        label: 'failed runs (1 when none ran)', period,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    if (!t.register) return;
    // The role Security Lake's Glue crawler runs as, over the sources' prefixes.
    this.crawlerRole = new iam.Role(this, 'CrawlerRole', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: 'authtrail: the Glue crawler of the Security Lake custom sources',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSGlueServiceRole')],
    });
    this.crawlerRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: sourcePrefixes.map((p) => lake.arnForObjects(p)) }));
    if (t.kmsKeyArn) this.crawlerRole.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [t.kmsKeyArn] }));
    acknowledge(this.crawlerRole, 'AWSGlueServiceRole is the policy the Security Lake API reference recommends for the custom source crawler role.', 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSGlueServiceRole]');
    acknowledge(this.crawlerRole, 'The crawler reads the objects under each source prefix (names not known in advance).',
      ...sourcePrefixes.map((p) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${t.bucketName}/${p}]`));

    const dataLake = `arn:${Aws.PARTITION}:securitylake:${region}:${Aws.ACCOUNT_ID}:data-lake/default`;
    const externalId = t.externalId ?? `authtrail-${deploymentName}`;
    for (const c of classes) {
      const name = sources[c]!;
      const eventClass = SECURITY_LAKE_EVENT_CLASS[c];
      const providerRole = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/AmazonSecurityLake-Provider-${name}-${region}`;
      const statements = [
        new iam.PolicyStatement({ actions: ['securitylake:CreateCustomLogSource', 'securitylake:DeleteCustomLogSource'], resources: [dataLake] }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.crawlerRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } } }),
        // The custom-source prerequisites of the Security Lake user guide: Security Lake creates
        // the Glue database, table and crawler, registers the location with Lake Formation and
        // creates the source's provider role as the caller.
        new iam.PolicyStatement({ actions: ['glue:CreateCrawler', 'glue:CreateDatabase', 'glue:CreateTable', 'glue:StopCrawlerSchedule', 'lakeformation:RegisterResource', 'lakeformation:GrantPermissions'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['iam:GetRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'], resources: [providerRole] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [lake.bucketArn] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [lake.arnForObjects(`${t.prefix}${name}/*`)] }),
        ...(t.kmsKeyArn ? [new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:GenerateDataKey'], resources: [t.kmsKeyArn] })] : []),
      ];
      const source = new AwsCustomResource(this, `Source${pascal(c)}-${name}`, {
        resourceType: 'Custom::SecurityLakeCustomLogSource',
        installLatestAwsSdk: false,
        onCreate: {
          service: 'SecurityLake', action: 'CreateCustomLogSource', region,
          parameters: {
            sourceName: name,
            ...(eventClass ? { eventClasses: [eventClass] } : {}),
            configuration: { crawlerConfiguration: { roleArn: this.crawlerRole.roleArn }, providerIdentity: { principal: Aws.ACCOUNT_ID, externalId } },
          },
          physicalResourceId: PhysicalResourceId.of(name),
          outputPaths: ['source.provider.location', 'source.provider.roleArn'],
        },
        onDelete: { service: 'SecurityLake', action: 'DeleteCustomLogSource', region, parameters: { sourceName: name } },
        policy: AwsCustomResourcePolicy.fromStatements(statements),
      });
      acknowledge(source, 'The Security Lake custom-source prerequisites: Glue and Lake Formation take no resource-level permissions for these calls; PutObject covers the objects Security Lake creates under the source\'s own prefix.',
        'AwsSolutions-IAM5[Resource::*]', `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${t.bucketName}/${t.prefix}${name}/*]`);
      // The crawler role must carry its policy before Security Lake hands it to Glue.
      source.node.addDependency(this.crawlerRole);
      this.registrations[c] = source;
      const out = new CfnOutput(this, `Registration${pascal(c)}`, {
        value: Stack.of(this).toJsonString({ source: name, class: OCSF_CLASSES[c].uid, location: source.getResponseField('source.provider.location'), providerRoleArn: source.getResponseField('source.provider.roleArn') }),
        description: `Security Lake custom source ${name} (${OCSF_CLASSES[c].name} ${OCSF_CLASSES[c].uid}): its location and provider role`,
      });
      out.overrideLogicalId(`SecurityLakeSource${pascal(c)}`);
    }
    // The one function behind every AwsCustomResource of the stack.
    const provider = Stack.of(this).node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (provider) acknowledge(provider, 'AWSLambdaBasicExecutionRole only allows writing logs.', 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]');
  }
}
