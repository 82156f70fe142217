/**
 * Synthesizes authtrail the way `cdk synth` does (cdk.json context included), with a test config.
 */
import { readFileSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig, type Config } from '../../lambdas/core/config.ts';
import { buildApp } from '../../infra/build.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

export const TEST_CONFIG = parseConfig({
  tenants: [{ id: 'acme', name: 'Acme Corp' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'plain-inline-secret-do-not-deploy' }, eventbridge: { bus: 'aws.partner/okta.com/acme-org/authtrail' } },
    { id: 'globex-okta', tenant: 'globex', kind: 'okta', auth: { type: 'shared-secret', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:globex-okta-AbCdEf' },
      pull: { baseUrl: 'https://globex.okta.example.com', apiToken: '00-inline-okta-token-do-not-deploy', intervalSeconds: 300 } },
    { id: 'acme-duo', tenant: 'acme', kind: 'duo',
      pull: { baseUrl: 'https://api-1a2b3c4d.duosecurity.example.com', integrationKey: 'DIXXXXXXXXXXXXXXXXXX', secretKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:acme-duo-skey-AbCdEf' } },
    { id: 'globex-generic', tenant: 'globex', kind: 'generic', auth: { type: 'hmac-sha256', header: 'x-signature', secret: 'another-inline-secret' } },
    { id: 'globex-aws', tenant: 'globex', kind: 'aws_signin', eventbridge: {} },
  ],
  retention: { hotDays: 30, archiveDays: 2555, infrequentAccessAfterDays: 30, glacierAfterDays: 180 },
});

export interface Synth { app: App; stateful: Stack; stateless: Stack; templates: { stateful: Template; stateless: Template } }

export function synth(config: Config = TEST_CONFIG, { bundle = false, context: extra = {} }: { bundle?: boolean; context?: Record<string, unknown> } = {}): Synth {
  const context: Record<string, unknown> = { ...cdkJson.context, ...extra };
  // Bundling every Lambda with esbuild takes seconds; assertion tests skip it unless asked.
  if (!bundle) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context });
  const { stateful, stateless } = buildApp(app, config);
  return { app, stateful, stateless, templates: { stateful: Template.fromStack(stateful), stateless: Template.fromStack(stateless) } };
}

export interface NagFinding { rule: string; path: string; message: string }

/** Unacknowledged cdk-nag AwsSolutions findings of a stack. */
export function nagFindings(app: App, stack: Stack): NagFinding[] {
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.resourceLogicalId ?? r.locations?.join(',') ?? '', message: v.description.slice(0, 140) })));
}
