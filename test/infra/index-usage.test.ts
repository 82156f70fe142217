/**
 * The hot table serves its reads and nothing more: every global secondary index the synthesized
 * table has is one that a deployed function's role may Query (an index nobody can read costs write
 * units for no user), and every index a role may Query exists. Roles are evaluated, not grepped.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { CfnElement } from 'aws-cdk-lib';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';
import { TABLE_LAYOUT } from '../../lambdas/adapters/table-layout.ts';
import { synth, type Synth } from '../helpers/cdk.ts';
import { allowed, functionStatements, resolve, type Statement } from './policy-eval.ts';

describe('infra: every hot-table index has a reader', () => {
  let s: Synth;
  let hotTableArn: string;
  let indexes: string[];
  let roles: { fn: string; statements: Statement[] }[];
  before(() => {
    s = synth();
    const stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    const storage = (s.stateful as StatefulStack).storage;
    const tableId = s.stateful.getLogicalId(storage.table.node.defaultChild as CfnElement);
    hotTableArn = resolve({ 'Fn::GetAtt': [tableId, 'Arn'] }, s.templates.stateful, stacks) as string;
    const table = (s.templates.stateful.toJSON() as { Resources: Record<string, { Properties: { GlobalSecondaryIndexes?: { IndexName: string }[] } }> }).Resources[tableId]!;
    indexes = (table.Properties.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort();
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
});
