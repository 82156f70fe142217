/**
 * The web console in AWS, on the collector's HTTP API: its static files at `GET /console/…`
 * (lambdas/handlers/console.ts, no authorization: the files hold no data), the analysts' Cognito
 * user pool with one group per tenant, and `GET /v1/console/{proxy+}` to the investigation
 * function behind a JWT authorizer of that pool.
 *
 * Why from the API itself: same origin as the data, so no CORS, no CloudFront distribution, WAF
 * or second origin to secure and pay for; a visit costs a few tens of KB from one small function.
 * Why a user pool when the tooling routes keep IAM: a browser holds no AWS credentials, a group
 * per tenant (`tenantGroup`) maps an analyst to the tenants they may see (the investigation
 * function reads the `cognito:groups` claim), and sign-in requires a TOTP second factor.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildConsoleAssets } from '../../console/build.ts';
import type { ConsoleSettings } from '../../lambdas/core/console.ts';
import { defaultDomainPrefix } from '../../lambdas/core/console-config.ts';
import { tenantGroup } from '../../lambdas/core/investigate.ts';
import { OUTPUT_KEYS } from '../../cli/outputs.ts';
import { acknowledge } from '../nag.ts';
import { metricsService } from '../names.ts';
import { authtrailFunction } from './lambda.ts';

export interface AuthTrailConsoleProps {
  /** The tenants: one user-pool group each. */
  readonly tenants: readonly { readonly id: string; readonly name: string }[];
  /** The collector's HTTP API, which gets the console's routes. */
  readonly api: apigw.HttpApi;
  /** The investigation function, which answers `/v1/console/*` (lambdas/handlers/investigate.ts). */
  readonly investigateFunction: lambda.IFunction;
  /** @default 'authtrail' */
  readonly deploymentName?: string;
  /** The sign-in domain's prefix (`console.domainPrefix`). @default `<deploymentName>-<account id>` */
  readonly domainPrefix?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** The output naming the analysts' user pool. */
export const ANALYST_USER_POOL_OUTPUT = 'AnalystUserPoolId';

/**
 * The console page's path on the API (the page's own address, and its OAuth redirect): a file
 * name, which the greedy route `GET /console/{proxy+}` certainly matches (`/console/` would ask the
 * greedy variable to match nothing).
 */
export const CONSOLE_PATH = '/console/index.html';

export class AuthTrailConsole extends Construct {
  public readonly userPool: cognito.UserPool;
  public readonly client: cognito.UserPoolClient;
  public readonly domain: cognito.UserPoolDomain;
  /** Per tenant id: its group (named `tenant-<id>`). */
  public readonly groups: Record<string, cognito.CfnUserPoolGroup> = {};
  public readonly function: NodejsFunction;
  /** `<ApiUrl>/console/index.html` */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: AuthTrailConsoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const deploymentName = props.deploymentName ?? 'authtrail';
    this.url = `${props.api.apiEndpoint}${CONSOLE_PATH}`;

    this.userPool = new cognito.UserPool(this, 'AnalystPool', {
      userPoolName: `${deploymentName}-analysts`,
      // An operator creates each analyst (README); nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: 'Your authtrail web console account',
        emailBody: `You may now investigate in the authtrail web console: ${this.url} . Sign in with {username} and the temporary password {####} within 3 days: you then choose your own password and set up an authenticator app (TOTP).`,
      },
      // This product audits MFA: its own analysts sign in with a TOTP app, never SMS.
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      passwordPolicy: {
        minLength: 14, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true,
        tempPasswordValidity: Duration.days(3), passwordHistorySize: 5,
      },
      // Plus, for threat protection (below). Priced per monthly active user with no fixed
      // charge: a team of analysts costs cents to a few dollars a month.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      // The analysts and their TOTP enrolments outlive the stack.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // What threat protection does, written down rather than left to Cognito's defaults: a password
    // known to have leaked never signs in (nor is set), and a sign-in Cognito rates high-risk is
    // refused; lower risks change nothing, as MFA is asked every time anyway. No notification
    // mails (they would need an SES identity).
    new cognito.CfnUserPoolRiskConfigurationAttachment(this, 'ThreatProtection', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: { actions: { eventAction: 'BLOCK' }, eventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'] },
      accountTakeoverRiskConfiguration: {
        actions: {
          lowAction: { eventAction: 'NO_ACTION', notify: false },
          mediumAction: { eventAction: 'MFA_IF_CONFIGURED', notify: false },
          highAction: { eventAction: 'BLOCK', notify: false },
        },
      },
    });

    this.domain = this.userPool.addDomain('SignIn', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? defaultDomainPrefix(deploymentName, stack.account) },
    });

    this.client = this.userPool.addClient('ConsoleClient', {
      userPoolClientName: 'web-console',
      // A browser page: a public client, the authorization code grant with PKCE (the page sends a
      // code challenge, so a stolen code cannot be redeemed), nothing else.
      generateSecret: false,
      // SRP (the password never leaves the browser) and refresh; no plain-password or custom flows.
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [this.url],
        logoutUrls: [this.url],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // The page signs in again when its hour is up (it keeps no refresh token); Cognito's minimum.
      refreshTokenValidity: Duration.hours(1),
      authSessionValidity: Duration.minutes(5),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });

    for (const t of props.tenants) {
      this.groups[t.id] = new cognito.CfnUserPoolGroup(this, `Group-${t.id}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: tenantGroup(t.id),
        description: `Analysts who may investigate tenant ${t.id} (${t.name}) in the web console`.slice(0, 2048),
      });
    }

    // The console's data: the investigation function, for a valid access token of this pool and client.
    const authorizer = new HttpUserPoolAuthorizer('ConsoleAuthorizer', this.userPool, { userPoolClients: [this.client], authorizerName: 'analysts' });
    props.api.addRoutes({
      path: '/v1/console/{proxy+}',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('InvestigateConsole', props.investigateFunction, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
      authorizer,
    });

    const settings: ConsoleSettings = { auth: 'cognito', domain: this.domain.baseUrl(), clientId: this.client.userPoolClientId, redirectUri: this.url, logoutUri: this.url };
    this.function = authtrailFunction(this, 'ConsoleFunction', {
      handler: 'console',
      description: 'Web console: its static files and sign-in settings (no data; the page reads through the investigation API)',
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      service: metricsService(deploymentName),
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: { AUTHTRAIL_CONSOLE_SETTINGS: stack.toJsonString(settings) },
      // The page's three files, built now and compiled into the bundle.
      define: { 'process.env.AUTHTRAIL_CONSOLE_ASSETS': JSON.stringify(JSON.stringify(buildConsoleAssets())) },
    });
    const files = new HttpLambdaIntegration('ConsoleFiles', this.function, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 });
    const routes = [
      ...props.api.addRoutes({ path: '/console', methods: [apigw.HttpMethod.GET], integration: files }),
      ...props.api.addRoutes({ path: '/console/{proxy+}', methods: [apigw.HttpMethod.GET], integration: files }),
    ];
    for (const r of routes) acknowledge(r, 'The console\'s static files (page, script, style, sign-in settings) hold no data and must load before sign-in; every data request goes through /v1/console/* behind the user pool\'s JWT authorizer.', 'AwsSolutions-APIG4');

    new CfnOutput(stack, OUTPUT_KEYS.consoleUrl, { value: this.url, description: 'The web console (analysts sign in with the user pool AnalystUserPoolId)' });
    new CfnOutput(stack, ANALYST_USER_POOL_OUTPUT, { value: this.userPool.userPoolId, description: 'The analysts\' user pool: add an analyst with admin-create-user, then admin-add-user-to-group --group-name tenant-<tenant id>' });
  }
}
