/**
 * The detector's state against DynamoDB Local: two invocations stepping the same user at once
 * (two stream shards) still raise exactly one alert over all the evidence; feed records only
 * move forward; the silence mark holds only for the delivery it was set for.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, REGION, startDynamoDbLocal, type Running } from '../../local/standins.ts';
import { ensureStateTable } from '../../local/resources.ts';
import { dynamoDetectState, dynamoFeeds, StateConflictError } from '../../lambdas/adapters/detect-state.ts';
import { AlertsConfig } from '../../lambdas/core/detect/settings.ts';
import type { Alert } from '../../lambdas/core/detect/engine.ts';
import { ev } from '../helpers/events.ts';

process.env.AUTHTRAIL_RUNTIME_CONFIG ??= JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [] });
const { detectEvents } = await import('../../lambdas/handlers/detector.ts');

const TABLE = 'detector-state';
const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, s)).toISOString();
const denial = (uid: string, s: number) => ev({ event_uid: uid, event_time: at(s), category: 'mfa_verify', outcome: 'denied', factor: 'push', is_mfa: true, user_email: 'bob@example.com' });

describe('detector state on DynamoDB Local', () => {
  let ddb: Running;
  let dir: string;
  let client: DynamoDBDocumentClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'authtrail-detector-'));
    ddb = await startDynamoDbLocal(dir);
    const raw = new DynamoDBClient({ endpoint: ddb.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    await ensureStateTable(raw, TABLE);
    client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  });
  after(async () => { client?.destroy(); await ddb?.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('two concurrent batches of one user raise one alert over all four denials', async () => {
    const base = dynamoDetectState({ client, table: TABLE });
    let conflicts = 0;
    // Both batches read before either writes: the second write must conflict and re-step.
    let reads = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((r) => { release = r; });
    const state = {
      async get(tenant: string, key: string) {
        const s = await base.get(tenant, key);
        if (++reads === 2) release();
        if (reads <= 2) await bothRead;
        return s;
      },
      async put(...args: Parameters<typeof base.put>) {
        try { return await base.put(...args); } catch (err) { if (err instanceof StateConflictError) conflicts++; throw err; }
      },
    };
    const published: Alert[] = [];
    const stored: Alert[] = [];
    const deps = {
      state, feeds: dynamoFeeds({ client, table: TABLE }), settings: AlertsConfig.parse({}),
      sink: { publish: async (a: readonly Alert[]) => { published.push(...a); } },
      store: { store: async (a: readonly Alert[]) => { stored.push(...a); return 1; } },
    };
    await Promise.all([detectEvents([denial('d1', 0), denial('d2', 30)], deps), detectEvents([denial('d3', 60), denial('d4', 90)], deps)]);
    assert.equal(conflicts, 1, 'the second writer conflicted and retried');
    assert.deepEqual(published.map((a) => [a.rule, a.count]), [['mfa_fatigue', 4]]);
    assert.deepEqual(published[0]!.event_uids.sort(), ['d1', 'd2', 'd3', 'd4'].map((u) => `acme-okta#${u}`));
    assert.deepEqual(stored, published);
    const saved = await base.get('acme', 'bob@example.com');
    assert.equal(saved.version, 2);
    assert.equal(saved.state.open.mfa_fatigue?.alert.count, 4);
  });

  it('a source\'s last delivery only moves forward, and a silence mark holds for its delivery only', async () => {
    const feeds = dynamoFeeds({ client, table: TABLE });
    await feeds.touch({ sourceId: 's1', tenant: 'acme', lastIngest: 2000, lastEventTime: 1900, lastUid: 's1#b' });
    await feeds.touch({ sourceId: 's1', tenant: 'acme', lastIngest: 1000, lastEventTime: 900, lastUid: 's1#a' });
    assert.deepEqual(await feeds.get('s1'), { sourceId: 's1', tenant: 'acme', lastIngest: 2000, lastEventTime: 1900, lastUid: 's1#b', alertedFor: null });
    assert.equal(await feeds.markAlerted('s1', 1000), false, 'not the current delivery');
    assert.equal(await feeds.markAlerted('s1', 2000), true);
    assert.equal((await feeds.get('s1'))!.alertedFor, 2000);
    assert.equal(await feeds.get('never'), null);
  });
});
