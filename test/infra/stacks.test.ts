import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { parseConfig, type Source } from '../../lambdas/core/config.ts';
import type { CfnElement } from 'aws-cdk-lib';
import type { StatelessStack } from '../../infra/stacks/stateless.ts';

describe('infra: what an auditor asks about', () => {
  let s: Synth;
  before(() => { s = synth(); });

  it('cdk-nag AwsSolutions: no unacknowledged finding in either stack', () => {
    assert.deepEqual(nagFindings(s.app, s.stateful), []);
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });

  it('the three-tenant example config (examples/) synthesizes with no unacknowledged cdk-nag finding', () => {
    const example = synth(parseConfig(JSON.parse(readFileSync(new URL('../../examples/authtrail.config.json', import.meta.url), 'utf8')), 'example'));
    assert.deepEqual(nagFindings(example.app, example.stateful), []);
    assert.deepEqual(nagFindings(example.app, example.stateless), []);
  });

  it('with the account and region known (as `cdk synth` and `deploy` run with credentials), still no unacknowledged cdk-nag finding; the README counts the example\'s log groups and user pool', () => {
    const saved = { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] };
    process.env['CDK_DEFAULT_ACCOUNT'] = '111122223333';
    process.env['CDK_DEFAULT_REGION'] = 'eu-west-1';
    try {
      const known = synth(parseConfig(JSON.parse(readFileSync(new URL('../../examples/authtrail.config.json', import.meta.url), 'utf8')), 'example'));
      assert.equal(known.stateless.region, 'eu-west-1');
      assert.deepEqual(nagFindings(known.app, known.stateful), []);
      assert.deepEqual(nagFindings(known.app, known.stateless), []);
      // The README's fixed monthly cost counts the example's log groups and its one user pool.
      const count = (type: string) => Object.keys(known.templates.stateful.findResources(type)).length + Object.keys(known.templates.stateless.findResources(type)).length;
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      assert.match(readme, new RegExp(`\\| CloudWatch Logs, ${count('AWS::Logs::LogGroup')} log groups \\(one per function, the API's access log\\)`));
      assert.equal(count('AWS::Logs::LogGroup'), count('AWS::Lambda::Function') + 1);
      assert.match(readme, new RegExp(`\\| Cognito user pool of the web console's analysts \\(Plus plan\\), with a group per tenant \\| ${count('AWS::Cognito::UserPool')} \\|`));
    } finally {
      for (const [k, v] of [['CDK_DEFAULT_ACCOUNT', saved.account], ['CDK_DEFAULT_REGION', saved.region]] as const) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  it('hot table: on-demand, stream NEW_IMAGE, TTL, PITR, customer KMS key, retained and deletion-protected', () => {
    const t = s.templates.stateful;
    t.resourceCountIs('AWS::DynamoDB::Table', 2);
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          Match.objectLike({ IndexName: 'by_user', Projection: { ProjectionType: 'KEYS_ONLY' } }),
        ],
      }),
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('archive bucket: public access blocked, TLS only, versioned, SSE-KMS, lifecycle from retention, retained', () => {
    const t = s.templates.stateful;
    t.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: Match.anyValue(),
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } }] },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'archive/' }),
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Prefix: 'events/', Status: 'Enabled', ExpirationInDays: TEST_CONFIG.retention.archiveDays,
              Transitions: [
                { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
                { StorageClass: 'GLACIER_IR', TransitionInDays: 180 },
              ],
            }),
            Match.objectLike({ Prefix: 'quarantine/', ExpirationInDays: TEST_CONFIG.retention.quarantineDays }),
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
          ]),
        },
      }),
    });
    const policies = Object.values(t.findResources('AWS::S3::BucketPolicy'));
    assert.ok(policies.length >= 2);
    for (const p of policies) {
      assert.ok(JSON.stringify(p).includes('"aws:SecureTransport":"false"'), 'every bucket denies plain HTTP');
    }
  });

  it('retention settings are checked for order', () => {
    assert.throws(() => synth({ ...TEST_CONFIG, retention: { ...TEST_CONFIG.retention, glacierAfterDays: 20 } }), /glacierAfterDays/);
  });

  it('webhook API: the contract routes on an HTTP API with access logs and throttling', () => {
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    for (const key of ['POST /v1/ingest/{sourceId}', 'GET /v1/ingest/{sourceId}', 'GET /v1/health'])
      t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: 400, ThrottlingRateLimit: 200 },
    });
  });

  it('Lambdas: latest Node.js on arm64, with log groups that expire', () => {
    const t = s.templates.stateless;
    const fns = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    assert.equal(fns.length, 15, 'catch-all ingest, one webhook intake and one poller per tenant (2 × 2), EventBridge intake, archiver, detector, feed health, verifier, compactor, eraser, backfill, investigation API, web console');
    for (const f of fns) {
      assert.equal(f.Properties.Runtime, 'nodejs24.x');
      assert.deepEqual(f.Properties.Architectures, ['arm64']);
      assert.ok(f.Properties.LoggingConfig?.LogGroup, 'an explicit log group');
    }
    t.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('ingest IAM: batched reads and conditional puts on the table, puts under quarantine/ only', () => {
    const policies = JSON.stringify(Object.entries(s.templates.stateless.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('IngestFunction')));
    assert.ok(policies.length > 100);
    assert.match(policies, /dynamodb:PutItem/);
    assert.doesNotMatch(policies, /dynamodb:(Scan|DeleteItem|UpdateItem|BatchWriteItem|\*)/);
    assert.match(policies, /\/quarantine\/tenant=acme\/\*/);
    assert.match(policies, /\/quarantine\/tenant=globex\/\*/);
    assert.doesNotMatch(policies, /s3:GetObject|s3:DeleteObject/);
  });

  it('EventBridge: a rule on the configured partner bus, with retries and a DLQ', () => {
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'aws.partner/okta.com/acme-org/authtrail',
      EventPattern: { source: [{ prefix: 'aws.partner/okta.com/' }] },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 } })],
    });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: [{ prefix: 'aws.signin' }, { prefix: 'aws.sso' }] } });
    // IAM's API calls only for the sign-in-adjacent changes the mapping reads, never all of them.
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.iam'], detail: { eventName: Match.arrayWith(['CreateAccessKey', 'CreateSAMLProvider', 'DeactivateMFADevice']) } },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() } })],
    });
    t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 1_209_600 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
  });

  it('SNS alert topic: KMS-encrypted and TLS-only', () => {
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });

  it('plain secrets never reach a template: a generated Secrets Manager secret replaces each', () => {
    const all = JSON.stringify(s.templates.stateful.toJSON()) + JSON.stringify(s.templates.stateless.toJSON());
    assert.doesNotMatch(all, /plain-inline-secret-do-not-deploy|another-inline-secret|00-inline-okta-token-do-not-deploy/);
    s.templates.stateless.resourceCountIs('AWS::SecretsManager::Secret', 3);
    s.templates.stateless.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } });
    // The output names the README gives: alphanumeric, the source id without "-" and "_".
    const outputs = s.templates.stateless.toJSON().Outputs as Record<string, { Description: string }>;
    assert.match(outputs['SecretArnacmeokta']!.Description, /webhook secret of source acme-okta/);
    assert.match(outputs['SecretArnglobexoktaapiToken']!.Description, /apiToken of pull source globex-okta/);
    assert.match(outputs['WebhookUrlglobexgeneric']!.Description, /source globex-generic/);
  });
});

describe('infra: pull sources', () => {
  let s: Synth;
  before(() => { s = synth(); });

  it('one EventBridge Scheduler schedule per pull source, with retries and a DLQ', () => {
    const t = s.templates.stateless;
    const schedules = Object.values(t.findResources('AWS::Scheduler::Schedule')).map((r) => r.Properties).filter((p) => JSON.parse(p.Target.Input).sourceId);
    assert.deepEqual(schedules.map((p) => [JSON.parse(p.Target.Input).sourceId, p.ScheduleExpression]).sort(), [['acme-duo', 'rate(1 minute)'], ['globex-okta', 'rate(5 minutes)']]);
    for (const p of schedules) {
      assert.deepEqual(p.Target.RetryPolicy, { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
      assert.ok(p.Target.DeadLetterConfig.Arn);
      assert.deepEqual(p.FlexibleTimeWindow, { Mode: 'OFF' });
    }
    assert.match(JSON.stringify(t.findResources('AWS::CloudWatch::Alarm')), /PollerDlq/);
  });

  it('pull credentials: an ARN is granted, an inline one becomes a secret to fill in and never reaches the template', () => {
    const t = s.templates.stateless;
    const policies = JSON.stringify(Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('PollerFunction')));
    assert.match(policies, /acme-duo-skey-AbCdEf/);
    assert.match(policies, /secretsmanager:GetSecretValue/);
    assert.match(policies, /dynamodb:PutItem/, 'cursors in the state table');
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: Match.stringLikeRegexp('/source/globex-okta/apiToken$') });
    const warnings = s.app.synth().getStackByName(s.stateless.stackName).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
    assert.ok(warnings.some((w) => /put the okta apiToken into Secrets Manager/.test(w)), warnings.join('\n'));
  });
});

describe('infra: archive, retention and the auditors\' Athena', () => {
  let s: Synth;
  before(() => { s = synth(); });

  it('archiver: INSERT records only, large batches, per-record failures, bisect, retries, DLQ with alarms', () => {
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10000,
      MaximumBatchingWindowInSeconds: 300,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86400,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    const alarms = JSON.stringify(t.findResources('AWS::CloudWatch::Alarm'));
    assert.match(alarms, /ArchiverDlq/);
    assert.match(alarms, /"MetricName":"Errors"/);
    const archiverPolicy = JSON.stringify(Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('ArchiverFunction')));
    assert.match(archiverPolicy, /\/events\/\*/);
    assert.doesNotMatch(archiverPolicy, /s3:DeleteObject/, 'the archiver never deletes: retries skip or overwrite');
  });

  it('detector: INSERT records only, small batches for a fast alert, retries, DLQ, publish to the KMS topic', () => {
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500, MaximumBatchingWindowInSeconds: 5,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
      FunctionResponseTypes: ['ReportBatchItemFailures'], BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    const policy = JSON.stringify(Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('DetectorFunction')));
    assert.match(policy, /sns:Publish/);
    assert.match(JSON.stringify(t.findResources('AWS::CloudWatch::Alarm')), /DetectorDlq/);
    assert.match(policy, /\/alerts\/\*/, 'alerts are archived under alerts/');
    assert.match(policy, /dynamodb:UpdateItem/, 'feed deliveries are recorded');
    assert.match(policy, /dynamodb:BatchGetItem/, 'a batch\'s detector state is read in batches');
  });

  it('feed health: a five-minute schedule with retries and a DLQ, and the SilentSources alarm', () => {
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({ Input: '{}', RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 }, DeadLetterConfig: { Arn: Match.anyValue() } }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SilentSources', Namespace: 'authtrail', Statistic: 'Maximum', Threshold: 0 });
    const policy = JSON.stringify(Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('FeedHealthFunction')));
    assert.match(policy, /sns:Publish/);
    assert.match(policy, /\/alerts\/\*/);
  });

  it('operations: alarms on DLQ depth, ingest 5xx, quarantine rate, detector errors and feed silence', () => {
    const alarms = s.templates.stateless.findResources('AWS::CloudWatch::Alarm');
    const ids = Object.keys(alarms).join(' ');
    for (const id of ['DetectorDlqAlarm', 'ArchiverDlqAlarm', 'EventBridgeDlqAlarm', 'FeedHealthDlqAlarm', 'PollerDlqAlarm', 'Ingest5xxAlarm', 'QuarantineRateAlarm', 'DetectorErrorsAlarm', 'FeedSilenceAlarm'])
      assert.match(ids, new RegExp(id), id);
    const five = Object.entries(alarms).find(([id]) => id.includes('Ingest5xxAlarm'))![1];
    assert.deepEqual([five.Properties.MetricName, five.Properties.Namespace, five.Properties.Threshold], ['5xx', 'AWS/ApiGateway', 5]);
    const q = Object.entries(alarms).find(([id]) => id.includes('QuarantineRateAlarm'))![1];
    const expr = q.Properties.Metrics.find((x: { Expression?: string }) => x.Expression);
    assert.equal(expr.Expression, 'IF((a + q) >= 20, 100 * q / (a + q), 0)');
    assert.deepEqual(q.Properties.Metrics.filter((x: { MetricStat?: unknown }) => x.MetricStat).map((x: { MetricStat: { Metric: { MetricName: string } } }) => x.MetricStat.Metric.MetricName).sort(), ['IngestAccepted', 'IngestQuarantined']);
  });

  it('dashboard: events per source, MFA failures and denials per tenant, alerts per rule', () => {
    const dashboards = Object.values(s.templates.stateless.findResources('AWS::CloudWatch::Dashboard'));
    assert.equal(dashboards.length, 1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const text of ['New events per source', 'EventsNew', 'acme-okta', 'MfaFailures', 'MfaDenials', 'SignInFailures', 'Alerts raised per rule', 'mfa_fatigue', 'lockout_burst', 'feed_silence', 'IteratorAge', 'ApproximateNumberOfMessagesVisible'])
      assert.ok(body.includes(text), text);
  });

  it('state table: PITR, customer KMS key, TTL, retained', () => {
    s.templates.stateful.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: Match.objectLike({ SSEType: 'KMS' }),
        StreamSpecification: Match.absent(),
      }),
    });
  });

  it('Glue: events and alerts tables with partition projection (tenant enum of the configured tenants, dt date range), no crawler', () => {
    const t = s.templates.stateful;
    t.resourceCountIs('AWS::Glue::Crawler', 0);
    t.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'authtrail' } });
    t.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'authtrail',
      TableInput: Match.objectLike({
        Name: 'events',
        PartitionKeys: [{ Name: 'tenant', Type: 'string' }, { Name: 'dt', Type: 'string' }],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.tenant.type': 'enum',
          'projection.tenant.values': 'acme,globex',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2020-01-01,NOW',
          'storage.location.template': Match.anyValue(),
        }),
        StorageDescriptor: Match.objectLike({
          Columns: Match.arrayWith([
            { Name: 'event_time', Type: 'timestamp' }, { Name: 'is_mfa', Type: 'boolean' },
            { Name: 'geo_lat', Type: 'double' }, { Name: 'raw', Type: 'string' },
          ]),
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        }),
      }),
    });
    const events = Object.values(t.findResources('AWS::Glue::Table')).find((r) => r.Properties.TableInput.Name === 'events')!;
    const cols = events.Properties.TableInput.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name);
    assert.ok(!cols.includes('tenant') && !cols.includes('dt'), 'partition columns are not data columns');
    t.hasResourceProperties('AWS::Glue::Table', { TableInput: Match.objectLike({ Name: 'alerts' }) });
  });

  it('Athena: workgroup with enforced, KMS-encrypted results, a bytes-scanned cutoff, and every shipped query installed', () => {
    const t = s.templates.stateful;
    t.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'authtrail',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: { OutputLocation: Match.anyValue(), EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() } },
      }),
    });
    const files = readdirSync(new URL('../../queries/', import.meta.url)).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
    const queries = Object.values(t.findResources('AWS::Athena::NamedQuery')).map((q) => q.Properties);
    for (const wg of ['authtrail', 'authtrail-acme', 'authtrail-globex']) {
      assert.deepEqual(queries.filter((q) => q.WorkGroup === wg).map((q) => q.Name).sort(), files, wg);
      t.hasResourceProperties('AWS::Athena::WorkGroup', { Name: wg, WorkGroupConfiguration: Match.objectLike({ EnforceWorkGroupConfiguration: true, BytesScannedCutoffPerQuery: 10 * 1024 ** 3 }) });
    }
    assert.equal(queries.length, 3 * files.length);
    // What the README says a tenant costs, and how many tenants fit in CloudFormation's 500 resources.
    const perTenant = 2 + files.length;
    const fit = TEST_CONFIG.tenants.length + Math.floor((500 - Object.keys(t.toJSON().Resources).length) / perTenant);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    assert.match(readme, new RegExp(`plus one per shipped query to this stack \\(${perTenant} today\\); CloudFormation's 500 per stack fit ${fit} tenants`));
    for (const q of queries) assert.doesNotMatch(q.QueryString, /\{\{/);
    // Installed with the defaults: every application, per day (the console user edits them).
    for (const q of queries.filter((x) => x.Name === 'failed_signins_over_time')) assert.match(q.QueryString, /date_trunc\('day', event_time\)/, q.WorkGroup);
    for (const q of queries.filter((x) => x.Name === 'app_access' || x.Name === 'mfa_adherence')) assert.match(q.QueryString, /\('' = '' OR lower\(app_name\) = lower\(''\)/, q.WorkGroup);
    // A tenant's queries read only that tenant's partition.
    for (const q of queries.filter((x) => x.WorkGroup === 'authtrail-acme')) {
      assert.match(q.QueryString, /tenant = 'acme'/, q.Name);
      assert.doesNotMatch(q.QueryString, /globex/, q.Name);
    }
  });

  it('Athena results bucket: its own lifecycle, KMS, public access blocked', () => {
    s.templates.stateful.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'athena-results/' }),
    });
  });

  it('operator policy: queries in the operator workgroup, reads of events/ and alerts/ only, no writes to the archive but new access-log records', () => {
    const policies = Object.entries(s.templates.stateful.findResources('AWS::IAM::ManagedPolicy'));
    assert.equal(policies.length, 3, 'the operator\'s and one per tenant');
    const doc = policies.find(([id]) => /AnalyticsAuditorPolicy/.test(id))![1].Properties.PolicyDocument;
    const text = JSON.stringify(doc);
    assert.match(text, /athena:StartQueryExecution/);
    assert.match(text, /workgroup\/authtrail/);
    assert.match(text, /\/events\/\*/);
    assert.match(text, /\/alerts\/\*/);
    const archiveWrites = doc.Statement.filter((st: { Action: string | string[]; Resource: unknown }) =>
      [st.Action].flat().some((a) => /s3:(Put|Delete)/.test(a)) && JSON.stringify(st.Resource).includes('-archive-'));
    // The one write: a new record of the access log (query --outputs), never over an existing one.
    assert.deepEqual(archiveWrites.map((st: { Action: unknown; Resource: unknown; Condition: unknown }) => [st.Action, JSON.stringify(st.Resource).endsWith('/access/*"]]}'), st.Condition]), [['s3:PutObject', true, { StringEquals: { 's3:if-none-match': '*' } }]]);
    assert.doesNotMatch(text, /quarantine|digests/);
  });

  it('Object Lock when retention asks for it, with the archive period as default retention', () => {
    const locked = synth({ ...TEST_CONFIG, retention: { ...TEST_CONFIG.retention, objectLock: 'compliance' } });
    locked.templates.stateful.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: TEST_CONFIG.retention.archiveDays } } },
    });
  });
});

describe('infra: bundling (esbuild, offline)', () => {
  it('a route added to the collector\'s API without an authorizer is a cdk-nag finding (the webhook exemption is on the webhook routes only)', async () => {
    const { HttpLambdaIntegration } = await import('aws-cdk-lib/aws-apigatewayv2-integrations');
    const apigw = await import('aws-cdk-lib/aws-apigatewayv2');
    const s = synth();
    const stateless = s.stateless as unknown as { collector: { api: import('aws-cdk-lib/aws-apigatewayv2').HttpApi; ingestFunction: import('aws-cdk-lib/aws-lambda').IFunction } };
    assert.deepEqual(nagFindings(s.app, s.stateless).filter((f) => f.rule.includes('APIG4')), []);
    stateless.collector.api.addRoutes({ path: '/v1/extra', methods: [apigw.HttpMethod.GET], integration: new HttpLambdaIntegration('Extra', stateless.collector.ingestFunction) });
    assert.ok(nagFindings(s.app, s.stateless).some((f) => f.rule.includes('APIG4')), 'an unauthorized route is flagged');
  });

  it('source maps only when asked: no --enable-source-maps (read at every cold start) by default; -c authtrail:sourceMaps=true turns them on', () => {
    const options = (t: Synth['templates']['stateless']) => Object.values(t.findResources('AWS::Lambda::Function')).map((f) => (f['Properties'] as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables?.['NODE_OPTIONS']);
    const plain = options(synth().templates.stateless);
    assert.ok(plain.length >= 12);
    assert.deepEqual(plain.filter((o) => o !== undefined), []);
    const asked = options(synth(TEST_CONFIG, { context: { 'authtrail:sourceMaps': 'true' } }).templates.stateless);
    assert.ok(asked.length === plain.length && asked.every((o) => o === '--enable-source-maps'));
  });

  it('bundles each handler as ESM (index.mjs and its chunks), without the inline secrets, under 1 MB (bench/bundles.ts measures them); a tenant\'s functions carry only its own sources; the SDK takes its credentials from the environment only', async () => {
    const b = synth(TEST_CONFIG, { bundle: true });
    const outdir = b.app.synth().directory;
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    // Catch-all, 2 intakes, 2 pollers, EventBridge intake, archiver, detector, feed health, verifier, compactor, eraser, backfill,
    // investigation API, web console: each carries its own config (the console its page), so none shares a bundle.
    assert.equal(assets.length, 15);
    // A bundle is its index.mjs and the chunks esbuild split off (infra/constructs/lambda.ts).
    const files = (a: string) => readdirSync(join(outdir, a)).filter((f) => f.endsWith('.mjs')).map((f) => join(outdir, a, f));
    const code = (a: string) => files(a).map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const a of assets) {
      const text = code(a);
      assert.ok(!text.includes('plain-inline-secret-do-not-deploy') && !text.includes('another-inline-secret') && !text.includes('00-inline-okta-token'), `${a} holds an inline secret`);
      const bytes = files(a).reduce((n, f) => n + statSync(f).size, 0);
      assert.ok(bytes <= 1024 * 1024, `${a} is ${bytes} bytes`);
    }
    // Which bundle each function runs (its code's asset hash).
    const fns = b.templates.stateless.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    const bundleOf = (fn: { node: { defaultChild?: unknown } }) => {
      const id = b.stateless.getLogicalId(fn.node.defaultChild as CfnElement);
      return code(`asset.${String(fns[id]!.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    };
    const c = (b.stateless as StatelessStack).collector;
    const ids = (tenant: string, pick: (s: Source) => boolean) => TEST_CONFIG.sources.filter((x) => x.tenant === tenant && pick(x)).map((x) => x.id);
    const webhook = (x: Source) => !!x.auth;
    const pull = (x: Source) => !!x.pull;
    const notMine = (tenant: string) => TEST_CONFIG.sources.filter((x) => x.tenant !== tenant).map((x) => `"${x.id}"`);
    for (const tenant of ['acme', 'globex']) {
      const f = c.tenantFunctions[tenant]!;
      const intake = bundleOf(f.intake!), poller = bundleOf(f.poller!);
      for (const id of ids(tenant, webhook)) assert.ok(intake.includes(`"${id}"`), `intake of ${tenant} serves ${id}`);
      for (const id of ids(tenant, pull)) assert.ok(poller.includes(`"${id}"`), `poller of ${tenant} polls ${id}`);
      for (const other of notMine(tenant)) {
        assert.ok(!intake.includes(other), `intake of ${tenant} carries ${other}`);
        assert.ok(!poller.includes(other), `poller of ${tenant} carries ${other}`);
      }
    }
    assert.ok(bundleOf(c.tenantFunctions['globex']!.intake!).includes('globex-okta-AbCdEf'), 'a referenced secret ARN is in its own tenant\'s intake');
    assert.ok(!bundleOf(c.tenantFunctions['acme']!.intake!).includes('globex-okta-AbCdEf'));
    // The catch-all names no webhook source and no secret at all.
    const catchAll = bundleOf(c.ingestFunction);
    for (const x of TEST_CONFIG.sources.filter(webhook)) assert.ok(!catchAll.includes(`"${x.id}"`), `catch-all carries ${x.id}`);
    for (const ref of ['globex-okta-AbCdEf', 'acme-duo-skey-AbCdEf', ...TEST_CONFIG.sources.map((x) => `/source/${x.id}`)]) assert.ok(!catchAll.includes(ref), `catch-all names ${ref}`);
    // Each intake and poller carries only its sources' vendors (their mappings and pullers): acme's
    // sources are Okta and Duo, globex's Okta, generic and AWS; nobody's is PingOne or Keycloak.
    const vendorMark = { pingone: "'USER.ACCESS_ALLOWED'", keycloak: "'IDENTITY_PROVIDER'" };
    for (const tenant of ['acme', 'globex']) {
      const f = c.tenantFunctions[tenant]!;
      for (const [vendor, mark] of Object.entries(vendorMark)) {
        for (const [what, fn] of [['intake', f.intake!], ['poller', f.poller!]] as const) {
          const text = bundleOf(fn);
          assert.ok(!text.includes(mark.replace(/'/g, '"')) && !text.includes(mark), `${what} of ${tenant} carries the ${vendor} mapping`);
        }
      }
    }
    assert.ok(!bundleOf(c.tenantFunctions['acme']!.poller!).includes('/insights/directory/v1/events'), 'acme\'s poller (Duo) carries no JumpCloud puller');
    // The EventBridge intake, detector and feed-health check still carry the whole (secret-free) config.
    for (const fn of [c.eventBridgeFunction, c.detectorFunction, c.feedHealthFunction])
      for (const x of TEST_CONFIG.sources) assert.ok(bundleOf(fn).includes(`"${x.id}"`), `${fn.node.id} knows ${x.id}`);

    // No bundle carries the SDK's SSO / shared-file chain; each takes the role's credentials from the environment.
    for (const a of assets) assert.ok(!code(a).includes('sso_start_url') && !code(a).includes('credential_process'), `${a} carries the full credential chain`);
    // …and really signs with them: acme's intake, asked for a webhook, reads its secret from a stand-in Secrets Manager.
    const seen: string[] = [];
    const sm = createServer((req, res) => { seen.push(String(req.headers.authorization ?? '')); res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end('{"__type":"ResourceNotFoundException","message":"stand-in"}'); });
    await new Promise<void>((r) => sm.listen(0, '127.0.0.1', () => r()));
    try {
      const intake = join(outdir, `asset.${String(fns[b.stateless.getLogicalId(c.tenantFunctions['acme']!.intake!.node.defaultChild as CfnElement)]!.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');
      const source = TEST_CONFIG.sources.find((x) => x.tenant === 'acme' && webhook(x))!.id;
      const event = { version: '2.0', rawPath: `/v1/ingest/${source}`, rawQueryString: '', headers: { 'content-type': 'application/json', authorization: 'x' }, pathParameters: { sourceId: source }, body: '{}', isBase64Encoded: false, requestContext: { http: { method: 'POST', path: `/v1/ingest/${source}`, sourceIp: '192.0.2.1' }, requestId: 'r', timeEpoch: Date.now() } };
      const env = {
        PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDENVONLYEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(sm.address() as { port: number }).port}`, AWS_EC2_METADATA_DISABLED: 'true',
        AUTHTRAIL_TABLE: 't', AUTHTRAIL_STATE_TABLE: 's', AUTHTRAIL_BUCKET: 'b', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_LAMBDA_FUNCTION_NAME: 'intake',
      };
      const out = await new Promise<string>((resolve) => execFile(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(intake)}); const r = await m.handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 10000, awsRequestId: 'r' }); console.log(r.statusCode);`], { env }, (_e, stdout, stderr) => resolve(stdout + stderr)));
      assert.ok(seen.length > 0, `the intake asked Secrets Manager for the secret: ${out.slice(0, 400)}`);
      assert.ok(seen.every((h) => h.includes('Credential=AKIDENVONLYEXAMPLE/')), seen.join('\n'));
    } finally {
      sm.close();
    }
  });
});
