import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';

describe('infra: what an auditor asks about', () => {
  let s: Synth;
  before(() => { s = synth(); });

  it('cdk-nag AwsSolutions: no unacknowledged finding in either stack', () => {
    assert.deepEqual(nagFindings(s.app, s.stateful), []);
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });

  it('hot table: on-demand, stream NEW_IMAGE, TTL, PITR, customer KMS key, retained and deletion-protected', () => {
    const t = s.templates.stateful;
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          Match.objectLike({ IndexName: 'by_user', Projection: Match.objectLike({ ProjectionType: 'INCLUDE', NonKeyAttributes: Match.arrayWith(['outcome', 'user_login']) }) }),
          Match.objectLike({ IndexName: 'by_time' }),
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
    assert.equal(fns.length, 2);
    for (const f of fns) {
      assert.equal(f.Properties.Runtime, 'nodejs24.x');
      assert.deepEqual(f.Properties.Architectures, ['arm64']);
      assert.ok(f.Properties.LoggingConfig?.LogGroup, 'an explicit log group');
    }
    t.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('ingest IAM: batched reads and writes on the table, puts under quarantine/ only', () => {
    const policies = JSON.stringify(s.templates.stateless.findResources('AWS::IAM::Policy'));
    assert.match(policies, /dynamodb:BatchWriteItem/);
    assert.doesNotMatch(policies, /dynamodb:(Scan|DeleteItem|\*)/);
    assert.match(policies, /\/quarantine\/\*/);
    assert.doesNotMatch(policies, /s3:GetObject|s3:DeleteObject/);
  });

  it('EventBridge: a rule on the configured partner bus, with retries and a DLQ', () => {
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'aws.partner/okta.com/acme-org/authtrail',
      EventPattern: { source: [{ prefix: 'aws.partner/okta.com/' }] },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 } })],
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
    assert.doesNotMatch(all, /plain-inline-secret-do-not-deploy|another-inline-secret/);
    s.templates.stateless.resourceCountIs('AWS::SecretsManager::Secret', 2);
    s.templates.stateless.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } });
  });
});

describe('infra: bundling (esbuild, offline)', () => {
  it('bundles each handler as one ESM file, without the inline secrets, under 1.5 MB (target: 1 MB, see bench)', () => {
    const b = synth(TEST_CONFIG, { bundle: true });
    const outdir = b.app.synth().directory;
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    assert.ok(assets.length >= 2);
    for (const a of assets) {
      const file = join(outdir, a, 'index.mjs');
      const code = readFileSync(file, 'utf8');
      assert.ok(!code.includes('plain-inline-secret-do-not-deploy') && !code.includes('another-inline-secret'), `${a} holds an inline secret`);
      assert.ok(code.includes('globex-okta-AbCdEf') && code.includes('acme-okta'), `${a}: the secret-free config is compiled in`);
      assert.ok(statSync(file).size < 1.5 * 1024 * 1024, `${a} is ${statSync(file).size} bytes`);
    }
  });
});
