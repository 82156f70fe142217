/**
 * `capacity`: on demand by default; provisioned autoscales both tables and the user index to 70 %
 * use between the configured bounds, and `hotTableClass` puts the hot table (only) in Standard-IA.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lambdas/core/config.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';

describe('infra: DynamoDB capacity', () => {
  let steady: Synth;
  let plain: Synth;
  before(() => {
    steady = synth(parseConfig({ ...JSON.parse(JSON.stringify(TEST_CONFIG)), capacity: { billing: 'provisioned', hotTableClass: 'standard-ia', minWriteUnits: 50, maxWriteUnits: 2000, minReadUnits: 10, maxReadUnits: 500 } }));
    plain = synth();
  });

  it('by default both tables are on demand, in the Standard class', () => {
    const tables = Object.values(plain.templates.stateful.findResources('AWS::DynamoDB::Table'));
    assert.equal(tables.length, 2);
    for (const t of tables) {
      assert.equal(t['Properties'].BillingMode, 'PAY_PER_REQUEST');
      assert.notEqual(t['Properties'].TableClass, 'STANDARD_INFREQUENT_ACCESS');
    }
    plain.templates.stateful.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  it('provisioned: both tables and the user index autoscaled to 70 % within the bounds; the hot table in Standard-IA', () => {
    const t = steady.templates.stateful;
    const tables = Object.values(t.findResources('AWS::DynamoDB::Table')).map((r) => r['Properties']);
    // CloudFormation's default billing mode is provisioned: the template names the throughput.
    for (const p of tables) assert.ok(p.BillingMode === undefined || p.BillingMode === 'PROVISIONED', p.BillingMode);
    const hot = tables.find((p) => p.KeySchema.length === 2)!;
    const state = tables.find((p) => p.KeySchema.length === 1)!;
    assert.equal(hot.TableClass, 'STANDARD_INFREQUENT_ACCESS');
    assert.notEqual(state.TableClass, 'STANDARD_INFREQUENT_ACCESS');
    assert.deepEqual(hot.ProvisionedThroughput, { ReadCapacityUnits: 10, WriteCapacityUnits: 50 });
    assert.deepEqual(hot.GlobalSecondaryIndexes[0].ProvisionedThroughput, { ReadCapacityUnits: 10, WriteCapacityUnits: 50 });
    // Reads and writes of the hot table, its index and the state table.
    const targets = Object.values(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget')).map((r) => r['Properties']);
    assert.equal(targets.length, 6);
    const dims = targets.map((p) => p.ScalableDimension).sort();
    assert.deepEqual(dims, ['dynamodb:index:ReadCapacityUnits', 'dynamodb:index:WriteCapacityUnits', 'dynamodb:table:ReadCapacityUnits', 'dynamodb:table:ReadCapacityUnits', 'dynamodb:table:WriteCapacityUnits', 'dynamodb:table:WriteCapacityUnits']);
    for (const p of targets) {
      const write = String(p.ScalableDimension).endsWith('WriteCapacityUnits');
      assert.deepEqual([p.MinCapacity, p.MaxCapacity], write ? [50, 2000] : [10, 500]);
    }
    t.resourcePropertiesCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 70 }) }, 6);
  });

  it('a minimum above its maximum is a config error', () => {
    assert.throws(() => parseConfig({ ...JSON.parse(JSON.stringify(TEST_CONFIG)), capacity: { billing: 'provisioned', minWriteUnits: 10, maxWriteUnits: 5 } }), /a minimum is above its maximum/);
  });

  it('cdk-nag: no unacknowledged finding in the stateful stack, provisioned', () => {
    assert.deepEqual(nagFindings(steady.app, steady.stateful), []);
  });
});
