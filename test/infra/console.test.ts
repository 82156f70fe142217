/**
 * The web console in AWS: its routes on the collector's API and how each is authorized (the data
 * routes by the analysts' user pool as a JWT issuer with the console's client as audience, the
 * page's files by nothing, the tooling routes still by IAM), the console function's role evaluated
 * (logs and X-Ray only), the user pool (MFA required with TOTP, no self sign-up, password policy,
 * retained), one group per tenant named as the investigation function expects, the public client
 * (code grant only, the console's own URL), the sign-in settings the page receives, the bundle
 * really serving the built page, the config switch and domain prefix, and cdk-nag.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { parseConfig, type Config } from '../../lambdas/core/config.ts';
import { tenantGroup } from '../../lambdas/core/investigate.ts';
import type { ConsoleAssets, ConsoleSettings } from '../../lambdas/core/console.ts';
import { buildConsoleAssets } from '../../console/build.ts';
import { OUTPUT_KEYS } from '../../cli/outputs.ts';
import { ANALYST_USER_POOL_OUTPUT, AuthTrailConsole } from '../../infra/constructs/console.ts';
import type { StatelessStack } from '../../infra/stacks/stateless.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { ACCOUNT, allowed, functionStatements, REGION, resolve, type Request, type Stacks, type Statement } from './policy-eval.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
const resources = (t: Template) => (t.toJSON() as { Resources: Record<string, Resource> }).Resources;
const only = (t: Template, type: string): [string, Resource] => {
  const found = Object.entries(resources(t)).filter(([, r]) => r.Type === type);
  assert.equal(found.length, 1, `one ${type}`);
  return found[0]!;
};
const withConsole = (console: Record<string, unknown>, more: Record<string, unknown> = {}): Config => parseConfig({ ...TEST_CONFIG, ...more, console }, 'test');
/** The logical id of the integration a route targets (`integrations/<id>`). */
const integrationOf = (route: Resource) => ((route.Properties['Target'] as { 'Fn::Join': [string, [string, { Ref: string }]] })['Fn::Join'][1][1]).Ref;
const functionOfIntegration = (t: Template, id: string) => ((resources(t)[id]!.Properties['IntegrationUri'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);

describe('infra: the web console in AWS', () => {
  let s: Synth;
  let t: Template;
  let stacks: Stacks;
  let routes: Map<string, Resource>;
  let poolId: string;
  let clientId: string;
  let consoleFn: string;
  let investigateFn: string;
  let consoleUrl: string;

  before(() => {
    s = synth();
    t = s.templates.stateless;
    stacks = { templates: [s.templates.stateful, t] };
    routes = new Map(Object.values(resources(t)).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => [String(r.Properties['RouteKey']), r]));
    poolId = only(t, 'AWS::Cognito::UserPool')[0];
    clientId = only(t, 'AWS::Cognito::UserPoolClient')[0];
    const fnByDescription = (re: string) => {
      const ids = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(re) } }));
      assert.equal(ids.length, 1, re);
      return ids[0]!;
    };
    consoleFn = fnByDescription('^Web console');
    investigateFn = fnByDescription('^Investigation API');
    const out = (t.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    consoleUrl = resolve(out[OUTPUT_KEYS.consoleUrl]!.Value, t, stacks) as string;
  });

  it('routes: the console\'s data behind the user pool\'s JWT authorizer, its files open, the tooling routes still IAM; GET only', () => {
    const data = routes.get('GET /v1/console/{proxy+}');
    assert.ok(data, [...routes.keys()].join(', '));
    assert.equal(data.Properties['AuthorizationType'], 'JWT');
    const authorizerId = (data.Properties['AuthorizerId'] as { Ref: string }).Ref;
    const authorizer = resources(t)[authorizerId]!;
    assert.equal(authorizer.Properties['AuthorizerType'], 'JWT');
    assert.deepEqual(authorizer.Properties['IdentitySource'], ['$request.header.Authorization']);
    const jwt = resolve(authorizer.Properties['JwtConfiguration'], t, stacks) as { Issuer: string; Audience: string[] };
    assert.equal(jwt.Issuer, `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`, 'the analysts\' pool issues the tokens');
    assert.deepEqual(jwt.Audience, [clientId], 'for the console\'s client only');
    assert.equal(functionOfIntegration(t, integrationOf(data)), investigateFn, 'the investigation function answers the console\'s data');

    for (const key of ['GET /console', 'GET /console/{proxy+}']) {
      const r = routes.get(key);
      assert.ok(r, key);
      assert.equal(r.Properties['AuthorizationType'], 'NONE', key);
      assert.equal(r.Properties['AuthorizerId'], undefined, key);
      assert.equal(functionOfIntegration(t, integrationOf(r)), consoleFn, `${key} reaches the console function`);
    }
    assert.equal(routes.get('GET /v1/tenants/{tenant}/{proxy+}')?.Properties['AuthorizationType'], 'AWS_IAM');
    // No other method, no other console path; nothing else reaches the console function.
    assert.deepEqual([...routes.keys()].filter((k) => /console/.test(k)).sort(), ['GET /console', 'GET /console/{proxy+}', 'GET /v1/console/{proxy+}']);
    for (const [k, r] of routes) if (!/^GET \/console/.test(k)) assert.notEqual(functionOfIntegration(t, integrationOf(r)), consoleFn, k);
    // Exactly one JWT authorizer, and only the console's data route uses it.
    assert.equal(Object.values(resources(t)).filter((r) => r.Type === 'AWS::ApiGatewayV2::Authorizer').length, 1);
    assert.deepEqual([...routes].filter(([, r]) => r.Properties['AuthorizationType'] === 'JWT').map(([k]) => k), ['GET /v1/console/{proxy+}']);
  });

  it('invoke permissions: API Gateway may call the console function on /console paths and the investigation function on /v1/console/{proxy+}', () => {
    const perms = Object.values(resources(t)).filter((r) => r.Type === 'AWS::Lambda::Permission');
    const arnsFor = (fn: string) => perms.filter((p) => JSON.stringify(p.Properties['FunctionName']).includes(fn)).map((p) => String(resolve(p.Properties['SourceArn'], t, stacks)));
    const api = only(t, 'AWS::ApiGatewayV2::Api')[0];
    assert.deepEqual(arnsFor(consoleFn).sort(), [`arn:aws:execute-api:${REGION}:${ACCOUNT}:${api}/*/*/console`, `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api}/*/*/console/{proxy+}`]);
    assert.ok(arnsFor(investigateFn).includes(`arn:aws:execute-api:${REGION}:${ACCOUNT}:${api}/*/*/v1/console/{proxy+}`));
  });

  it('the console function\'s role may write its logs and traces, nothing else', () => {
    const { statements, managed } = functionStatements(t, consoleFn, stacks);
    assert.deepEqual(managed.map((m) => m.replace(/^arn:aws:iam::aws:policy\//, '')), ['service-role/AWSLambdaBasicExecutionRole']);
    for (const st of statements) {
      assert.equal(st.Effect, 'Allow');
      assert.equal(st.NotAction, undefined);
      for (const a of [st.Action ?? []].flat()) assert.match(a, /^xray:Put(TraceSegments|TelemetryRecords)$/, 'X-Ray only');
    }
    const can = (r: Request) => allowed(statements as Statement[], r);
    assert.ok(can({ action: 'xray:PutTraceSegments', resource: '*' }));
    for (const action of ['dynamodb:Query', 'dynamodb:GetItem', 's3:GetObject', 's3:ListBucket', 'kms:Decrypt', 'secretsmanager:GetSecretValue', 'lambda:InvokeFunction',
      'execute-api:Invoke', 'cognito-idp:AdminGetUser', 'cognito-idp:ListUsers', 'cognito-idp:AdminAddUserToGroup', 'sns:Publish', 'iam:PassRole'])
      assert.ok(!can({ action, resource: '*' }), action);
    const fn = resources(t)[consoleFn]!.Properties;
    assert.equal(fn['MemorySize'], 256);
    const env = (fn['Environment'] as { Variables: Record<string, unknown> }).Variables;
    assert.deepEqual(Object.keys(env).filter((k) => /TABLE|BUCKET|SECRET|KEY/.test(k)), [], 'knows no table, bucket, key or secret');
  });

  it('user pool: MFA required with TOTP only, no self sign-up, email as username, a strong password policy, threat protection, retained', () => {
    const [, pool] = only(t, 'AWS::Cognito::UserPool');
    const p = pool.Properties;
    assert.equal(p['MfaConfiguration'], 'ON');
    assert.deepEqual(p['EnabledMfas'], ['SOFTWARE_TOKEN_MFA']);
    assert.equal((p['AdminCreateUserConfig'] as { AllowAdminCreateUserOnly: boolean }).AllowAdminCreateUserOnly, true);
    assert.deepEqual(p['UsernameAttributes'], ['email']);
    const pw = (p['Policies'] as { PasswordPolicy: Record<string, unknown> }).PasswordPolicy;
    assert.ok(Number(pw['MinimumLength']) >= 14, `minimum length ${String(pw['MinimumLength'])}`);
    for (const k of ['RequireLowercase', 'RequireUppercase', 'RequireNumbers', 'RequireSymbols']) assert.equal(pw[k], true, k);
    assert.ok(Number(pw['TemporaryPasswordValidityDays']) <= 7);
    assert.equal(p['UserPoolTier'], 'PLUS');
    assert.deepEqual(p['UserPoolAddOns'], { AdvancedSecurityMode: 'ENFORCED' });
    assert.equal(p['DeletionProtection'], 'ACTIVE');
    assert.equal(pool.DeletionPolicy, 'Retain');
    assert.equal(pool.UpdateReplacePolicy, 'Retain');
    const [, risk] = only(t, 'AWS::Cognito::UserPoolRiskConfigurationAttachment');
    assert.deepEqual(risk.Properties, {
      UserPoolId: { Ref: poolId }, ClientId: 'ALL',
      CompromisedCredentialsRiskConfiguration: { Actions: { EventAction: 'BLOCK' }, EventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'] },
      AccountTakeoverRiskConfiguration: { Actions: {
        LowAction: { EventAction: 'NO_ACTION', Notify: false }, MediumAction: { EventAction: 'MFA_IF_CONFIGURED', Notify: false }, HighAction: { EventAction: 'BLOCK', Notify: false },
      } },
    }, 'leaked passwords and high-risk sign-ins are refused');
    // The invitation names the console and carries Cognito's placeholders.
    const invite = String(resolve((p['AdminCreateUserConfig'] as { InviteMessageTemplate: { EmailMessage: unknown } }).InviteMessageTemplate.EmailMessage, t, stacks));
    assert.ok(invite.includes(consoleUrl) && invite.includes('{username}') && invite.includes('{####}'), invite);
    // No identity pool: nothing hands out AWS credentials, to anyone.
    assert.deepEqual(Object.keys(t.findResources('AWS::Cognito::IdentityPool')), []);
    // The sign-in domain: a Cognito prefix domain, by default the deployment name and the account.
    const [, domain] = only(t, 'AWS::Cognito::UserPoolDomain');
    assert.equal(resolve(domain.Properties['Domain'], t, stacks), `authtrail-${ACCOUNT}`);
    assert.equal(domain.Properties['CustomDomainConfig'], undefined);
    assert.deepEqual(domain.Properties['UserPoolId'], { Ref: poolId });
  });

  it('one group per tenant, named as the investigation function reads the cognito:groups claim', () => {
    const groups = Object.values(resources(t)).filter((r) => r.Type === 'AWS::Cognito::UserPoolGroup');
    assert.deepEqual(groups.map((g) => g.Properties['GroupName']).sort(), TEST_CONFIG.tenants.map((x) => tenantGroup(x.id)).sort());
    for (const g of groups) {
      assert.deepEqual(g.Properties['UserPoolId'], { Ref: poolId });
      assert.equal(g.Properties['RoleArn'], undefined, 'a group grants no IAM role');
    }
  });

  it('the client: public (no secret), authorization code grant only, openid + email, the console URL as callback and logout, short tokens', () => {
    const [, client] = only(t, 'AWS::Cognito::UserPoolClient');
    const c = client.Properties;
    assert.equal(c['GenerateSecret'], false);
    assert.deepEqual(c['AllowedOAuthFlows'], ['code']);
    assert.equal(c['AllowedOAuthFlowsUserPoolClient'], true);
    assert.deepEqual([...(c['AllowedOAuthScopes'] as string[])].sort(), ['email', 'openid']);
    assert.deepEqual(c['SupportedIdentityProviders'], ['COGNITO']);
    assert.match(consoleUrl, /^CollectorApi\w+\.ApiEndpoint\/console\/index\.html$/, 'the API endpoint and /console/index.html');
    assert.deepEqual(resolve(c['CallbackURLs'], t, stacks), [consoleUrl]);
    assert.deepEqual(resolve(c['LogoutURLs'], t, stacks), [consoleUrl]);
    const units = c['TokenValidityUnits'] as Record<string, string>;
    const minutes = (v: unknown, unit: string | undefined) => Number(v) * (unit === 'hours' ? 60 : unit === 'days' ? 1440 : 1);
    assert.ok(minutes(c['AccessTokenValidity'], units['AccessToken'] ?? units['accessToken']) <= 60, 'access tokens live at most an hour');
    assert.ok(minutes(c['IdTokenValidity'], units['IdToken'] ?? units['idToken']) <= 60);
    assert.equal(c['PreventUserExistenceErrors'], 'ENABLED');
    assert.equal(c['EnableTokenRevocation'], true);
    for (const flow of c['ExplicitAuthFlows'] as string[]) assert.match(flow, /^ALLOW_(USER_SRP|REFRESH_TOKEN)_AUTH$/, 'no plain-password or custom flow');
  });

  it('the page is told how to sign in: the pool\'s domain, the client, the console URL', () => {
    const env = (resources(t)[consoleFn]!.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    const settings = JSON.parse(String(resolve(env['AUTHTRAIL_CONSOLE_SETTINGS'], t, stacks))) as ConsoleSettings;
    const [domainId] = only(t, 'AWS::Cognito::UserPoolDomain');
    assert.deepEqual(settings, {
      auth: 'cognito', domain: `https://${domainId}.auth.${REGION}.amazoncognito.com`, clientId, redirectUri: consoleUrl, logoutUri: consoleUrl,
    });
  });

  it('outputs: ConsoleUrl (read by `authtrail console --outputs`) and AnalystUserPoolId', () => {
    const out = (t.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    assert.deepEqual(out[ANALYST_USER_POOL_OUTPUT]?.Value, { Ref: poolId });
    assert.ok(out[OUTPUT_KEYS.consoleUrl]);
  });

  it('cdk-nag: no unacknowledged finding; each of the console\'s acknowledgements gives its reason', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
    const ui = (s.stateless as StatelessStack).console!;
    const acks = (c: IConstruct) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.entries(m.data as Record<string, string>)).map(([id, reason]) => [id.replace(/^Annotation::/, ''), reason] as const);
    const mine = [ui, ...ui.node.findAll(), ...s.stateless.node.findAll().filter((c) => c instanceof apigw.HttpRoute && /console/.test(c.node.id) && !/v1/.test(c.node.id))]
      .flatMap((c) => acks(c).map(([id, reason]) => ({ path: c.node.path, id, reason })));
    assert.deepEqual([...new Set(mine.map((a) => a.id))].sort(), [
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Resource::*]',
    ], 'the pool and the client need none: MFA, password policy and the Plus plan are set, not waived');
    assert.equal(mine.filter((a) => a.id === 'AwsSolutions-APIG4').length, 2, 'the two file routes, each on its own');
    for (const a of mine) assert.ok(a.reason.length >= 40 && /[a-z]{4,}/.test(a.reason), `${a.path}: ${a.id}: "${a.reason}"`);
  });
});

describe('infra: the console settings in the config', () => {
  it('console.enabled false: no user pool, no console routes or function, no console outputs; the tooling routes stay', () => {
    const s = synth(withConsole({ enabled: false }));
    const t = s.templates.stateless;
    for (const type of ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient', 'AWS::Cognito::UserPoolRiskConfigurationAttachment', 'AWS::Cognito::UserPoolDomain', 'AWS::Cognito::UserPoolGroup', 'AWS::ApiGatewayV2::Authorizer'])
      assert.deepEqual(Object.keys(t.findResources(type)), [], type);
    const keys = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => String(r['Properties'].RouteKey));
    assert.deepEqual(keys.filter((k) => k.includes('console')), []);
    assert.ok(keys.includes('GET /v1/tenants/{tenant}/{proxy+}'));
    assert.deepEqual(Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Web console') } })), []);
    assert.deepEqual(Object.keys(t.findOutputs(OUTPUT_KEYS.consoleUrl)), []);
    assert.deepEqual(Object.keys(t.findOutputs(ANALYST_USER_POOL_OUTPUT)), []);
    assert.equal((s.stateless as StatelessStack).console, undefined);
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });

  it('console.domainPrefix names the sign-in domain; tenant ids with "-" and "_" get their groups', () => {
    const s = synth(withConsole({ domainPrefix: 'acme-soc-2026' }, { tenants: [{ id: 'acme-eu', name: 'Acme EU' }, { id: 'acme_us', name: 'Acme US' }], sources: [] }));
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-soc-2026' });
    const groups = Object.values(t.findResources('AWS::Cognito::UserPoolGroup')).map((g) => g['Properties'].GroupName as string).sort();
    assert.deepEqual(groups, ['tenant-acme-eu', 'tenant-acme_us']);
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });

  it('the config refuses a prefix Cognito would refuse, naming the field; a deployment name with a reserved word needs its own prefix', () => {
    const bad: [Record<string, unknown>, Record<string, unknown>, RegExp][] = [
      [{ domainPrefix: 'Acme' }, {}, /console\.domainPrefix: use 1-63 lower-case letters/],
      [{ domainPrefix: '-acme' }, {}, /console\.domainPrefix: use 1-63/],
      [{ domainPrefix: 'acme-' }, {}, /console\.domainPrefix: use 1-63/],
      [{ domainPrefix: 'a'.repeat(64) }, {}, /console\.domainPrefix: use 1-63/],
      [{ domainPrefix: 'acme.soc' }, {}, /console\.domainPrefix: use 1-63/],
      [{ domainPrefix: 'my-aws-soc' }, {}, /console\.domainPrefix: Cognito refuses a domain prefix that contains "aws"/],
      [{ domainPrefix: 'amazonsoc' }, {}, /contains "amazon"/],
      [{ domainPrefix: 'soc-cognito' }, {}, /contains "cognito"/],
      [{}, { operations: { deploymentName: 'aws-audit' } }, /console\.domainPrefix: the default sign-in domain prefix "aws-audit-<account>" contains "aws", which Cognito refuses: set console\.domainPrefix/],
      [{ enabled: 'yes' }, {}, /console\.enabled/],
      [{ domain: 'x' }, {}, /console/],
    ];
    for (const [c, more, re] of bad) {
      assert.throws(() => withConsole(c, more), (e: Error) => e.name === 'ConfigError' && re.test(e.message), JSON.stringify(c));
    }
    // No console, no domain: the deployment name may then say anything.
    assert.doesNotThrow(() => withConsole({ enabled: false }, { operations: { deploymentName: 'aws-audit' } }));
    assert.doesNotThrow(() => withConsole({ domainPrefix: 'audit-soc' }, { operations: { deploymentName: 'aws-audit' } }));
    assert.equal(parseConfig({ ...TEST_CONFIG }, 'test').console, undefined, 'absent: enabled by default (consoleEnabled)');
  });
});

describe('infra: the console construct on its own', () => {
  it('esbuild compiles the three files into the bundle; the bundled handler answers /console/, app.js, app.css and config.json; cdk-nag needs only the API\'s access logs', async () => {
    // One stack with the console alone, so only its function is bundled, and its own
    // acknowledgements are judged without the collector's.
    const app = new App({ context: { ...JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context } });
    const stack = new Stack(app, 'ConsoleOnly', { env: { account: ACCOUNT, region: REGION } });
    const api = new apigw.HttpApi(stack, 'Api');
    const investigate = lambda.Function.fromFunctionArn(stack, 'Investigate', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:investigate`);
    const ui = new AuthTrailConsole(stack, 'Console', { tenants: [{ id: 'acme', name: 'Acme' }], api, investigateFunction: investigate });
    const outdir = app.synth().directory;
    // A bare API has no access log (the collector's has): nothing else is found.
    assert.deepEqual(nagFindings(app, stack).map((f) => f.rule), ['AwsSolutions-APIG1']);
    const fnId = stack.getLogicalId(ui.function.node.defaultChild as CfnElement);
    const code = (resources(Template.fromStack(stack))[fnId]!.Properties['Code'] as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    const file = join(outdir, `asset.${code}`, 'index.mjs');
    const text = readFileSync(file, 'utf8');
    assert.ok(text.length < 512 * 1024, `${text.length} bytes`);
    const built: ConsoleAssets = buildConsoleAssets();
    // The page's own markup travels as a string literal: look for a line of it, as esbuild escapes it.
    const firstTag = built['index.html']!.body.split('\n').find((l) => l.includes('<title'))!.trim();
    assert.ok(text.includes(JSON.stringify(firstTag).slice(1, -1)) || text.includes(firstTag), 'index.html is in the bundle');

    const settings: ConsoleSettings = { auth: 'cognito', domain: `https://acme-soc.auth.${REGION}.amazoncognito.com`, clientId: 'client123', redirectUri: 'https://api.example/console/', logoutUri: 'https://api.example/console/' };
    process.env['AUTHTRAIL_CONSOLE_SETTINGS'] = JSON.stringify(settings);
    try {
      const mod = await import(pathToFileURL(file).href) as { handler: (e: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }> };
      const get = (path: string) => mod.handler({ rawPath: path, headers: {}, requestContext: { http: { method: 'GET', path } } });
      const page = await get('/console/');
      assert.equal(page.statusCode, 200);
      assert.equal(page.body, built['index.html']!.body, 'index.html, byte for byte');
      assert.match(page.headers['content-type']!, /^text\/html/);
      assert.match(page.headers['content-security-policy']!, /connect-src 'self' https:\/\/acme-soc\.auth\.eu-west-1\.amazoncognito\.com/);
      assert.equal((await get('/console/app.js')).body, built['app.js']!.body, 'app.js, byte for byte');
      assert.equal((await get('/console/app.css')).body, built['app.css']!.body);
      assert.deepEqual(JSON.parse((await get('/console/config.json')).body), settings);
      assert.equal((await get('/console')).statusCode, 308);
      assert.equal((await get('/console/nope.js')).statusCode, 404);
    } finally {
      delete process.env['AUTHTRAIL_CONSOLE_SETTINGS'];
    }
  });
});
