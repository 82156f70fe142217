/**
 * The MFA truth tables (test/fixtures/<kind>/truth.json) hold: each row's sample normalizes to
 * the row's category, outcome, is_mfa and factor, and the README shows exactly these rows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { normalizerFor } from '../../lambdas/sources/index.ts';
import { fixture } from '../helpers/fixtures.ts';
import { readmeWithTruthTables, TRUTH_KINDS, truthTable } from '../helpers/truth.ts';

/** Until every vendor's table is written, a missing one is skipped. */
const STRICT = true;

for (const kind of TRUTH_KINDS) {
  const table = truthTable(kind);
  describe(`${kind}: MFA truth table`, () => {
    it('exists and has rows', { skip: !table && !STRICT ? 'not written yet' : false }, () => assert.ok(table && table.rows.length > 0, `test/fixtures/${kind}/truth.json`));
    for (const row of table?.rows ?? []) {
      it(row.event, () => {
        const n = normalizerFor(kind)!;
        const results = n.unwrap(fixture(`${kind}/${row.fixture}`)).map((i) => n.normalize(i));
        const hit = results.find((r) => r.kind === 'event' && r.event.event_uid === row.uid);
        assert.ok(hit && hit.kind === 'event', `${row.fixture} has no event ${row.uid}`);
        const e = hit.event;
        assert.deepEqual({ category: e.category, outcome: e.outcome, is_mfa: e.is_mfa, factor: e.factor },
          { category: row.category, outcome: row.outcome, is_mfa: row.is_mfa, factor: row.factor });
      });
    }
  });
}

describe('README truth tables', () => {
  it('are exactly the truth.json rows (npm run truth-tables rewrites them)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.equal(readme, readmeWithTruthTables(readme));
  });
});
