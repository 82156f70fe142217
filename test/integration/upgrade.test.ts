/**
 * Upgrading an `AUTHTRAIL_HOME` written by the previous hot-table layout (table `authtrail-events`,
 * keyed by event id, every field an attribute): the collector finds the old table and, for
 * `hotDays`, counts an event it holds as a duplicate (a vendor redelivering across the upgrade
 * stores nothing twice), and `backfill` archives the old table's events that were never archived,
 * exactly once, with `verify` green and `query` counting each event once.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { fixtureText, normalizedFixtureEvents } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { legacyTimePartitions } from '../../lambdas/adapters/table-layout.ts';

const SECRET = 'it-upgrade-secret-5521';
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }],
  sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } }],
};

/** An item as the previous layout wrote it. */
function legacyItem(e: AuthEvent): Record<string, unknown> {
  const pk = `${e.source_id}#${e.event_uid}`;
  const item: Record<string, unknown> = { pk };
  for (const [k, v] of Object.entries(e)) if (v !== null) item[k] = v;
  const user = (e.user_email ?? e.user_login ?? e.user_id)?.toLowerCase();
  if (user) { item['gsi1pk'] = `${e.tenant}#${user}`; item['gsi1sk'] = `${e.event_time}#${pk}`; }
  item['gsi2pk'] = legacyTimePartitions(e.tenant, e.event_time.slice(0, 10))[3];
  item['gsi2sk'] = `${e.event_time}#${pk}`;
  item['expires_at'] = Math.floor(Date.now() / 1000) + 86_400;
  return item;
}

describe('upgrading from the previous hot-table layout (local)', () => {
  let c: TestCollector;
  let old: AuthEvent[];
  before(async () => {
    // A home whose DynamoDB Local holds the previous layout's table with two events of the hook,
    // stored days ago and never archived (their stream records were lost in the upgrade).
    const first = await startCollector(config);
    old = (await normalizedFixtureEvents()).filter((x) => x.kind === 'okta' && x.file === 'event-hook.json').slice(0, 2).map((x) => x.event);
    const raw = new DynamoDBClient({ endpoint: first.endpoints.dynamodb, region: first.endpoints.region, credentials: first.endpoints.credentials });
    await raw.send(new CreateTableCommand({
      TableName: 'authtrail-events', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'gsi2pk', 'gsi2sk'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{ IndexName: 'by_time', KeySchema: [{ AttributeName: 'gsi2pk', KeyType: 'HASH' }, { AttributeName: 'gsi2sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    }));
    const doc = DynamoDBDocumentClient.from(raw);
    for (const e of old) await doc.send(new PutCommand({ TableName: 'authtrail-events', Item: legacyItem(e) }));
    raw.destroy();
    assert.equal(await first.stop(), 0);
    c = await startCollector(config, { home: first.home });
  });
  after(async () => { await c?.stop(); });

  it('an event the old table holds is a duplicate; the others are stored', async () => {
    const r = await fetch(`${c.base}/v1/ingest/acme-okta`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body: fixtureText('okta/event-hook.json') });
    assert.deepEqual(await r.json(), { accepted: 5, duplicates: 2, quarantined: 0 });
    assert.equal((await c.cli(['flush'])).code, 0);
  });

  it('backfill archives the old table\'s events once; verify is green; query counts every event once', async () => {
    const run = async () => {
      const b = await c.cli(['backfill', '--tenant', 'acme', '--from', '2026-11-20', '--json', '--skip-detect']);
      assert.equal(b.code, 0, b.stderr);
      return JSON.parse(b.stdout.trim()) as Record<string, number>;
    };
    const first = await run();
    assert.deepEqual([first['hot_events'], first['archived_before'], first['archived_now']], [7, 5, 2]);
    const again = await run();
    assert.deepEqual([again['hot_events'], again['archived_before'], again['archived_now']], [7, 7, 0]);
    const v = await c.cli(['verify']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const q = await c.cli(['query', "SELECT count(*) AS n, count(DISTINCT event_uid) AS u FROM events WHERE tenant = 'acme'", '--json']);
    assert.equal(q.code, 0, q.stderr);
    assert.deepEqual(JSON.parse(q.stdout.trim().split('\n')[0]!), { n: 7, u: 7 });
  });
});
