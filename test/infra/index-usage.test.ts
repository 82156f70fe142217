/**
 * The hot table serves its reads and nothing more: every global secondary index the synthesized
 * table has is one that a deployed function's role may Query (an index nobody can read costs write
 * units for no user), and every index a role may Query exists. Roles are evaluated, not grepped.
 * Each index projects keys only (an entry costs one write unit whatever the event), and an item and
 * its index entry of the vendor fixture events cost two write units or less on average — the
 * hot table's target.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { CfnElement } from 'aws-cdk-lib';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';
import { TABLE_LAYOUT } from '../../lambdas/adapters/table-layout.ts';
import { itemSize, toItem } from '../../lambdas/adapters/hot-store.ts';
import { normalizedFixtureEvents } from '../helpers/fixtures.ts';
import { synth, type Synth } from '../helpers/cdk.ts';
import { allowed, functionStatements, resolve, type Statement } from './policy-eval.ts';

describe('infra: every hot-table index has a reader', () => {
  let s: Synth;
  let hotTableArn: string;
  let indexes: string[];
  type Gsi = { IndexName: string; KeySchema: { AttributeName: string }[]; Projection: { ProjectionType: string; NonKeyAttributes?: string[] } };
  let gsis: Gsi[];
  let roles: { fn: string; statements: Statement[] }[];
  before(() => {
    s = synth();
    const stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    const storage = (s.stateful as StatefulStack).storage;
    const tableId = s.stateful.getLogicalId(storage.table.node.defaultChild as CfnElement);
    hotTableArn = resolve({ 'Fn::GetAtt': [tableId, 'Arn'] }, s.templates.stateful, stacks) as string;
    const table = (s.templates.stateful.toJSON() as { Resources: Record<string, { Properties: { GlobalSecondaryIndexes?: Gsi[] } }> }).Resources[tableId]!;
    gsis = table.Properties.GlobalSecondaryIndexes ?? [];
    indexes = gsis.map((i) => i.IndexName).sort();
    roles = Object.keys(s.templates.stateless.findResources('AWS::Lambda::Function')).flatMap((fn) => {
      try { return [{ fn, statements: functionStatements(s.templates.stateless, fn, stacks).statements }]; } catch { return []; }
    });
  });

  it('the table has exactly the indexes of the shared layout', () => {
    assert.deepEqual(indexes, TABLE_LAYOUT.indexes.map((i) => i.name).sort());
  });

  it('each index is queried by some function, and no function may query an index that does not exist', () => {
    for (const index of indexes) {
      const readers = roles.filter((r) => allowed(r.statements, { action: 'dynamodb:Query', resource: `${hotTableArn}/index/${index}` }));
      assert.ok(readers.length > 0, `index ${index}: no function may read it`);
    }
    for (const r of roles) assert.ok(!allowed(r.statements, { action: 'dynamodb:Query', resource: `${hotTableArn}/index/no_such_index` }), `${r.fn} may query any index`);
  });

  it('each index projects keys only: never the packed event, never ALL', () => {
    for (const g of gsis) {
      assert.equal(g.Projection.ProjectionType, 'KEYS_ONLY', g.IndexName);
      assert.equal(g.Projection.NonKeyAttributes, undefined, g.IndexName);
    }
  });

  it('the table is keyed by day shard and time (the time path), the one index by user', () => {
    const table = (s.templates.stateful.toJSON() as { Resources: Record<string, { Type: string; Properties: { KeySchema?: { AttributeName: string; KeyType: string }[] } }> }).Resources;
    const hot = Object.values(table).find((r) => r.Type === 'AWS::DynamoDB::Table' && r.Properties.KeySchema?.length === 2)!;
    assert.deepEqual(hot.Properties.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    assert.deepEqual(gsis.map((g) => [g.IndexName, g.KeySchema.map((k) => k.AttributeName)]), [['by_user', ['uk', 'sk']]]);
  });

  it('write units of the vendor fixture events: item + index entry ≤ 2.0 on average, an index entry always one', async () => {
    const events = await normalizedFixtureEvents();
    assert.ok(events.length > 300, `${events.length} fixture events`);
    const perEvent: number[] = [];
    for (const { kind, file, event } of events) {
      const item = toItem(event, 30);
      let units = Math.ceil(itemSize(item) / 1024);
      for (const g of gsis) {
        if (item[g.KeySchema[0]!.AttributeName] === undefined) continue; // a sparse index: no entry
        const entry: Record<string, unknown> = { pk: item['pk'], sk: item['sk'] };
        for (const k of g.KeySchema) entry[k.AttributeName] = item[k.AttributeName];
        const size = itemSize(entry) + 100; // + DynamoDB's per-entry overhead of an index
        assert.ok(size <= 1024, `${kind} ${file} ${event.event_uid}: a ${g.IndexName} entry of ${size} bytes`);
        units += 1;
      }
      perEvent.push(units);
    }
    const mean = perEvent.reduce((a, b) => a + b, 0) / perEvent.length;
    assert.ok(mean <= 2.0, `${mean.toFixed(3)} write units per event`);
    assert.ok(Math.max(...perEvent) <= 4, `at most ${Math.max(...perEvent)} units for one event`);
  });
});
