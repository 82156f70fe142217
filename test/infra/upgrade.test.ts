/**
 * Upgrading from the previous hot-table layout (`upgrade.legacyHotTable`): the intake functions may
 * read the old table by key (their redelivery check) and the backfill function may read its time
 * index and items — and nothing may write, delete or scan it; without the setting, no role names
 * it. Roles are evaluated, not grepped.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lambdas/core/config.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { allowed, functionStatements, managedPolicyStatements, REGION, ACCOUNT, type Statement } from './policy-eval.ts';

const OLD = 'AuthTrailStateful-HotTable1A2B3C4D-EXAMPLE';
const oldArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${OLD}`;

describe('infra: upgrading from the previous hot table', () => {
  let s: Synth;
  let plain: Synth;
  const roles = (x: Synth, description: RegExp) => {
    const t = x.templates.stateless;
    const stacks = { templates: [x.templates.stateful, t] };
    return Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(description.source) } }))
      .map((fn) => functionStatements(t, fn, stacks).statements);
  };
  const every = (x: Synth): Statement[][] => {
    const t = x.templates.stateless;
    const stacks = { templates: [x.templates.stateful, t] };
    return Object.keys(t.findResources('AWS::Lambda::Function')).flatMap((fn) => { try { return [functionStatements(t, fn, stacks).statements]; } catch { return []; } });
  };
  before(() => {
    s = synth(parseConfig({ ...JSON.parse(JSON.stringify(TEST_CONFIG)), upgrade: { legacyHotTable: OLD } }));
    plain = synth();
  });

  it('the intake functions may read the old table by key; the backfill its time index and items', () => {
    const intakes = [...roles(s, /^Webhook intake of tenant/), ...roles(s, /^EventBridge intake/), ...roles(s, /^Poll the vendor APIs/)];
    assert.equal(intakes.length, 2 + 1 + 2, 'two tenants\' webhook intakes, the EventBridge intake, two pollers');
    for (const st of intakes) assert.ok(allowed(st, { action: 'dynamodb:BatchGetItem', resource: oldArn }));
    const [backfill] = roles(s, /^Re-archive a tenant-day/);
    assert.ok(backfill);
    assert.ok(allowed(backfill, { action: 'dynamodb:Query', resource: `${oldArn}/index/by_time` }));
    assert.ok(allowed(backfill, { action: 'dynamodb:BatchGetItem', resource: oldArn }));
  });

  it('the operator commands\' policy may read it by key (quarantine replay\'s redelivery check), and nothing more', () => {
    const t = s.templates.stateless;
    const ref = (Object.values(t.findOutputs('OperatorCommandsPolicyArn'))[0]?.['Value'] as { Ref: string }).Ref;
    const st = managedPolicyStatements(t, ref, { templates: [s.templates.stateful, t] });
    assert.ok(allowed(st, { action: 'dynamodb:BatchGetItem', resource: oldArn }));
    for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:Query']) assert.ok(!allowed(st, { action, resource: oldArn }), action);
  });

  it('no role may write, delete or scan the old table; without the setting no role may read it', () => {
    for (const st of every(s)) {
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan', 'dynamodb:DeleteTable']) {
        assert.ok(!allowed(st, { action, resource: oldArn }), action);
      }
    }
    for (const st of every(plain)) assert.ok(!allowed(st, { action: 'dynamodb:BatchGetItem', resource: oldArn }));
  });

  it('cdk-nag: no unacknowledged finding with the setting', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });
});
