/**
 * End to end through the real local runtime: DynamoDB Local, s3rver and fauxqs started by
 * `authtrail dev`, requests over HTTP, state read back from the stand-ins themselves.
 */
import { dayPartitions, hotItemToEvent } from '../../lambdas/core/hot-item.ts';
import { hotEventById } from '../helpers/hot.ts';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { fixture, fixtureText } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const SECRET = 'it-okta-secret-4b1d';
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET }, eventbridge: {} },
    { id: 'globex-generic', tenant: 'globex', kind: 'generic', auth: { type: 'hmac-sha256', header: 'x-signature', secret: 'globex-hmac-secret' } },
  ],
};

describe('local collector, end to end over HTTP', () => {
  let c: TestCollector;
  let ddb: DynamoDBDocumentClient;
  const post = (path: string, body: string, headers: Record<string, string> = { authorization: SECRET }) =>
    fetch(c.base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const count = async () => (await ddb.send(new ScanCommand({ TableName: c.endpoints.table, Select: 'COUNT' }))).Count ?? 0;
  const item = (id: string) => hotEventById(ddb, c.endpoints.table, id) as Promise<Record<string, unknown> | undefined>;

  before(async () => {
    c = await startCollector(config);
    ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: c.endpoints.dynamodb, region: c.endpoints.region, credentials: c.endpoints.credentials }));
  });
  after(async () => {
    ddb?.destroy();
    if (c) assert.equal(await c.stop(), 0, 'SIGTERM stops the collector cleanly');
    if (c) assert.equal(existsSync(join(c.home, 'endpoints.json')), false, 'endpoints.json is removed on a clean stop');
  });

  it('writes endpoints.json per the contract', () => {
    for (const k of ['api', 'dynamodb', 's3', 'sns', 'region', 'bucket', 'table', 'topicArn'] as const) assert.ok(c.endpoints[k], k);
    assert.ok(c.endpoints.credentials.accessKeyId);
    assert.equal(c.endpoints.api, c.base);
  });

  it('answers health and the Okta verification GET', async () => {
    assert.deepEqual(await (await fetch(`${c.base}/v1/health`)).json(), { status: 'ok' });
    const r = await fetch(`${c.base}/v1/ingest/acme-okta`, { headers: { authorization: SECRET, 'x-okta-verification-challenge': 'verify-me-9' } });
    assert.deepEqual(await r.json(), { verification: 'verify-me-9' });
  });

  it('a wrong secret gets 401 and stores nothing', async () => {
    const before = await count();
    const r = await post('/v1/ingest/acme-okta', fixtureText('okta/event-hook.json'), { authorization: 'wrong-secret' });
    assert.equal(r.status, 401);
    assert.deepEqual(await r.json(), { error: 'unauthorized', message: 'authentication failed' });
    assert.equal(await count(), before);
  });

  it('stores an Event Hook body in the hot table, and a redelivery only once', async () => {
    const before = await count();
    let r = await post('/v1/ingest/acme-okta', fixtureText('okta/event-hook.json'));
    assert.deepEqual([r.status, await r.json()], [200, { accepted: 7, duplicates: 0, quarantined: 0 }]);
    assert.equal(await count(), before + 7);
    r = await post('/v1/ingest/acme-okta', fixtureText('okta/event-hook.json'));
    assert.deepEqual(await r.json(), { accepted: 0, duplicates: 7, quarantined: 0 });
    assert.equal(await count(), before + 7, 'one item per event');
    const e = await item('acme-okta#a0f3b1c2-1111-11f1-9a4b-000000000002');
    assert.deepEqual([e?.['tenant'], e?.['outcome'], e?.['factor'], e?.['geo_country']], ['acme', 'denied', 'push', 'NG']);
  });

  it('finds a user\'s events through the tenant+user index, and a day\'s through tenant+time', async () => {
    const byUser = await ddb.send(new QueryCommand({ TableName: c.endpoints.table, IndexName: 'by_user', KeyConditionExpression: 'uk = :u', ExpressionAttributeValues: { ':u': 'acme#bob@example.com' } }));
    assert.equal(byUser.Items?.length, 4);
    assert.deepEqual(Object.keys(byUser.Items![0]!).sort(), ['pk', 'sk', 'uk'], 'the index holds keys only');
    const items = await Promise.all(byUser.Items!.map((k) => ddb.send(new GetCommand({ TableName: c.endpoints.table, Key: { pk: k['pk'], sk: k['sk'] } }))));
    assert.deepEqual(items.map((i) => hotItemToEvent(i.Item!)!.raw_event_type).sort(), ['system.push.send_factor_verify_push', 'user.account.report_suspicious_activity_by_enduser', 'user.mfa.factor.reset_all', 'user.mfa.okta_verify.deny_push']);
    // The day's write shards of the table, each queried (as the readers do).
    let count = 0;
    for (const d of dayPartitions('acme', '2026-11-20')) {
      const byTime = await ddb.send(new QueryCommand({
        TableName: c.endpoints.table, KeyConditionExpression: 'pk = :d AND sk BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':d': d, ':a': '2026-11-20T10:00', ':b': '2026-11-20T10:59' },
      }));
      count += byTime.Count ?? 0;
    }
    assert.equal(count, 3);
  });

  it('a non-JSON body gets 400 and lands in the quarantine, listed with its reason', async () => {
    const r = await post('/v1/ingest/acme-okta', 'definitely {not json marker-7731');
    assert.equal(r.status, 400);
    assert.equal((await r.json() as { error: string }).error, 'invalid_body');
    const q = await c.cli(['quarantine', '--json']);
    assert.equal(q.code, 0, q.stderr);
    const lines = q.stdout.trim().split('\n').map((l) => JSON.parse(l) as { reason: string; source_id: string; tenant: string });
    assert.ok(lines.some((l) => l.source_id === 'acme-okta' && l.tenant === 'acme' && /^invalid_body/.test(l.reason)), q.stdout);
  });

  it('an oversized body gets 413', async () => {
    const r = await post('/v1/ingest/acme-okta', `[${' '.repeat(6 * 1024 * 1024)}]`);
    assert.deepEqual([r.status, (await r.json() as { error: string }).error], [413, 'payload_too_large']);
  });

  it('routes an EventBridge envelope like the deployed rule, once', async () => {
    const body = fixtureText('okta/eventbridge.json');
    assert.deepEqual(await (await post('/v1/eventbridge', body, c.localHeaders())).json(), { accepted: 1, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await (await post('/v1/eventbridge', body, c.localHeaders())).json(), { accepted: 0, duplicates: 1, quarantined: 0 });
    const e = await item('acme-okta#b7e2c3d4-2222-11f1-8c1d-000000000010');
    assert.equal(e?.['factor'], 'webauthn');
    const unknown = { ...fixture<Record<string, unknown>>('okta/eventbridge.json'), source: 'aws.partner/unknown.example.com/x' };
    assert.deepEqual(await (await post('/v1/eventbridge', JSON.stringify(unknown), c.localHeaders())).json(), { accepted: 0, duplicates: 0, quarantined: 1 });
  });

  it('`authtrail send` posts a file with the source\'s auth (here an HMAC signature)', async () => {
    const file = join(c.home, 'generic.json');
    writeFileSync(file, JSON.stringify([{ event_uid: 'gen-1', event_time: '2026-11-20T09:00:00Z', category: 'login', outcome: 'success', user_login: 'vpn-user@example.com', tenant: 'acme' }]));
    const r = await c.cli(['send', 'globex-generic', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { accepted: 1, duplicates: 0, quarantined: 0 });
    const e = await item('globex-generic#gen-1');
    assert.equal(e?.['tenant'], 'globex', 'a sender cannot choose another tenant');
    const bad = await c.cli(['send', 'no-such-source', file]);
    assert.notEqual(bad.code, 0);
  });
});

describe('local collector state survives a restart', () => {
  it('keeps the hot table and quarantine in AUTHTRAIL_HOME', async () => {
    const first = await startCollector(config);
    const body = JSON.stringify(fixture<unknown[]>('okta/api-page.json'));
    const h = { 'content-type': 'application/json', authorization: SECRET };
    assert.deepEqual(await (await fetch(`${first.base}/v1/ingest/acme-okta`, { method: 'POST', headers: h, body })).json(), { accepted: 2, duplicates: 0, quarantined: 0 });
    await fetch(`${first.base}/v1/ingest/acme-okta`, { method: 'POST', headers: h, body: 'not json' });
    assert.equal(await first.stop(), 0);
    const second = await startCollector(config, { home: first.home });
    try {
      assert.deepEqual(await (await fetch(`${second.base}/v1/ingest/acme-okta`, { method: 'POST', headers: h, body })).json(), { accepted: 0, duplicates: 2, quarantined: 0 });
      const q = await second.cli(['quarantine', '--json']);
      assert.equal(q.stdout.trim().split('\n').length, 1, q.stdout);
    } finally {
      await second.stop();
    }
  });
});

describe('local collector without Java', () => {
  it('says so in one line and exits non-zero', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['bin/authtrail.mjs', 'dev'], {
      env: { ...process.env, PATH: '/nonexistent', PORT: '0', AUTHTRAIL_HOME: join(process.env.TMPDIR ?? '/tmp', `authtrail-nojava-${process.pid}`) },
      encoding: 'utf8', timeout: 20_000,
    });
    assert.equal(r.signal, null, 'it exits by itself, promptly');
    assert.equal(r.status, 1);
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith('authtrail:'));
    assert.equal(errLines.length, 1, r.stderr);
    assert.match(errLines[0]!, /Java 17 or newer is needed/);
    assert.doesNotMatch(r.stdout, /authtrail ready/);
  });
});
