/**
 * The hot table serves its reads and nothing more: every global secondary index the synthesized
 * table has is one that a deployed function's role may Query (an index nobody can read costs write
 * units for no user), and every index a role may Query exists. Roles are evaluated, not grepped.
 * Each index projects exactly the fields a timeline row returns (never `raw`, which would make an
 * index entry cost as many write units as the item), and an index entry of every vendor fixture
 * event stays within one write unit (1 KB).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { CfnElement } from 'aws-cdk-lib';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';
import { INDEX_PROJECTION, TABLE_LAYOUT } from '../../lambdas/adapters/table-layout.ts';
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

  it('each index projects the timeline\'s fields and nothing more: never raw, never ALL', () => {
    for (const g of gsis) {
      assert.equal(g.Projection.ProjectionType, 'INCLUDE', g.IndexName);
      assert.deepEqual([...g.Projection.NonKeyAttributes ?? []].sort(), [...INDEX_PROJECTION, 'pk'].filter((a) => a !== 'pk' || g.Projection.NonKeyAttributes?.includes('pk')).sort(), g.IndexName);
      assert.ok(!g.Projection.NonKeyAttributes?.includes('raw'), g.IndexName);
    }
  });

  it('index entries of the vendor fixture events: nearly all cost one write unit (≤ 1 KB), none more than two', async () => {
    const events = await normalizedFixtureEvents();
    assert.ok(events.length > 50, `${events.length} fixture events`);
    const units: number[] = [];
    for (const { kind, file, event } of events) {
      const item = toItem(event, 30);
      for (const g of gsis) {
        if (item[g.KeySchema[0]!.AttributeName] === undefined) continue; // a sparse index: no entry
        const entry: Record<string, unknown> = { pk: item['pk'] };
        for (const k of g.KeySchema) entry[k.AttributeName] = item[k.AttributeName];
        for (const a of g.Projection.NonKeyAttributes ?? []) entry[a] = item[a];
        const size = itemSize(entry) + 100; // + DynamoDB's per-entry overhead of an index
        units.push(Math.ceil(size / 1024));
        assert.ok(size <= 2048, `${kind} ${file} ${event.event_uid}: a ${g.IndexName} entry of ${size} bytes`);
      }
    }
    // Entra's long failure reasons (~300 bytes) push a few of its entries just past 1 KB.
    const over = units.filter((u) => u > 1).length;
    assert.ok(over / units.length <= 0.05, `${over} of ${units.length} index entries cost 2 write units`);
  });
});
