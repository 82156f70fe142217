import { CfnOutput, CfnResource, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { ConfigError, withoutForward, type Config } from '../../lambdas/core/config.ts';
import { AuthTrailCollector } from '../constructs/collector.ts';
import { AuthTrailOperations } from '../constructs/operations.ts';
import { AuthTrailVerifier } from '../constructs/verifier.ts';
import { AuthTrailEraser, ERASER_FUNCTION_OUTPUT } from '../constructs/eraser.ts';
import { AuthTrailCompactor, COMPACTOR_FUNCTION_OUTPUT } from '../constructs/compactor.ts';
import { AuthTrailBackfill } from '../constructs/backfill.ts';
import { AuthTrailInvestigate } from '../constructs/investigate.ts';
import { AuthTrailConsole } from '../constructs/console.ts';
import { consoleEnabled } from '../../lambdas/core/console-config.ts';
import { TABLE_LAYOUT } from '../../lambdas/adapters/table-layout.ts';
import { AuthTrailForwarder, forwards } from '../constructs/forwarder.ts';
import { AuthTrailSecurityLake } from '../constructs/security-lake.ts';
import { BACKFILL_FUNCTION_OUTPUT } from '../../cli/backfill.ts';
import { DLQS, OUTPUT_KEYS, pollerOutputKey } from '../../cli/outputs.ts';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { acknowledge, nagResource } from '../nag.ts';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { archiveBucketName, deploymentNameOf, legacyTableArn, metricsService } from '../names.ts';
import type { AuthTrailStorage } from '../constructs/storage.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: Config;
  readonly storage: AuthTrailStorage;
}

/** CloudFormation's limit of resources per stack. */
const MAX_RESOURCES = 500;

/** Compute and wiring: safe to destroy and redeploy. */
export class StatelessStack extends Stack {
  public readonly collector: AuthTrailCollector;
  public readonly operations: AuthTrailOperations;
  /** The web console and its analysts' user pool (unless `console.enabled` is false). */
  public readonly console?: AuthTrailConsole;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { storage, config } = props;
    const deploymentName = deploymentNameOf(config);
    this.collector = new AuthTrailCollector(this, 'Collector', {
      config, deploymentName, table: storage.table, stateTable: storage.stateTable, key: storage.key, secretsKey: storage.secretsKey,
      privacyKeyArns: Object.fromEntries(Object.entries(storage.privacyKeys).map(([t, secret]) => [t, secret.secretArn])),
    });
    new CfnOutput(this, 'ApiUrl', { value: this.collector.api.apiEndpoint, description: 'Base URL of the webhook API' });
    for (const s of config.sources.filter((x) => x.auth)) {
      new CfnOutput(this, `WebhookUrl-${s.id}`, { value: this.collector.sourceUrl(s.id), description: `Paste into ${s.kind} as the webhook / event hook URL of source ${s.id}` });
    }
    for (const [id, secret] of Object.entries(this.collector.sourceSecrets)) {
      const [sourceId, field] = id.split('/');
      const what = field ? `The ${field} of pull source ${sourceId} (put the real value in: aws secretsmanager put-secret-value --secret-id ...)` : `The webhook secret of source ${sourceId} (aws secretsmanager get-secret-value --secret-id ...)`;
      new CfnOutput(this, `SecretArn-${id}`, { value: secret.secretArn, description: what });
    }
    new CfnOutput(this, 'AlertTopicArn', { value: this.collector.alertTopic.topicArn });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.collector.dashboard.dashboardName}`,
      description: 'The authtrail CloudWatch dashboard',
    });
    // The backfill bundles the tenants: without their forward destinations (and inline tokens).
    const backfill = new AuthTrailBackfill(this, 'Backfill', { config: withoutForward(config), deploymentName, table: storage.table, stateTable: storage.stateTable, key: storage.key, alertTopic: this.collector.alertTopic });
    const forwarder = forwards(config) ? new AuthTrailForwarder(this, 'Forwarder', { config, deploymentName, table: storage.table, key: storage.key, secretsKey: storage.secretsKey }) : undefined;
    for (const [key, secret] of Object.entries(forwarder?.tokenSecrets ?? {})) {
      new CfnOutput(this, `ForwardTokenSecretArn-${key.replace('/', '-')}`, { value: secret.secretArn, description: `The token of forward destination ${key} (put the real value in: aws secretsmanager put-secret-value --secret-id ...)` });
    }
    const compactor = new AuthTrailCompactor(this, 'Compactor', { stateTable: storage.stateTable, key: storage.key, tenants: config.tenants.map((t) => t.id), objectLock: config.retention.objectLock, archiveDays: config.retention.archiveDays, deploymentName });
    const eraser = new AuthTrailEraser(this, 'Eraser', {
      table: storage.table, stateTable: storage.stateTable, key: storage.key, secretsKey: storage.secretsKey, tenants: config.tenants.map((t) => t.id),
      privacyKeyArns: Object.fromEntries(Object.entries(storage.privacyKeys).map(([t, secret]) => [t, secret.secretArn])), objectLock: config.retention.objectLock, deploymentName,
    });
    this.operatorCommands(storage, deploymentName, config.upgrade?.legacyHotTable, { [BACKFILL_FUNCTION_OUTPUT]: backfill.function, [COMPACTOR_FUNCTION_OUTPUT]: compactor.function, [ERASER_FUNCTION_OUTPUT]: eraser.function, ...(forwarder ? { [DLQS.forwarder.fn]: forwarder.function } : {}) }, forwarder ? { [DLQS.forwarder.url]: forwarder.dlq } : {});
    // The investigation API on the collector's HTTP API, with one investigator policy per tenant.
    const investigate = new AuthTrailInvestigate(this, 'Investigate', { config, deploymentName, api: this.collector.api, table: storage.table, stateTable: storage.stateTable, key: storage.key });
    // The web console on the same API: its files, and its reads through the investigation function for the analysts of the user pool.
    if (consoleEnabled(config)) {
      this.console = new AuthTrailConsole(this, 'Console', { tenants: config.tenants, api: this.collector.api, investigateFunction: investigate.function, deploymentName, ...(config.console?.domainPrefix ? { domainPrefix: config.console.domainPrefix } : {}) });
    }
    const verifier = new AuthTrailVerifier(this, 'Verifier', { stateTable: storage.stateTable, key: storage.key, tenants: config.tenants.map((t) => t.id), archiveDays: config.retention.archiveDays, deploymentName });
    new CfnOutput(this, 'VerifierFunctionName', { value: verifier.function.functionName, description: 'The scheduled archive verifier (its log holds each finding)' });
    // The functions built beside the collector get their row on its dashboard.
    const service = metricsService(deploymentName);
    this.collector.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Archive verification: findings (daily runs)', width: 12,
        left: [new cloudwatch.Metric({ namespace: 'authtrail', metricName: 'ArchiveVerifyFindings', dimensionsMap: { service }, statistic: 'Maximum', period: Duration.days(1), label: 'findings' })],
        right: [new cloudwatch.Metric({ namespace: 'authtrail', metricName: 'ArchiveObjectsVerified', dimensionsMap: { service }, statistic: 'Sum', period: Duration.days(1), label: 'objects verified' })],
      }),
      ...(forwarder ? [new cloudwatch.GraphWidget({
        title: 'SIEM forwarding: stream lag and dead letters', width: 12,
        left: [forwarder.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5), label: 'lag (ms)' })],
        right: [forwarder.dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), label: 'DLQ messages' })],
      })] : []),
    );
    if (config.ocsf?.securityLake) {
      const lake = new AuthTrailSecurityLake(this, 'SecurityLake', { target: config.ocsf.securityLake, key: storage.key, tenants: config.tenants.map((t) => t.id), deploymentName });
      new CfnOutput(this, 'OcsfExporterFunctionName', { value: lake.function.functionName, description: 'The daily OCSF export to Amazon Security Lake (invoke with {"from","to"} to export an older period)' });
    }
    this.operations = new AuthTrailOperations(this, 'Operations', { operations: config.operations, alertTopic: this.collector.alertTopic, key: storage.key, alarmScope: this });
    // Each tenant brings its own intake and poller, each webhook source its routes: say so before CloudFormation does.
    const count = this.node.findAll().filter((c) => c instanceof CfnResource).length;
    if (count > MAX_RESOURCES) {
      throw new ConfigError(`${config.tenants.length} tenants with ${config.sources.length} sources need ${count} resources in the stateless stack, more than the ${MAX_RESOURCES} CloudFormation allows (each tenant adds about 10 for its webhook intake and poller, each webhook source 2 for its routes, each pull source its schedule); deploy fewer tenants per deployment (operations.deploymentName)`);
    }
  }

  /**
   * What the operator commands need (`verify`, `quarantine`, `quarantine replay`, `redrive`,
   * `poll`, `backfill`, `report` with `--outputs`): their names as outputs, and one managed policy
   * to attach to the on-call role. No delete outside the quarantine, no write to the archive's
   * events or digests (a backfill writes them through the backfill function's own role).
   */
  private operatorCommands(storage: AuthTrailStorage, deploymentName: string, legacyHotTable: string | undefined, more: Record<string, lambda.IFunction>, moreDlqs: Record<string, sqs.IQueue> = {}): void {
    const c = this.collector;
    // Each tenant's poller under its own key (`poll` and `redrive poller` pick the source's tenant's).
    const pollers = Object.fromEntries(Object.entries(c.tenantFunctions).flatMap(([tenant, f]) => (f.poller ? [[pollerOutputKey(tenant), f.poller]] : [])));
    const fns = { [OUTPUT_KEYS.eventBridgeFunction]: c.eventBridgeFunction, [OUTPUT_KEYS.archiverFunction]: c.archiverFunction, [OUTPUT_KEYS.detectorFunction]: c.detectorFunction, [OUTPUT_KEYS.feedHealthFunction]: c.feedHealthFunction, ...pollers, ...more };
    const dlqs = { [DLQS.archiver.url]: c.archiverDlq, [DLQS.detector.url]: c.detectorDlq, [DLQS.eventbridge.url]: c.eventBridgeDlq, [DLQS['feed-health'].url]: c.feedHealthDlq, ...(c.pollerDlq ? { [DLQS.poller.url]: c.pollerDlq } : {}), ...moreDlqs };
    for (const [key, fn] of Object.entries(fns)) new CfnOutput(this, key, { value: fn.functionName });
    for (const [key, q] of Object.entries(dlqs)) new CfnOutput(this, key, { value: q.queueUrl });
    // By name, as the collector does: the ARN then holds no cross-stack token (and cdk-nag can name it).
    const bucketName = archiveBucketName(deploymentName);
    const bucket = s3.Bucket.fromBucketName(this, 'ArchiveForOperators', bucketName);
    const policy = new iam.ManagedPolicy(this, 'OperatorCommandsPolicy', {
      description: 'authtrail: run the operator commands (verify, quarantine, replay, redrive, poll, backfill, compact, report, timeline) against this deployment',
      statements: [
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['events/*', 'digests/*', 'quarantine/*', 'compaction/*'] } } }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('events/*'), bucket.arnForObjects('digests/*'), bucket.arnForObjects('quarantine/*'), bucket.arnForObjects('compaction/*')] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [bucket.arnForObjects('quarantine/*')] }),
        // The access log: query, report, reveal and erase record each run (one new object); they never read or delete it.
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('access/*')], conditions: { StringEquals: { 's3:if-none-match': '*' } } }),
        new iam.PolicyStatement({ actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'], resources: [storage.table.tableArn] }),
        // While upgrading: replay's redelivery check reads the previous hot table too.
        ...(legacyHotTable ? [new iam.PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [legacyTableArn(this, legacyHotTable)] })] : []),
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [storage.stateTable.tableArn] }),
        // timeline --outputs: the table's day partitions and its user index.
        new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [storage.table.tableArn, ...TABLE_LAYOUT.indexes.map((i) => `${storage.table.tableArn}/index/${i.name}`)] }),
        new iam.PolicyStatement({ actions: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'], resources: [storage.table.tableStreamArn!] }),
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Object.values(fns).map((f) => f.functionArn) }),
        new iam.PolicyStatement({ actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'], resources: Object.values(dlqs).map((q) => q.queueArn) }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [storage.key.keyArn] }),
        // report: the retention and WORM settings in force.
        new iam.PolicyStatement({ actions: ['s3:GetLifecycleConfiguration', 's3:GetBucketObjectLockConfiguration'], resources: [bucket.bucketArn] }),
      ],
    });
    acknowledge(policy, 'The operator commands read every object under the archive prefixes they check (events/, digests/, quarantine/; replay deletes only under quarantine/): object names are not known in advance.',
      ...['events', 'digests', 'quarantine', 'compaction', 'access'].map((p) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucketName)}/${p}/*]`));
    new CfnOutput(this, 'OperatorCommandsPolicyArn', { value: policy.managedPolicyArn, description: 'Attach to the role that runs the authtrail operator commands' });
  }
}
