/**
 * The stateless half of authtrail: the webhook API, the EventBridge intake, the alert topic and
 * the dead-letter queues. It can be destroyed and redeployed at will; the data lives in
 * `AuthTrailStorage`.
 */
import { Annotations, Duration, Names, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, nagResource } from '../nag.ts';
import { authtrailFunction } from './lambda.ts';
import { archiveBucketName, dashboardNamePrefix, DEFAULT_DEPLOYMENT_NAME, legacyTableArn, metricsService, secretNamePrefix } from '../names.ts';
import { tenantOutputId } from '../../cli/outputs.ts';
import { ConfigError, hasInlineSecret, inlinePullCredentials, parseConfig, runtimeConfig, type Config, type Source } from '../../lambdas/core/config.ts';
import { PULL_CREDENTIALS, pullerFor } from '../../lambdas/sources/pullers.ts';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { eventSourcePrefixes, FILTERED_EVENT_SOURCES } from '../../lambdas/core/eventbridge.ts';
import { RULE_NAMES } from '../../lambdas/core/detect/settings.ts';


/** Sources that deliver by webhook (the `auth` of push sources) and sources that are polled. */
const isWebhook = (s: Source) => s.auth !== undefined;
const isPull = (s: Source) => s.pull !== undefined && pullerFor(s.kind) !== undefined;

/**
 * The part of the deployed config one intake or poller is bundled with: one tenant and those of
 * its sources that `serves` picks, so that a function holds the names of no other tenant's
 * secrets (and its role may read none of them). `tenant` null gives the catch-all intake's: every
 * tenant and only the sources that take no webhook, reduced to id, tenant and kind, so that it
 * answers exactly as one intake for all would (404 `unknown_source` for an unknown id, 401 for a
 * source that takes no webhook) while holding nothing to authenticate with. Parsed here, at
 * synth, so a subset can never fail at cold start.
 */
export function servedConfig(deployed: Config, tenant: string | null, serves: (s: Source) => boolean): Config {
  const sources = tenant === null
    ? deployed.sources.filter((s) => !isWebhook(s)).map(({ id, tenant: t, kind }) => ({ id, tenant: t, kind }))
    : deployed.sources.filter((s) => s.tenant === tenant && serves(s));
  const ids = new Set(sources.map((s) => s.id));
  const tenants = tenant === null ? deployed.tenants : deployed.tenants.filter((t) => t.id === tenant);
  // Rule settings that name sources or tenants the subset leaves out would not validate.
  const rules = <R extends { feed_silence?: { sources?: Record<string, unknown> } } | undefined>(r: R): R =>
    r?.feed_silence?.sources ? { ...r, feed_silence: { ...r.feed_silence, sources: Object.fromEntries(Object.entries(r.feed_silence.sources).filter(([id]) => ids.has(id))) } } : r;
  const alerts = {
    ...deployed.alerts,
    rules: rules(deployed.alerts.rules),
    tenants: Object.fromEntries(Object.entries(deployed.alerts.tenants).filter(([t]) => tenants.some((x) => x.id === t)).map(([t, v]) => [t, { ...v, rules: rules(v.rules) }])),
  };
  // `operations` is the CDK app's (alarms, subscriptions, names): no handler reads it.
  const { operations: _operations, ...rest } = deployed;
  return parseConfig({ ...rest, tenants, sources, alerts }, `the runtime config of ${tenant === null ? 'the catch-all intake' : `tenant ${tenant}`}`);
}

export interface AuthTrailCollectorProps {
  /** The validated `authtrail.config.json`. */
  readonly config: Config;
  readonly table: dynamodb.ITable;
  readonly stateTable: dynamodb.ITable;
  readonly key: kms.IKey;
  /** Encrypts the generated Secrets Manager secrets (`AuthTrailStorage#secretsKey`). */
  readonly secretsKey: kms.IKey;
  /**
   * Per pseudonymizing tenant, the ARN of its pseudonym key secret (`AuthTrailStorage#privacyKeys`).
   * @default none
   */
  readonly privacyKeyArns?: Readonly<Record<string, string>>;
  /**
   * The deployment name the storage was created with (it names the archive bucket, the secrets,
   * the dashboard and the metrics' `service` dimension).
   * Pass the same as to `AuthTrailStorage` (`deploymentNameOf(config)` in the bundled app).
   * @default 'authtrail'
   */
  readonly deploymentName?: string;
  /**
   * Steady-state request rate the webhook API accepts before answering 429.
   * @default 200
   */
  readonly throttleRateLimit?: number;
  /** @default 400 */
  readonly throttleBurstLimit?: number;
  /**
   * Retention of the Lambda and API access log groups.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The functions that serve one tenant, each holding and reading only that tenant's secrets. */
export interface TenantFunctions {
  /** The webhook intake of the tenant's push sources (present when it has one). */
  readonly intake?: NodejsFunction;
  /** The poller of the tenant's pull sources (present when it has one). */
  readonly poller?: NodejsFunction;
}

/** A Lambda proxy integration (payload 2.0) whose invoke permission is granted once per function. */
class IntakeIntegration extends apigw.HttpRouteIntegration {
  constructor(id: string, private readonly fn: lambda.IFunction) {
    super(id);
  }

  bind(): apigw.HttpRouteIntegrationConfig {
    return { type: apigw.HttpIntegrationType.AWS_PROXY, uri: this.fn.functionArn, payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 };
  }
}

export class AuthTrailCollector extends Construct {
  public readonly api: apigw.HttpApi;
  /**
   * The catch-all of the webhook API: `GET /v1/health` and any `/v1/ingest/{sourceId}` no
   * source's own route takes (404 `unknown_source`). It holds no secret and may read none.
   */
  public readonly ingestFunction: NodejsFunction;
  /** Per tenant id: its webhook intake and poller. */
  public readonly tenantFunctions: Record<string, TenantFunctions> = {};
  public readonly eventBridgeFunction: NodejsFunction;
  public readonly alertTopic: sns.Topic;
  public readonly eventBridgeDlq: sqs.Queue;
  public readonly archiverFunction: NodejsFunction;
  public readonly detectorFunction: NodejsFunction;
  public readonly detectorDlq: sqs.Queue;
  /** Checks every five minutes that each source that delivered keeps delivering. */
  public readonly feedHealthFunction: NodejsFunction;
  public readonly feedHealthDlq: sqs.Queue;
  /** Events per source, MFA failures and denials, alerts per rule, intake health. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** Present when the config has pull sources: the dead-letter queue of every tenant's poller. */
  public readonly pollerDlq?: sqs.Queue;
  public readonly archiverDlq: sqs.Queue;
  public readonly rules: events.Rule[] = [];
  /** Secrets Manager secrets generated for sources whose config holds an inline secret. */
  public readonly sourceSecrets: Record<string, secretsmanager.ISecret> = {};

  private readonly logRetention: logs.RetentionDays;
  private readonly key: kms.IKey;
  private readonly table: dynamodb.ITable;
  private readonly stateTable: dynamodb.ITable;
  private readonly archiveBucket: s3.IBucket;
  private readonly service: string;

  constructor(scope: Construct, id: string, props: AuthTrailCollectorProps) {
    super(scope, id);
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const { config } = props;
    const deploymentName = props.deploymentName ?? DEFAULT_DEPLOYMENT_NAME;
    this.service = metricsService(deploymentName);
    // Referenced by attributes, so that grants land on this stack's roles only and never edit the
    // stateful stack's key or bucket policy (which would tie the two stacks in a cycle).
    const key = (this.key = kms.Key.fromKeyArn(this, 'Key', props.key.keyArn));
    const secretsKey = kms.Key.fromKeyArn(this, 'SecretsKey', props.secretsKey.keyArn);
    this.table = dynamodb.Table.fromTableAttributes(this, 'HotTable', {
      tableArn: props.table.tableArn, tableStreamArn: props.table.tableStreamArn, encryptionKey: key,
    });
    this.stateTable = dynamodb.Table.fromTableAttributes(this, 'StateTable', { tableArn: props.stateTable.tableArn, encryptionKey: key });
    this.archiveBucket = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName: archiveBucketName(deploymentName), encryptionKey: key });

    const secretPrefix = `${secretNamePrefix(deploymentName)}${Names.uniqueResourceName(this, { maxLength: 40 })}/source/`;
    const secretName = (sourceId: string, field?: string) => `${secretPrefix}${sourceId}${field ? `/${field}` : ''}`;
    const pullCredentials = (kind: Config['sources'][number]['kind']) => PULL_CREDENTIALS[kind] ?? [];
    for (const source of config.sources.filter(hasInlineSecret)) {
      // A secret written in authtrail.config.json must not reach the template: in AWS a fresh
      // one is generated; the operator reads it from Secrets Manager and pastes it into the IdP.
      const secret = new secretsmanager.Secret(this, `SourceSecret-${source.id}`, {
        secretName: secretName(source.id),
        description: `authtrail webhook secret of source ${source.id}`,
        encryptionKey: secretsKey,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
      acknowledge(secret, 'A webhook secret is pasted into the identity provider by hand; automatic rotation would break delivery. Rotate with the README procedure.', 'AwsSolutions-SMG4');
      this.sourceSecrets[source.id] = secret;
      Annotations.of(secret).addInfo(`source ${source.id}: the inline secret of authtrail.config.json is not deployed; read the generated one from Secrets Manager (${secretName(source.id)})`);
    }
    for (const source of config.sources) {
      for (const field of inlinePullCredentials(source, pullCredentials)) {
        // A vendor credential cannot be generated: the secret starts with a random placeholder
        // that the operator replaces with the real value (the README says how).
        const secret = new secretsmanager.Secret(this, `PullSecret-${source.id}-${field}`, {
          secretName: secretName(source.id, field),
          description: `authtrail: ${source.kind} ${field} of pull source ${source.id} (put the real value here)`,
          encryptionKey: secretsKey,
        });
        acknowledge(secret, 'A vendor API credential is issued by the vendor and rotated there; authtrail cannot rotate it.', 'AwsSolutions-SMG4');
        this.sourceSecrets[`${source.id}/${field}`] = secret;
        Annotations.of(secret).addWarningV2('authtrail:pull-credential', `source ${source.id}: put the ${source.kind} ${field} into Secrets Manager secret ${secretName(source.id, field)} after deploying; the inline value is not deployed`);
      }
    }
    const deployed = runtimeConfig(config, secretName, pullCredentials);

    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'authtrail alerts',
      masterKey: key,
      enforceSSL: true,
    });

    // The webhook intake: one function per tenant with webhook sources, bundled with that tenant's
    // sources only; the catch-all keeps the id of the single intake it replaces (see README, Upgrade).
    this.ingestFunction = this.handler('IngestFunction', 'http-ingest', servedConfig(deployed, null, isWebhook), 'Webhook API: health, and sources without a route of their own (no secrets)');
    this.addTenantFunctions(config, deployed);
    const intakes = Object.values(this.tenantFunctions).flatMap((f) => (f.intake ? [f.intake] : []));
    const pollFns = Object.values(this.tenantFunctions).flatMap((f) => (f.poller ? [f.poller] : []));
    this.eventBridgeFunction = this.handler('EventBridgeFunction', 'eventbridge-ingest', deployed, 'EventBridge intake: route, normalize, store');

    this.eventBridgeDlq = this.queue('EventBridgeDlq');
    this.eventBridgeFunction.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6) });

    // Pollers: one function per tenant, one schedule per pull source (EventBridge Scheduler) that
    // invokes its tenant's poller.
    const pullSources = config.sources.filter(isPull);
    if (pullSources.length) {
      this.pollerDlq = this.queue('PollerDlq');
      const role = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'authtrail: invoke the pollers' });
      // Exactly what Scheduler does: invoke the unqualified function, send failures to the DLQ.
      role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: pollFns.map((f) => f.functionArn) }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.pollerDlq.queueArn] }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }));
      for (const src of pullSources) {
        const minutes = Math.max(1, Math.round(Number(src.pull!['intervalSeconds'] ?? 60) / 60));
        new scheduler.CfnSchedule(this, `Schedule-${src.id}`, {
          description: `authtrail: poll ${src.kind} source ${src.id}`,
          scheduleExpression: `rate(${minutes} minute${minutes === 1 ? '' : 's'})`,
          flexibleTimeWindow: { mode: 'OFF' },
          target: {
            arn: this.tenantFunctions[src.tenant]!.poller!.functionArn,
            roleArn: role.roleArn,
            input: JSON.stringify({ sourceId: src.id }),
            retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
            deadLetterConfig: { arn: this.pollerDlq.queueArn },
          },
        });
      }
      this.dlqAlarm('PollerDlqAlarm', this.pollerDlq, 'scheduled polls failed after their retries; the feed may be falling behind. Runbook: README, Operations; then authtrail poll <source> / authtrail redrive poller --outputs <file>');
    }

    // The catch-all stores nothing: no table, key or bucket access.
    for (const fn of [...intakes, this.eventBridgeFunction, ...pollFns]) {
      // Batched existence checks and conditional puts only (hot-store.ts): no Scan, Query, Delete or Update.
      this.table.grant(fn, 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:DescribeTable');
      key.grantEncryptDecrypt(fn);
      // While upgrading from the previous layout: its table answers the redelivery check (reads only).
      if (config.upgrade) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [legacyTableArn(this, config.upgrade.legacyHotTable)] }));
    }
    // Quarantine writes: a tenant's functions under its own prefix only; the EventBridge intake
    // routes every tenant's events (and `_unrouted` ones) and writes under any.
    this.archiveBucket.grantPut(this.eventBridgeFunction, 'quarantine/*');
    for (const [tenant, f] of Object.entries(this.tenantFunctions)) {
      for (const fn of [f.intake, f.poller]) {
        if (!fn) continue;
        this.archiveBucket.grantPut(fn, `quarantine/tenant=${tenant}/*`);
        acknowledge(fn, 'Quarantine objects of this tenant get unique names under its quarantine prefix: the key cannot be known in advance.',
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(this.archiveBucket.bucketName)}/quarantine/tenant=${tenant}/*]`);
      }
    }
    // Secrets: a tenant's webhook intake reads the webhook secrets (the `auth`) of that tenant's
    // push sources, its poller the vendor credentials (the `pull`) of its pull sources; the
    // catch-all and the EventBridge intake read none.
    for (const [tenant, f] of Object.entries(this.tenantFunctions)) {
      const own = config.sources.filter((src) => src.tenant === tenant);
      if (f.intake) this.grantSecrets(f.intake, own.filter(isWebhook), 'auth', secretsKey);
      if (f.poller) this.grantSecrets(f.poller, own.filter(isPull), 'pull', secretsKey);
    }

    this.grantPrivacyKeys(props.privacyKeyArns ?? {}, secretsKey);

    // The HTTP API: each webhook source has its own routes to its tenant's intake; the catch-all
    // takes health and every other source id (HTTP APIs pick the most specific route, so a source's
    // own route wins). Per-source auth happens in the handler because identity providers can send
    // only a static header or an HMAC, not SigV4 or a JWT.
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: this.logRetention });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'authtrail webhook intake',
      createDefaultStage: true,
    });
    const integration = new HttpLambdaIntegration('Ingest', this.ingestFunction, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 });
    const webhookRoutes = [
      ...this.api.addRoutes({ path: '/v1/ingest/{sourceId}', methods: [apigw.HttpMethod.POST, apigw.HttpMethod.GET], integration }),
      ...this.api.addRoutes({ path: '/v1/health', methods: [apigw.HttpMethod.GET], integration }),
    ];
    for (const [tenant, f] of Object.entries(this.tenantFunctions)) {
      if (!f.intake) continue;
      const own = new IntakeIntegration(`Ingest-${tenant}`, f.intake);
      for (const src of config.sources.filter((x) => x.tenant === tenant && isWebhook(x)))
        webhookRoutes.push(...this.api.addRoutes({ path: `/v1/ingest/${src.id}`, methods: [apigw.HttpMethod.POST, apigw.HttpMethod.GET], integration: own }));
      // One invoke permission per intake, not one per route (HttpLambdaIntegration's), so that a
      // tenant's sources cost the stack two routes each. Only this API, on ingest paths; which
      // paths reach this function is the routes' choice.
      f.intake.addPermission('ApiInvoke', {
        principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId, resourceName: '*/*/v1/ingest/*' }),
      });
    }
    const stage = this.api.defaultStage!.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      // Request metadata only: no bodies, no auth headers.
      format: JSON.stringify({
        requestId: '$context.requestId', ip: '$context.identity.sourceIp', time: '$context.requestTime',
        method: '$context.httpMethod', path: '$context.path', status: '$context.status',
        length: '$context.responseLength', latency: '$context.integrationLatency', error: '$context.integrationErrorMessage',
      }),
    };
    stage.defaultRouteSettings = {
      throttlingRateLimit: props.throttleRateLimit ?? 200,
      throttlingBurstLimit: props.throttleBurstLimit ?? 400,
    };
    // On the webhook routes only, so that any other route added later must bring its own authorizer or reason.
    for (const r of webhookRoutes) acknowledge(r, 'Identity providers authenticate per source with a shared secret, HMAC signature or channel token, verified in constant time by the ingest Lambda; they cannot sign with SigV4 or present a JWT.', 'AwsSolutions-APIG4');

    // EventBridge intake: one rule per source that streams through EventBridge, on its bus.
    for (const source of config.sources.filter((s) => s.eventbridge)) {
      const prefixes = eventSourcePrefixes(source);
      if (!prefixes.length) throw new Error(`source ${source.id}: kind ${source.kind} has no well-known EventBridge source; set eventbridge.source`);
      const busName = source.eventbridge!.bus;
      const bus = busName ? events.EventBus.fromEventBusName(this, `Bus-${source.id}`, busName) : undefined;
      const rule = new events.Rule(this, `Rule-${source.id}`, {
        description: `authtrail: ${source.kind} events of source ${source.id}`,
        ...(bus ? { eventBus: bus } : {}),
        // Prefix matching, exactly like the router: `aws.sso` covers `aws.sso-directory`.
        eventPattern: { source: events.Match.anyOf(...prefixes.map((p) => events.Match.prefix(p))) },
      });
      const target = () => new targets.LambdaFunction(this.eventBridgeFunction, {
        deadLetterQueue: this.eventBridgeDlq,
        retryAttempts: 8,
        maxEventAge: Duration.hours(24),
      });
      rule.addTarget(target());
      this.rules.push(rule);
      // Services routed for some event names only (IAM's sign-in-adjacent changes): one rule each.
      if (source.eventbridge?.source) continue;
      for (const [i, f] of (FILTERED_EVENT_SOURCES[source.kind] ?? []).entries()) {
        const named = new events.Rule(this, `Rule-${source.id}-${i}`, {
          description: `authtrail: ${f.source} changes for source ${source.id}`,
          ...(bus ? { eventBus: bus } : {}),
          eventPattern: { source: [f.source], detail: { eventName: [...f.eventNames] } },
        });
        named.addTarget(target());
        this.rules.push(named);
      }
    }

    this.dlqAlarm('EventBridgeDlqAlarm', this.eventBridgeDlq, 'EventBridge events could not be delivered to the intake. Runbook: README, Operations; after the fix: authtrail redrive eventbridge --outputs <file>');

    // The archiver: new events only (INSERT; redeliveries are MODIFY, TTL expiry REMOVE), in
    // large batches so that each tenant-day gets few, large Parquet objects.
    this.archiverFunction = this.handler('ArchiverFunction', 'archiver', deployed, 'Archive new events to S3 as Parquet, with chained digests', {
      timeout: Duration.minutes(5), memorySize: 1024,
    });
    this.archiverDlq = this.queue('ArchiverDlq');
    // Lambda also caps a batch at 6 MB of records: ~3,000 Okta events.
    this.consumeNewEvents(this.archiverFunction, this.archiverDlq, 10_000, Duration.minutes(5));
    this.archiveBucket.grantPut(this.archiverFunction, 'events/*');
    this.archiveBucket.grantPut(this.archiverFunction, 'digests/*');
    // The archiver never deletes: a retried batch skips what was committed and overwrites what
    // was not (no s3:DeleteObject at all). Commits are one transaction of PutItems; publishing a
    // digest updates its head.
    this.stateTable.grant(this.archiverFunction, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    for (const fn of pollFns) this.stateTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
    key.grantEncryptDecrypt(this.archiverFunction);
    acknowledge(this.archiverFunction, 'Archive objects and digests get names derived from stream records and content under events/ and digests/: the keys cannot be known in advance.',
      ...['events', 'digests'].map((p) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(this.archiveBucket.bucketName)}/${p}/*]`));
    // The detector: new events only, small batches so an attack is heard about within a minute.
    this.detectorFunction = this.handler('DetectorFunction', 'detector', deployed, 'Detect MFA attacks on new events and publish alerts', { timeout: Duration.minutes(2) });
    this.detectorDlq = this.queue('DetectorDlq');
    this.consumeNewEvents(this.detectorFunction, this.detectorDlq, 500, Duration.seconds(5));
    this.stateTable.grant(this.detectorFunction, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    this.alertTopic.grantPublish(this.detectorFunction);
    key.grantEncryptDecrypt(this.detectorFunction);
    this.dlqAlarm('DetectorDlqAlarm', this.detectorDlq, 'stream records could not be checked for attacks after all retries: alerts may be missing. Runbook: README, Operations; after the fix: authtrail redrive detector --outputs <file>');
    this.errorAlarm('DetectorErrorsAlarm', this.detectorFunction, 'the detector is failing; alerts may be delayed', 1);

    // Feed health: every five minutes, a silent source raises a feed_silence alert.
    this.feedHealthFunction = this.handler('FeedHealthFunction', 'feed-health', deployed, 'Alert when a source stops delivering events', { timeout: Duration.minutes(1), memorySize: 256 });
    this.feedHealthDlq = this.queue('FeedHealthDlq');
    this.stateTable.grant(this.feedHealthFunction, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    this.alertTopic.grantPublish(this.feedHealthFunction);
    key.grantEncryptDecrypt(this.feedHealthFunction);
    const feedRole = new iam.Role(this, 'FeedHealthSchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'authtrail: invoke the feed-health check' });
    feedRole.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.feedHealthFunction.functionArn] }));
    feedRole.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.feedHealthDlq.queueArn] }));
    feedRole.addToPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }));
    new scheduler.CfnSchedule(this, 'FeedHealthSchedule', {
      description: 'authtrail: check that every source keeps delivering',
      scheduleExpression: 'rate(5 minutes)',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.feedHealthFunction.functionArn,
        roleArn: feedRole.roleArn,
        input: '{}',
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 300 },
        deadLetterConfig: { arn: this.feedHealthDlq.queueArn },
      },
    });
    this.dlqAlarm('FeedHealthDlqAlarm', this.feedHealthDlq, 'feed-health checks could not run; silent sources would go unnoticed. Runbook: README, Operations; after the fix: authtrail redrive feed-health --outputs <file>');
    this.errorAlarm('FeedHealthErrorsAlarm', this.feedHealthFunction, 'the feed-health check is failing', 2);
    new cloudwatch.Alarm(this, 'FeedSilenceAlarm', {
      alarmDescription: 'authtrail: a source that delivered events has stopped (longer than its expected gap); see the feed_silence alert for which',
      metric: new cloudwatch.Metric({ namespace: 'authtrail', metricName: 'SilentSources', dimensionsMap: { service: this.service }, statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Alerts are archived under alerts/ (content-named Parquet objects).
    for (const fn of [this.detectorFunction, this.feedHealthFunction]) {
      this.archiveBucket.grantPut(fn, 'alerts/*');
      acknowledge(fn, 'Alert archive objects get content-derived names under alerts/: the keys cannot be known in advance.',
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(this.archiveBucket.bucketName)}/alerts/*]`);
    }

    // The intake: server errors (the sender retries, but something is wrong) and quarantine rate.
    new cloudwatch.Alarm(this, 'Ingest5xxAlarm', {
      alarmDescription: 'authtrail: the webhook API answers 5xx (events could not be stored; senders retry); check the ingest function and the hot table',
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.intakeErrorAlarms([this.ingestFunction, ...intakes]);
    const ingestMetric = (metricName: string) => new cloudwatch.Metric({ namespace: 'authtrail', metricName, dimensionsMap: { service: this.service }, statistic: 'Sum', period: Duration.minutes(15) });
    new cloudwatch.Alarm(this, 'QuarantineRateAlarm', {
      alarmDescription: 'authtrail: more than 5% of incoming events were quarantined in 15 minutes (a vendor changed its format, or a misconfigured source); run `authtrail quarantine --outputs <file>`, fix, then `authtrail quarantine replay` (README, Operations)',
      metric: new cloudwatch.MathExpression({
        expression: 'IF((a + q) >= 20, 100 * q / (a + q), 0)',
        usingMetrics: { a: ingestMetric('IngestAccepted'), q: ingestMetric('IngestQuarantined') },
        label: 'quarantined %', period: Duration.minutes(15),
      }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.dashboard = this.buildDashboard(config, deploymentName, intakes, pollFns);

    this.dlqAlarm('ArchiverDlqAlarm', this.archiverDlq, 'stream records could not be archived after all retries. Runbook: README, Operations; after the fix: authtrail redrive archiver --outputs <file>, then authtrail verify');
    this.errorAlarm('ArchiverErrorsAlarm', this.archiverFunction, 'the archiver is failing', 3);
  }

  /** Per tenant: a webhook intake if it has webhook sources, a poller if it has pull sources. */
  private addTenantFunctions(config: Config, deployed: Config): void {
    const outputIds = new Map<string, string>();
    for (const { id: tenant } of config.tenants) {
      const outputId = tenantOutputId(tenant);
      const clash = outputIds.get(outputId);
      if (clash) throw new ConfigError(`tenants "${clash}" and "${tenant}" differ only in "-" or "_": their stack outputs (alphanumeric names) would collide; rename one`);
      outputIds.set(outputId, tenant);
      const has = (pick: (s: Source) => boolean) => config.sources.some((s) => s.tenant === tenant && pick(s));
      this.tenantFunctions[tenant] = {
        ...(has(isWebhook) ? { intake: this.handler(`IngestFunction-${tenant}`, 'http-ingest', servedConfig(deployed, tenant, isWebhook), `Webhook intake of tenant ${tenant}: authenticate, normalize, store`) } : {}),
        ...(has(isPull) ? { poller: this.handler(`PollerFunction-${tenant}`, 'poller', servedConfig(deployed, tenant, isPull), `Poll the vendor APIs of tenant ${tenant} on a schedule`, { timeout: Duration.minutes(5) }) } : {}),
      };
    }
  }

  /**
   * `secretsmanager:GetSecretValue` on exactly the secrets of these sources (generated ones by
   * their ARN; referenced ones by the ARN given, or with Secrets Manager's six-character suffix
   * when the ARN given is partial), and decryption with the secrets key only through Secrets
   * Manager and only for those secrets.
   */
  /**
   * Privacy (README, "Privacy"): a pseudonymizing tenant's intake and poller read its pseudonym key
   * and no other tenant's, and write its vault entries (state table items `pn#<tenant>#…`) only;
   * the EventBridge intake, which routes every tenant's events, reads every such key.
   */
  private grantPrivacyKeys(arns: Readonly<Record<string, string>>, secretsKey: kms.IKey): void {
    const grant = (fn: NodejsFunction, tenants: Readonly<Record<string, string>>) => {
      const entries = Object.entries(tenants);
      if (!entries.length) return;
      fn.addEnvironment('AUTHTRAIL_PRIVACY_KEYS', Stack.of(this).toJsonString(tenants));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: entries.map(([, a]) => a) }));
      fn.addToRolePolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [secretsKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': entries.map(([, a]) => a) } },
      }));
      fn.addToRolePolicy(new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.stateTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': entries.map(([t]) => `pn#${t}#*`) } },
      }));
    };
    for (const [tenant, arn] of Object.entries(arns)) {
      const f = this.tenantFunctions[tenant];
      for (const fn of [f?.intake, f?.poller]) if (fn) grant(fn, { [tenant]: arn });
    }
    grant(this.eventBridgeFunction, arns);
  }

  private grantSecrets(fn: NodejsFunction, sources: Config['sources'], part: 'auth' | 'pull', secretsKey: kms.IKey): void {
    const generated: string[] = [];
    const referenced: string[] = [];
    for (const src of sources) {
      const fields: Record<string, unknown> = (part === 'auth' ? src.auth : src.pull) ?? {};
      // secretArn, tokenArn, previousSecretArn, …SecretArn: every Secrets Manager ARN of the source.
      for (const [k, v] of Object.entries(fields)) if (/(secret|token)Arn$/i.test(k) && typeof v === 'string') referenced.push(v);
      for (const [id, secret] of Object.entries(this.sourceSecrets)) {
        const [sourceId, field] = id.split('/');
        if (sourceId === src.id && (part === 'pull') === (field !== undefined)) generated.push(secret.secretArn);
      }
    }
    if (!generated.length && !referenced.length) return;
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [...generated, ...[...new Set(referenced)].flatMap((arn) => [arn, `${arn}-??????`])],
    }));
    if (generated.length) {
      fn.addToRolePolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [secretsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': generated },
        },
      }));
    }
  }

  /**
   * A consumer of the hot table's stream: INSERT records only (a redelivery is a MODIFY, a TTL
   * expiry a REMOVE), partial-batch answers, bisection and 10 retries within 24 h, then the DLQ.
   */
  private consumeNewEvents(fn: NodejsFunction, dlq: sqs.Queue, batchSize: number, maxBatchingWindow: Duration): void {
    fn.addEventSource(new DynamoEventSource(this.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize,
      maxBatchingWindow,
      // One batch per shard at a time: the archiver's exactly-once commit relies on shard order.
      parallelizationFactor: 1,
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(24),
      onFailure: new SqsDlq(dlq),
    }));
  }

  /**
   * `IngestErrorsAlarm`: errors of every webhook intake function (the catch-all and each tenant's),
   * summed. An alarm's metric math takes at most 10 metrics, so beyond ten functions the next ten
   * go to `IngestErrorsAlarm2`, and so on.
   */
  private intakeErrorAlarms(fns: NodejsFunction[]): void {
    for (let i = 0; i < fns.length; i += 10) {
      const group = fns.slice(i, i + 10);
      const n = i / 10 + 1;
      new cloudwatch.Alarm(this, n === 1 ? 'IngestErrorsAlarm' : `IngestErrorsAlarm${n}`, {
        alarmDescription: `authtrail: a webhook intake function is failing (${group.map((f) => f.node.id).join(', ')})`,
        metric: group.length === 1 ? group[0]!.metricErrors({ period: Duration.minutes(5) }) : new cloudwatch.MathExpression({
          expression: `SUM([${group.map((_, j) => `e${j}`).join(', ')}])`,
          usingMetrics: Object.fromEntries(group.map((f, j) => [`e${j}`, f.metricErrors({ period: Duration.minutes(5) })])),
          label: 'intake errors', period: Duration.minutes(5),
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }

  private errorAlarm(id: string, fn: NodejsFunction, description: string, periods: number): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription: `authtrail: ${description}`,
      metric: fn.metricErrors({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** One CloudWatch dashboard: what arrives, what fails, what alerts, and whether authtrail keeps up. */
  private buildDashboard(config: Config, deploymentName: string, intakes: NodejsFunction[], pollers: NodejsFunction[]): cloudwatch.Dashboard {
    const m = (metricName: string, dims: Record<string, string>, label: string, statistic = 'Sum') =>
      new cloudwatch.Metric({ namespace: 'authtrail', metricName, dimensionsMap: { service: this.service, ...dims }, statistic, period: Duration.minutes(5), label });
    const tenants = config.tenants.map((t) => t.id);
    const graph = (title: string, left: cloudwatch.IMetric[], width = 12) => new cloudwatch.GraphWidget({ title, left, width, height: 6, stacked: false });
    const d = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${dashboardNamePrefix(deploymentName)}${Names.uniqueResourceName(this, { maxLength: 40 })}`,
      defaultInterval: Duration.hours(24),
    });
    const queues = [this.detectorDlq, this.archiverDlq, this.eventBridgeDlq, this.feedHealthDlq, ...(this.pollerDlq ? [this.pollerDlq] : [])];
    d.addWidgets(
      new cloudwatch.TextWidget({ markdown: '# authtrail\nEvents per source, MFA failures and denials per tenant, alerts per rule, and the health of the pipeline. Alarms are listed in the README (Operations).', width: 24, height: 2 }),
      graph('New events per source', config.sources.map((src) => m('EventsNew', { source_id: src.id }, src.id))),
      graph('Quarantined per source', config.sources.map((src) => m('EventsQuarantined', { source_id: src.id }, src.id))),
      graph('MFA failures per tenant', tenants.map((t) => m('MfaFailures', { tenant: t }, t)), 8),
      graph('Failed sign-ins per tenant', tenants.map((t) => m('SignInFailures', { tenant: t }, t)), 8),
      graph('MFA denials and fraud reports per tenant', tenants.map((t) => m('MfaDenials', { tenant: t }, t)), 8),
      graph('Alerts raised per rule', RULE_NAMES.map((r) => m('Alerts', { rule: r }, r))),
      graph('Minutes since last delivery', config.sources.map((src) => m('MinutesSinceLastDelivery', { source_id: src.id }, src.id, 'Maximum'))),
      graph('Webhook API', [this.api.metricCount({ period: Duration.minutes(5), label: 'requests' }), this.api.metricClientError({ period: Duration.minutes(5), label: '4xx' }), this.api.metricServerError({ period: Duration.minutes(5), label: '5xx' })]),
      graph('Stream lag (iterator age, ms)', [this.detectorFunction, this.archiverFunction].map((fn) => fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5), label: fn.node.id }))),
      graph('Function errors', [this.ingestFunction, ...intakes, this.eventBridgeFunction, this.archiverFunction, this.detectorFunction, this.feedHealthFunction, ...pollers]
        .map((fn) => fn.metricErrors({ period: Duration.minutes(5), label: fn.node.id }))),
      graph('Dead-letter queues (messages)', queues.map((q) => q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), label: q.node.id }))),
    );
    return d;
  }

  private dlqAlarm(id: string, queue: sqs.Queue, description: string): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription: `authtrail: ${description}`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** The webhook URL of one source, to paste into the identity provider. */
  public sourceUrl(sourceId: string): string {
    return `${this.api.apiEndpoint}/v1/ingest/${sourceId}`;
  }

  /** A dead-letter queue: KMS-encrypted, TLS-only, two weeks to replay from. */
  private queue(id: string): sqs.Queue {
    const q = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(q, 'This queue is itself a dead-letter queue (of an EventBridge target, a Lambda async config or a stream event source).', 'AwsSolutions-SQS3');
    return q;
  }

  /** A handler Lambda: latest Node.js on arm64, bundled locally by esbuild with the SDK inside. */
  private handler(id: string, name: string, deployed: Config, description: string, sizing: { timeout?: Duration; memorySize?: number } = {}): NodejsFunction {
    const fn = authtrailFunction(this, id, {
      handler: name,
      description,
      ...sizing,
      logRetention: this.logRetention,
      service: this.service,
      environment: {
        AUTHTRAIL_TABLE: this.table.tableName,
        AUTHTRAIL_STATE_TABLE: this.stateTable.tableName,
        AUTHTRAIL_BUCKET: this.archiveBucket.bucketName,
        AUTHTRAIL_KMS_KEY_ID: this.key.keyArn,
        AUTHTRAIL_TOPIC_ARN: this.alertTopic.topicArn,
      },
      // The secret-free config is compiled into the bundle: no size limit, no runtime fetch.
      define: { 'process.env.AUTHTRAIL_RUNTIME_CONFIG': JSON.stringify(JSON.stringify(deployed)) },
    });
    acknowledge(fn, 'CDK grant actions for one KMS key and quarantine writes (multipart abort) to one bucket prefix.',
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', 'AwsSolutions-IAM5[Action::s3:Abort*]');
    acknowledge(fn, 'Quarantine objects are written under quarantine/ with unique names: the key cannot be known in advance.',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(this.archiveBucket.bucketName)}/quarantine/*]`);
    return fn;
  }
}
