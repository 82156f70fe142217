/**
 * The investigation API in AWS: `GET /v1/tenants/{tenant}/events|alerts|summary` on the
 * collector's HTTP API, IAM-authorized (SigV4), served by lambdas/handlers/investigate.ts, and
 * one managed investigator policy per tenant that may invoke only that tenant's routes.
 *
 * Why IAM and not a Cognito user pool: the callers are security teams and their tooling, who
 * already hold AWS identities (SSO permission sets, roles); a per-tenant policy on the route is
 * the same isolation model as the auditor policies, needs no user directory, no token issuer and
 * no claim mapping to keep right, and API Gateway refuses an unsigned or unauthorized request
 * before any code runs. The handler re-checks the tenant against the deployment's tenants.
 *
 * The function's role reads exactly what the handler reads: Query on the hot table's two indexes
 * (never the base table, so never `raw`), BatchGetItem of `feed#` records in the state table
 * (`dynamodb:LeadingKeys`), the archive's `alerts/` objects, and KMS decryption through DynamoDB
 * and S3 only.
 *
 * The web console's routes (`GET /v1/console/…`, the same function) are added by
 * infra/constructs/console.ts, behind a JWT authorizer of the analysts' user pool.
 */
import { Aws, CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLE_LAYOUT } from '../../lambdas/adapters/table-layout.ts';
import { ALERTS_PREFIX } from '../../lambdas/core/archive.ts';
import type { Config } from '../../lambdas/core/config.ts';
import { tenantOutputId } from '../../cli/outputs.ts';
import { acknowledge, nagResource } from '../nag.ts';
import { archiveBucketName, metricsService } from '../names.ts';
import { authtrailFunction } from './lambda.ts';

export interface AuthTrailInvestigateProps {
  readonly config: Config;
  /** The collector's HTTP API, which gets the investigation routes. */
  readonly api: apigw.HttpApi;
  readonly table: dynamodb.ITable;
  readonly stateTable: dynamodb.ITable;
  readonly key: kms.IKey;
  /** @default 'authtrail' */
  readonly deploymentName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** The output naming a tenant's investigator policy. */
export const investigatorPolicyOutputKey = (tenant: string) => `InvestigatorPolicyArn${tenantOutputId(tenant)}`;

export class AuthTrailInvestigate extends Construct {
  public readonly function: NodejsFunction;
  public readonly route: apigw.HttpRoute[];
  /** Per tenant id: the managed policy that may invoke that tenant's investigation routes. */
  public readonly investigatorPolicies: Record<string, iam.ManagedPolicy> = {};

  constructor(scope: Construct, id: string, props: AuthTrailInvestigateProps) {
    super(scope, id);
    const deploymentName = props.deploymentName ?? 'authtrail';
    const key = kms.Key.fromKeyArn(this, 'Key', props.key.keyArn);
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName: archiveBucketName(deploymentName), encryptionKey: key });
    const { tenants, alerts, retention } = props.config;
    const sources = props.config.sources.map((s) => ({ id: s.id, tenant: s.tenant, kind: s.kind }));
    this.function = authtrailFunction(this, 'InvestigateFunction', {
      handler: 'investigate',
      description: 'Investigation API: a tenant\'s events, alerts and summary from the hot table and the archive (IAM-authorized; the web console\'s routes by the analysts\' user pool)',
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      service: metricsService(deploymentName),
      environment: {
        AUTHTRAIL_TABLE: props.table.tableName,
        AUTHTRAIL_STATE_TABLE: props.stateTable.tableName,
        AUTHTRAIL_BUCKET: bucket.bucketName,
        AUTHTRAIL_KMS_KEY_ID: key.keyArn,
        AUTHTRAIL_REQUIRE_IAM: 'true',
      },
      define: {
        // The tenants' ids and names only (a tenant's other settings may name destinations and tokens).
        'process.env.AUTHTRAIL_RUNTIME_CONFIG': JSON.stringify(JSON.stringify({ tenants: tenants.map(({ id, name }) => ({ id, name })), sources: [], alerts, retention })),
        'process.env.AUTHTRAIL_INVESTIGATE_SOURCES': JSON.stringify(JSON.stringify(sources)),
      },
    });

    const fn = this.function;
    // A tenant's days from the table's key, a user's keys from `by_user`, the user's items by key.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [props.table.tableArn, ...TABLE_LAYOUT.indexes.map((i) => `${props.table.tableArn}/index/${i.name}`)] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [props.table.tableArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['dynamodb:BatchGetItem'], resources: [props.stateTable.tableArn],
      // Feed records only: never the detector's state, the archive's chain heads or the pollers' cursors.
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['feed#*'] } },
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${ALERTS_PREFIX}*`] } } }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${ALERTS_PREFIX}*`)] }));
    // The access log: one object per read, under access/ only (README, Privacy).
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('access/*')], conditions: { StringEquals: { 's3:if-none-match': '*' } } }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [key.keyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } } }));
    acknowledge(fn, 'The investigation API records each read as one object with a unique name under the archive\'s access/ prefix: the keys cannot be known in advance.',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucket.bucketName)}/access/*]`);
    const region = Stack.of(this).region;
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'], resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`dynamodb.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`] } },
    }));
    acknowledge(fn, 'The investigation API reads alert objects whose names derive from their content under the archive\'s alerts/ prefix: the keys cannot be known in advance.',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(bucket.bucketName)}/${ALERTS_PREFIX}*]`);

    // Every method but GET and every other path stay unrouted (API Gateway answers 404); the
    // webhook routes keep their own per-source auth and never lead here.
    this.route = props.api.addRoutes({
      path: '/v1/tenants/{tenant}/{proxy+}',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Investigate', fn, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
      authorizer: new HttpIamAuthorizer(),
    });

    const stack = Stack.of(this);
    for (const t of tenants) {
      const policy = new iam.ManagedPolicy(this, `InvestigatorPolicy${tenantOutputId(t.id)}`, {
        description: `authtrail: investigate tenant ${t.id} (its events, alerts and summary through the investigation API)`,
        statements: [new iam.PolicyStatement({
          actions: ['execute-api:Invoke'],
          // Pseudo parameters, not the stack's region and account: those are concrete when the CLI
          // knows them, and the acknowledgement below names the ARN as cdk-nag renders it.
          resources: [`arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${props.api.apiId}/*/GET/v1/tenants/${t.id}/*`],
        })],
      });
      acknowledge(policy, `The tenant's investigation routes: any stage, GET only, only paths under /v1/tenants/${t.id}/.`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${stack.getLogicalId(props.api.node.defaultChild as apigw.CfnApi)}>/*/GET/v1/tenants/${t.id}/*]`);
      this.investigatorPolicies[t.id] = policy;
      new CfnOutput(stack, investigatorPolicyOutputKey(t.id), { value: policy.managedPolicyArn, description: `Attach to the roles of tenant ${t.id}'s investigators (SigV4-signed GET /v1/tenants/${t.id}/...)` });
    }
  }
}
