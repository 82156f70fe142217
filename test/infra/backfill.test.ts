/**
 * The backfill function: what `authtrail backfill --outputs` invokes. Its role, evaluated: it can
 * read the hot table's time index and items, read and write the archive's events, digests and
 * alerts and the chain heads, and publish alerts — and it can delete nothing, touch no quarantine,
 * read no secret; the operator commands policy may invoke it.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { nagFindings, synth, type Synth } from '../helpers/cdk.ts';
import { allowed, functionStatements, managedPolicyStatements, REGION, ACCOUNT, resolve, type Request, type Statement, storageArns } from './policy-eval.ts';

const ARCHIVE = `authtrail-archive-${ACCOUNT}-${REGION}`;
const obj = (key: string) => `arn:aws:s3:::${ARCHIVE}/${key}`;

describe('infra: the backfill function', () => {
  let s: Synth;
  let fnId: string;
  let statements: Statement[];
  let hotTableArn: string;
  let stateTableArn: string;
  let keyArn: string;
  let secretsKeyArn: string;
  let stacks: { templates: Synth['templates'][keyof Synth['templates']][] };
  before(() => {
    s = synth();
    const t = s.templates.stateless;
    const fns = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Re-archive a tenant-day') } }));
    assert.equal(fns.length, 1);
    fnId = fns[0]!;
    stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    ({ statements } = functionStatements(t, fnId, stacks));
    ({ hotTable: hotTableArn, stateTable: stateTableArn, key: keyArn, secretsKey: secretsKeyArn } = storageArns(s, stacks));
  });

  it('Node 24 on arm64 with 15 minutes for a tenant-day; output BackfillFunctionName', () => {
    s.templates.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Re-archive a tenant-day'), Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900, MemorySize: 2048,
    });
    assert.deepEqual(Object.keys(s.templates.stateless.findOutputs('BackfillFunctionName')), ['BackfillFunctionName']);
  });

  it('reads the hot table by time, writes the archive through the commit, publishes alerts', () => {
    const can = (r: Request) => allowed(statements, r);
    assert.ok(can({ action: 'dynamodb:Query', resource: hotTableArn }), 'a tenant-day is the table\'s own key');
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) assert.ok(can({ action, resource: stateTableArn }), action);
    for (const key of ['events/tenant=acme/dt=2026-11-20/part-1.parquet', 'digests/tenant=acme/dt=2026-11-28/x.json', 'alerts/tenant=acme/dt=2026-11-20/a.parquet']) {
      assert.ok(can({ action: 's3:GetObject', resource: obj(key) }), key);
      assert.ok(can({ action: 's3:PutObject', resource: obj(key) }), key);
    }
    assert.ok(can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, context: { 's3:prefix': 'digests/tenant=acme/' } }));
    assert.ok(can({ action: 'kms:GenerateDataKey', resource: keyArn, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }));
    assert.ok(statements.some((st) => st.Effect === 'Allow' && [st.Action].flat().includes('sns:Publish')));
  });

  it('deletes nothing, touches neither the quarantine nor the other index, reads no secret', () => {
    const can = (r: Request) => allowed(statements, r);
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:PutLifecycleConfiguration'])
      for (const resource of ['*', `arn:aws:s3:::${ARCHIVE}`, ...['events/x', 'digests/x', 'alerts/x'].map(obj)]) assert.ok(!can({ action, resource }), `${action} ${resource}`);
    for (const key of ['quarantine/x.json']) for (const action of ['s3:GetObject', 's3:PutObject']) assert.ok(!can({ action, resource: obj(key) }), `${action} ${key}`);
    for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:UpdateItem']) assert.ok(!can({ action, resource: hotTableArn }), action);
    assert.ok(!can({ action: 'dynamodb:Query', resource: `${hotTableArn}/index/by_user` }));
    assert.ok(!can({ action: 'dynamodb:BatchGetItem', resource: hotTableArn }), 'no previous table configured: no item reads by key');
    assert.ok(!can({ action: 'dynamodb:DeleteItem', resource: stateTableArn }));
    assert.ok(!can({ action: 'secretsmanager:GetSecretValue', resource: '*' }));
    assert.ok(!can({ action: 'kms:Decrypt', resource: secretsKeyArn, context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } }));
  });

  it('the operator commands policy may invoke it (and that is how an operator writes to the archive)', () => {
    const t = s.templates.stateless;
    const [policyId] = Object.keys(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('operator commands') } }));
    const op = managedPolicyStatements(t, policyId!, stacks);
    const fnArn = resolve({ 'Fn::GetAtt': [fnId, 'Arn'] }, t, stacks) as string;
    assert.ok(allowed(op, { action: 'lambda:InvokeFunction', resource: fnArn }));
    assert.ok(!allowed(op, { action: 's3:PutObject', resource: obj('events/tenant=acme/dt=2026-11-20/x.parquet') }), 'the operator itself still cannot write events');
  });

  it('cdk-nag: no unacknowledged finding', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });
});
