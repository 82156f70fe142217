/**
 * Privacy in the deployed stacks (README, "Privacy"): a pseudonymizing tenant's key is a generated
 * secret of the stateful stack (never a value in a template), named in an output for `reveal`;
 * its intake and poller — and the EventBridge intake, which routes every tenant — may read it
 * and write its vault entries, other tenants' functions may not (policies evaluated); and a
 * tenant's own archive days become lifecycle rules on its prefixes, nothing bucket-wide over them.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { CfnElement } from 'aws-cdk-lib';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';
import type { StatelessStack } from '../../infra/stacks/stateless.ts';
import { privacyKeyOutputKey } from '../../cli/outputs.ts';
import { synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { ACCOUNT, allowed, evaluate, functionStatements, REGION, resolve, storageArns, type Request } from './policy-eval.ts';

const CONFIG = parseConfig({
  ...TEST_CONFIG,
  tenants: [
    { id: 'acme', name: 'Acme Corp', privacy: { pseudonymize: ['user_email', 'user_login', 'src_ip'] }, retention: { archiveDays: 3650 } },
    { id: 'globex', name: 'Globex' },
  ],
}, 'privacy test');

describe('privacy in the stacks', () => {
  let s: Synth;
  let stacks: { templates: Synth['templates'][keyof Synth['templates']][] };
  let keyArn: string;
  before(() => {
    s = synth(CONFIG);
    stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    const secret = (s.stateful as StatefulStack).storage.privacyKeys['acme']!;
    keyArn = resolve({ Ref: s.stateful.getLogicalId(secret.node.defaultChild as CfnElement) }, s.templates.stateful, stacks) as string;
  });

  it('one generated key for the pseudonymizing tenant, 64 hexadecimal characters, kept with the data; its ARN an output', () => {
    const secrets = s.templates.stateful.findResources('AWS::SecretsManager::Secret');
    assert.equal(Object.keys(secrets).length, 1);
    const [res] = Object.values(secrets) as { Properties: { GenerateSecretString: Record<string, unknown>; SecretString?: string }; DeletionPolicy: string }[];
    assert.equal(res!.Properties.SecretString, undefined, 'no value in the template');
    assert.deepEqual(res!.Properties.GenerateSecretString, { ExcludeCharacters: 'ghijklmnopqrstuvwxyz', ExcludePunctuation: true, ExcludeUppercase: true, IncludeSpace: false, PasswordLength: 64, RequireEachIncludedType: false });
    assert.equal(res!.DeletionPolicy, 'Retain');
    assert.ok(s.templates.stateful.findOutputs(privacyKeyOutputKey('acme'))[privacyKeyOutputKey('acme')]);
    assert.deepEqual(Object.keys(s.templates.stateful.findOutputs(privacyKeyOutputKey('globex'))), []);
  });

  it('acme\'s functions read its key and write its vault entries; globex\'s neither', () => {
    const stateless = s.stateless as StatelessStack;
    const st = (fn: { node: { defaultChild?: unknown } }) => functionStatements(s.templates.stateless, stateless.getLogicalId(fn.node.defaultChild as CfnElement), stacks).statements;
    const { stateTable } = storageArns(s, stacks);
    const read: Request = { action: 'secretsmanager:GetSecretValue', resource: keyArn };
    const vault = (tenant: string): Request => ({ action: 'dynamodb:PutItem', resource: stateTable, context: { 'dynamodb:LeadingKeys': `pn#${tenant}#pn_aaaaaaaaaaaaaaaaaaaa` } });
    const f = stateless.collector.tenantFunctions;
    for (const [who, fn] of [['acme intake', f['acme']!.intake!], ['EventBridge intake', stateless.collector.eventBridgeFunction]] as const) {
      assert.ok(allowed(st(fn), read), `${who} reads acme's key`);
      assert.ok(allowed(st(fn), vault('acme')), `${who} writes acme's vault entries`);
      assert.notEqual(evaluate(st(fn), vault('globex')), 'allow', `${who} must not write globex's vault entries`);
    }
    for (const [who, fn] of [['globex intake', f['globex']!.intake!], ['globex poller', f['globex']!.poller!], ['catch-all intake', stateless.collector.ingestFunction]] as const) {
      assert.notEqual(evaluate(st(fn), read), 'allow', `${who} must not read acme's key`);
      if (who === 'catch-all intake') assert.notEqual(evaluate(st(fn), vault('acme')), 'allow');
    }
    // The acme intake has no other state table write than its vault entries.
    assert.notEqual(evaluate(st(f['acme']!.intake!), { action: 'dynamodb:PutItem', resource: stateTable, context: { 'dynamodb:LeadingKeys': 'cursor#acme-okta' } }), 'allow');
    // Where the key is: an environment variable naming the secret, never its value.
    const env = (s.templates.stateless.toJSON() as { Resources: Record<string, { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }> })
      .Resources[stateless.getLogicalId(f['acme']!.intake!.node.defaultChild as CfnElement)]!.Properties!.Environment!.Variables!;
    assert.ok(JSON.stringify(env['AUTHTRAIL_PRIVACY_KEYS']).includes('acme'));
  });

  it('the eraser: rewrites the archive as the compactor does, deletes hot items, detector state, vault entries and quarantined bodies, reads the keys; nothing else', () => {
    const stateless = s.stateless as StatelessStack;
    const eraser = stateless.node.findAll().find((c) => c.node.path.endsWith('Eraser/EraserFunction')) as unknown as { node: { defaultChild?: unknown } };
    const st = functionStatements(s.templates.stateless, stateless.getLogicalId(eraser.node.defaultChild as CfnElement), stacks).statements;
    const { hotTable, stateTable } = storageArns(s, stacks);
    // The archive bucket's name, as policy-eval resolves the account and region.
    const obj = (key: string) => `arn:aws:s3:::authtrail-archive-${ACCOUNT}-${REGION}/${key}`;
    const can = (action: string, resource: string, context?: Record<string, string>) => evaluate(st, { action, resource, ...(context ? { context } : {}) }) === 'allow';
    assert.ok(can('dynamodb:Scan', hotTable) && can('dynamodb:DeleteItem', hotTable));
    assert.ok(can('dynamodb:DeleteItem', stateTable, { 'dynamodb:LeadingKeys': 'detect#acme#bob@example.com' }));
    assert.ok(can('dynamodb:DeleteItem', stateTable, { 'dynamodb:LeadingKeys': 'pn#acme#pn_aaaaaaaaaaaaaaaaaaaa' }));
    assert.ok(!can('dynamodb:DeleteItem', stateTable, { 'dynamodb:LeadingKeys': 'head#acme' }), 'never a chain head');
    assert.ok(can('secretsmanager:GetSecretValue', keyArn));
    assert.ok(can('s3:PutObject', obj('events/tenant=acme/dt=2026-11-20/compacted-0123456789abcdef.parquet')));
    assert.ok(!can('s3:PutObject', obj('events/tenant=acme/dt=2026-11-20/other.parquet')), 'no archive object but a merged one');
    assert.ok(can('s3:DeleteObject', obj('alerts/tenant=acme/dt=2026-11-20/a.parquet')));
    assert.ok(!can('s3:DeleteObjectVersion', obj('events/tenant=acme/dt=2026-11-20/x.parquet')), 'never a version');
    assert.ok(!can('s3:DeleteObject', obj('digests/tenant=acme/x.json')), 'never a digest');
    assert.ok(!can('s3:PutObject', obj('access/tenant=acme/dt=2026-11-20/x.json')), 'never the access log');
    assert.ok(can('s3:GetObject', obj('quarantine/tenant=acme/dt=2026-11-20/q.json')) && can('s3:DeleteObject', obj('quarantine/tenant=acme/dt=2026-11-20/q.json')));
    assert.ok(!can('s3:PutObject', obj('quarantine/tenant=acme/dt=2026-11-20/q.json')), 'a quarantined body is deleted whole, never rewritten');
    // No schedule invokes it.
    assert.ok(!JSON.stringify(s.templates.stateless.findResources('AWS::Scheduler::Schedule')).includes('Eraser'));
  });

  it('a tenant\'s own archive days: lifecycle rules per tenant prefix, each with its days, and no bucket-wide events rule', () => {
    const bucket = Object.values(s.templates.stateful.findResources('AWS::S3::Bucket')).find((b) => JSON.stringify(b).includes('tier-'))!;
    const rules = (bucket as { Properties: { LifecycleConfiguration: { Rules: { Id: string; Prefix?: string; ExpirationInDays?: number }[] } } }).Properties.LifecycleConfiguration.Rules;
    const expiry = Object.fromEntries(rules.filter((r) => r.Prefix?.startsWith('events/') || r.Prefix?.startsWith('alerts/')).map((r) => [r.Prefix, r.ExpirationInDays]));
    assert.deepEqual(expiry, { 'events/tenant=acme/': 3650, 'alerts/tenant=acme/': 3650, 'events/tenant=globex/': 2555, 'alerts/tenant=globex/': 2555 });
  });

  it('Object Lock: a tenant\'s days shorter than the lock are refused at synth', () => {
    assert.throws(() => synth(parseConfig({ ...CONFIG, retention: { ...CONFIG.retention, objectLock: 'compliance' }, tenants: [{ id: 'acme', name: 'A', retention: { archiveDays: 400 } }, { id: 'globex', name: 'G' }] }, 't')), /Object Lock/);
  });
});
