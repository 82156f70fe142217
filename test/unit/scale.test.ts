import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TIME_SHARDS } from '../../lambdas/adapters/hot-store.ts';
import { DEPLOYMENT, loadInputs } from '../../scripts/cost.ts';
import { keyShares, LIMITS, renderScale, scale, SCENARIO } from '../../scripts/scale.ts';

describe('npm run scale', () => {
  const { figures } = loadInputs();

  it('docs/SCALE.md is the output of the script on the committed figures', () => {
    assert.equal(readFileSync('docs/SCALE.md', 'utf8'), renderScale(figures), 'docs/SCALE.md is stale: run `npm run scale -- --write`');
  });

  it('counts index keys with the real key functions: a tenant-day over every time shard, one key per user', () => {
    const k = keyShares();
    assert.equal(k.timeKeys, TIME_SHARDS);
    assert.ok(k.busiestTimeKey >= 1 / TIME_SHARDS && k.busiestTimeKey < 1.25 / TIME_SHARDS, String(k.busiestTimeKey));
    assert.ok(Math.abs(k.busiestUserKey - SCENARIO.busiestUserShare) < 0.001);
    assert.ok(k.userKeys > SCENARIO.usersPerTenant * 0.9);
  });

  it('works out the scenario: 100 M events a day, the burst ten times that, no key over its ceiling at the backfill pace', () => {
    const r = scale(figures);
    assert.ok(Math.abs(r.avg - 1e8 / 86_400) < 1e-9);
    assert.ok(Math.abs(r.burst.eventsPerSecond - 10 * r.avg) < 1e-9);
    assert.ok(Math.abs(r.steady.tableWriteUnits - r.avg * figures.run.write_units_per_event) < 1e-6);
    assert.ok(r.backfill.timeKeyWriteUnits < LIMITS.keyWriteUnitsPerSecond);
    assert.ok(r.backfill.userKeyWriteUnits < LIMITS.keyWriteUnitsPerSecond);
    // the stream has a shard per 10 GiB of base items held for hotDays
    const gib = (r.avg * 86_400 * DEPLOYMENT.hotDays * (figures.run.hot_item_bytes + 100)) / 2 ** 30;
    assert.equal(r.shards, Math.ceil(gib / 10));
    // the limits come out sorted, the first one named in the document
    assert.deepEqual(r.limits.map((l) => l.at), [...r.limits.map((l) => l.at)].sort((a, b) => a - b));
    assert.match(renderScale(figures), new RegExp(`The first is the \\*\\*${r.limits[0]!.limit.replace(/[()]/g, '\\$&')}\\*\\*`));
  });
});
