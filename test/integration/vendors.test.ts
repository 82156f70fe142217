/**
 * Each vendor's own delivery through the local runtime: push bodies over HTTP with the vendor's
 * authentication, EventBridge envelopes through /v1/eventbridge; all end in the hot table and
 * the archive exactly once.
 */
import { describe, it, before, after } from 'node:test';
import { hotEvents } from '../helpers/hot.ts';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fixture, fixtureText } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const config = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-entra', tenant: 'acme', kind: 'entra', auth: { type: 'shared-secret', header: 'x-authtrail-key', secret: 'entra-forwarder-secret' } },
    { id: 'acme-auth0', tenant: 'acme', kind: 'auth0', auth: { type: 'shared-secret', header: 'authorization', secret: 'Bearer auth0-stream-token' }, eventbridge: {} },
    { id: 'globex-keycloak', tenant: 'globex', kind: 'keycloak', auth: { type: 'hmac-sha256', header: 'x-keycloak-signature', secret: 'keycloak-hmac-secret' } },
    { id: 'globex-aws', tenant: 'globex', kind: 'aws_signin', eventbridge: {} },
    { id: 'globex-pingone', tenant: 'globex', kind: 'pingone', auth: { type: 'shared-secret', header: 'authorization', secret: 'Basic cGluZ29uZTp3ZWJob29r' } },
    { id: 'globex-onelogin', tenant: 'globex', kind: 'onelogin', auth: { type: 'shared-secret', header: 'authorization', secret: 'Bearer onelogin-hook-token' } },
    { id: 'globex-google', tenant: 'globex', kind: 'google_workspace', auth: { type: 'google-channel-token', token: 'google-channel-token-77' } },
  ],
};

describe('every push and EventBridge vendor, end to end', () => {
  let c: TestCollector;
  let ddb: DynamoDBDocumentClient;
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(c.base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => [r.status, await r.json()] as const);
  const stored = (sourceId: string) => hotEvents(ddb, c.endpoints.table, sourceId) as Promise<Record<string, unknown>[]>;

  before(async () => {
    c = await startCollector(config);
    ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: c.endpoints.dynamodb, region: c.endpoints.region, credentials: c.endpoints.credentials }));
  });
  after(async () => { ddb?.destroy(); await c?.stop(); });

  it('Entra diagnostic-settings records over the webhook', async () => {
    const h = { 'x-authtrail-key': 'entra-forwarder-secret' };
    assert.deepEqual(await post('/v1/ingest/acme-entra', fixtureText('entra/diagnostic-signins.json'), h), [200, { accepted: 5, duplicates: 0, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/ingest/acme-entra', fixtureText('entra/diagnostic-audit.json'), h), [200, { accepted: 2, duplicates: 0, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/ingest/acme-entra', fixtureText('entra/diagnostic-signins.json'), h), [200, { accepted: 0, duplicates: 5, quarantined: 0 }]);
    assert.equal((await stored('acme-entra')).length, 7);
  });

  it('Auth0 custom log stream: an array, NDJSON and a single object', async () => {
    const h = { authorization: 'Bearer auth0-stream-token' };
    const logs = fixture<unknown[]>('auth0/log-stream.json');
    assert.deepEqual(await post('/v1/ingest/acme-auth0', JSON.stringify(logs.slice(0, 3)), h), [200, { accepted: 3, duplicates: 0, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/ingest/acme-auth0', logs.slice(2).map((l) => JSON.stringify(l)).join('\n'), h), [200, { accepted: 3, duplicates: 1, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/ingest/acme-auth0', JSON.stringify(logs[0]), h), [200, { accepted: 0, duplicates: 1, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/ingest/acme-auth0', JSON.stringify(logs[0]), { authorization: 'Bearer wrong' }), [401, { error: 'unauthorized', message: 'authentication failed' }]);
  });

  it('Auth0 through EventBridge', async () => {
    assert.deepEqual(await post('/v1/eventbridge', fixtureText('auth0/eventbridge.json'), c.localHeaders()), [200, { accepted: 1, duplicates: 0, quarantined: 0 }]);
    assert.equal((await stored('acme-auth0')).length, 7);
  });

  it('Keycloak webhook signed with HMAC-SHA256 over the raw body', async () => {
    const body = fixtureText('keycloak/webhook.json');
    const sig = createHmac('sha256', 'keycloak-hmac-secret').update(body).digest('hex');
    assert.deepEqual(await post('/v1/ingest/globex-keycloak', body, { 'x-keycloak-signature': sig }), [200, { accepted: 5, duplicates: 0, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/ingest/globex-keycloak', body, { 'x-keycloak-signature': sig }), [200, { accepted: 0, duplicates: 5, quarantined: 0 }], 'an id-less event deduplicates too');
    assert.deepEqual((await post('/v1/ingest/globex-keycloak', `${body} `, { 'x-keycloak-signature': sig }))[0], 401, 'the signature covers the exact bytes');
  });

  it('AWS console and Identity Center sign-ins through EventBridge, to the tenant that owns them', async () => {
    assert.deepEqual(await post('/v1/eventbridge', fixtureText('aws_signin/console-login.json'), c.localHeaders()), [200, { accepted: 2, duplicates: 0, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/eventbridge', fixtureText('aws_signin/identity-center.json'), c.localHeaders()), [200, { accepted: 3, duplicates: 0, quarantined: 0 }]);
    const items = await stored('globex-aws');
    assert.equal(items.length, 5);
    assert.ok(items.every((i) => i['tenant'] === 'globex'));
  });

  it('Google Workspace push channel: sync acknowledged, notifications authenticated by the channel token', async () => {
    const h = { 'x-goog-channel-token': 'google-channel-token-77', 'x-goog-channel-id': 'authtrail-ch-1', 'x-goog-resource-state': 'sync' };
    assert.deepEqual(await post('/v1/ingest/globex-google', '', h), [200, { accepted: 0, duplicates: 0, quarantined: 0 }]);
    const activity = fixture<{ items: unknown[] }>('google_workspace/activities-page.json').items[1];
    const notify = { ...h, 'x-goog-resource-state': 'login_challenge' };
    assert.deepEqual(await post('/v1/ingest/globex-google', JSON.stringify(activity), notify), [200, { accepted: 2, duplicates: 0, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/ingest/globex-google', JSON.stringify(activity), notify), [200, { accepted: 0, duplicates: 2, quarantined: 0 }]);
    assert.equal((await post('/v1/ingest/globex-google', JSON.stringify(activity), { ...notify, 'x-goog-channel-token': 'forged' }))[0], 401);
  });

  it('PingOne webhook (ACTIVITY format) with the configured Authorization header', async () => {
    const h = { authorization: 'Basic cGluZ29uZTp3ZWJob29r' };
    const activities = fixture<unknown[]>('pingone/webhook-activities.json');
    for (const a of activities) assert.equal((await post('/v1/ingest/globex-pingone', JSON.stringify(a), h))[0], 200, 'one activity per request');
    assert.deepEqual(await post('/v1/ingest/globex-pingone', JSON.stringify(activities), h), [200, { accepted: 0, duplicates: 6, quarantined: 0 }]);
    assert.equal((await stored('globex-pingone')).length, 6);
  });

  it('OneLogin event webhook: NDJSON and arrays', async () => {
    const h = { authorization: 'Bearer onelogin-hook-token' };
    const events = fixture<unknown[]>('onelogin/webhook-events.json');
    assert.deepEqual(await post('/v1/ingest/globex-onelogin', events.map((e) => JSON.stringify(e)).join('\n'), h), [200, { accepted: 5, duplicates: 0, quarantined: 0 }]);
    assert.deepEqual(await post('/v1/ingest/globex-onelogin', JSON.stringify(events), h), [200, { accepted: 0, duplicates: 5, quarantined: 0 }]);
  });

  it('all of it reaches the archive exactly once', async () => {
    assert.equal((await c.cli(['flush'])).code, 0);
    const r = await c.cli(['query', 'SELECT source_id, count(*) n, count(DISTINCT event_uid) d FROM events GROUP BY source_id ORDER BY source_id', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l)), [
      { source_id: 'acme-auth0', n: 7, d: 7 }, { source_id: 'acme-entra', n: 7, d: 7 },
      { source_id: 'globex-aws', n: 5, d: 5 }, { source_id: 'globex-google', n: 2, d: 2 }, { source_id: 'globex-keycloak', n: 5, d: 5 }, { source_id: 'globex-onelogin', n: 5, d: 5 }, { source_id: 'globex-pingone', n: 6, d: 6 },
    ]);
  });
});
