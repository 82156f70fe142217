/**
 * The local API server in isolation (fake handlers, no stand-ins): local-only routes need the
 * token, a loopback Host and no foreign Origin; webhooks are left as in AWS; no CORS headers;
 * bodies reach the handler byte for byte; a malformed path never makes the server fail.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import { rawRequest } from '../helpers/raw-http.ts';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApiServer } from '../../local/api-server.ts';

const TOKEN = 'unit-local-token-Zq3';

const call = (port: number, o: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }) =>
  rawRequest({ port, method: 'POST', ...o, timeoutMs: 10_000 });

describe('local API server', () => {
  let server: Server;
  let port: number;
  const calls = { eventBridge: [] as unknown[], feeds: [] as (number | undefined)[], flush: 0, poll: [] as string[], replay: 0, http: [] as APIGatewayProxyEventV2[] };

  before(async () => {
    server = createApiServer({
      localToken: TOKEN,
      httpHandler: async (event) => {
        calls.http.push(event);
        // Like the real handler (before the handler team's change): decodes when no path parameter is given.
        const id = event.pathParameters?.['sourceId'] ?? decodeURIComponent(event.rawPath.split('/').pop()!);
        return { statusCode: id === 'known' ? 200 : 404, headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify({ id }) };
      },
      eventBridge: async (input) => { calls.eventBridge.push(input); return { accepted: 1, duplicates: 0, quarantined: 0 }; },
      flush: async () => { calls.flush++; return { delivered: 0 }; },
      poll: async (id) => { calls.poll.push(id); return { polled: id }; },
      replay: async () => { calls.replay++; return { replayed: 0 }; },
      feeds: async (now) => { calls.feeds.push(now); return { alerts: 0 }; },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

  const forged = JSON.stringify({ source: 'aws.partner/okta.com/x', 'detail-type': 'SystemLog', detail: { eventType: 'user.mfa.factor.deactivate' } });

  it('a web page cannot drive local-only routes: text/plain POST without the token gets 401', async () => {
    const before = { eb: calls.eventBridge.length, feeds: calls.feeds.length, flush: calls.flush, poll: calls.poll.length, replay: calls.replay };
    const eb = await call(port, { path: '/v1/eventbridge', headers: { 'content-type': 'text/plain' }, body: forged });
    assert.equal(eb.status, 401);
    assert.deepEqual(Object.keys(JSON.parse(eb.body) as object), ['error', 'message']);
    assert.equal((JSON.parse(eb.body) as { error: string }).error, 'unauthorized');
    for (const path of ['/_local/feeds/check?now=2099-01-01T00:00:00Z', '/_local/flush', '/_local/poll/src', '/_local/quarantine/replay', '/_local/anything', '/_local']) {
      const r = await call(port, { path, headers: { 'content-type': 'text/plain' } });
      assert.equal(r.status, 401, path);
    }
    const wrong = await call(port, { path: '/_local/feeds/check?now=2099-01-01T00:00:00Z', headers: { 'x-authtrail-local-token': `${TOKEN}x` } });
    assert.equal(wrong.status, 401, 'a wrong token');
    const empty = await call(port, { path: '/_local/flush', headers: { 'x-authtrail-local-token': '' } });
    assert.equal(empty.status, 401, 'an empty token');
    // A path that normalizes to a local-only route is guarded too.
    assert.equal((await call(port, { path: '/v1/../_local/flush' })).status, 401);
    assert.deepEqual({ eb: calls.eventBridge.length, feeds: calls.feeds.length, flush: calls.flush, poll: calls.poll.length, replay: calls.replay }, before, 'no handler ran');
  });

  it('with the token, from loopback, local-only routes work', async () => {
    const h = { 'x-authtrail-local-token': TOKEN };
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const r = await call(port, { path: '/v1/eventbridge', headers: { ...h, host }, body: forged });
      assert.equal(r.status, 200, host);
    }
    assert.equal((await call(port, { path: '/_local/flush', headers: h })).status, 200);
    assert.equal((await call(port, { path: '/_local/feeds/check?now=2099-01-01T00:00:00Z', headers: h })).status, 200);
    assert.equal(calls.feeds.at(-1), Date.parse('2099-01-01T00:00:00Z'));
    assert.equal((await call(port, { path: '/_local/poll/a%2Fb', headers: h })).status, 200);
    assert.equal(calls.poll.at(-1), 'a/b');
    assert.equal((await call(port, { path: '/_local/poll/%E0%A4%A', headers: h })).status, 200, 'malformed encoding is passed on, not a crash');
    assert.equal((await call(port, { path: '/_local/no-such-route', headers: h })).status, 404);
    assert.equal((await call(port, { path: '/_local/flush', headers: { ...h, origin: `http://127.0.0.1:${port}` } })).status, 200, 'its own origin');
  });

  it('a non-loopback Host (DNS rebinding, a tunnel) is refused on local-only routes, even with the token', async () => {
    const h = { 'x-authtrail-local-token': TOKEN };
    for (const host of ['evil.example.com', `evil.example.com:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `127.0.0.2:${port}`, `localhost.example.com:${port}`, `[::2]:${port}`, `127.0.0.1:${port}@evil.example.com`]) {
      const r = await call(port, { path: '/_local/flush', headers: { ...h, host } });
      assert.ok(r.status === 403 || r.status === 421, `${host}: ${r.status}`);
      assert.equal(typeof (JSON.parse(r.body) as { error: unknown }).error, 'string');
    }
  });

  it('a request from a web page of another origin is refused on local-only routes, even with the token', async () => {
    const h = { 'x-authtrail-local-token': TOKEN };
    for (const origin of ['https://evil.example.com', 'null', `http://localhost:${port + 1}`, `https://127.0.0.1:${port}`, 'http://198.51.100.7']) {
      const r = await call(port, { path: '/v1/eventbridge', headers: { ...h, origin }, body: forged });
      assert.equal(r.status, 403, origin);
    }
  });

  it('webhooks and health behave as in AWS: any Host (a tunnel), handled by the handler', async () => {
    const r = await call(port, { path: '/v1/ingest/known', headers: { host: 'collector.example.com', origin: 'https://idp.example.com' }, body: '{}' });
    assert.equal(r.status, 200);
    const h = await call(port, { method: 'GET', path: '/v1/health', headers: { host: 'collector.example.com' } });
    assert.equal(h.status, 404, 'reached the (fake) handler');
  });

  it('never sends CORS headers, not even when the handler sets them or on a preflight', async () => {
    const replies = [
      await call(port, { path: '/v1/ingest/known', body: '{}' }),
      await call(port, { method: 'OPTIONS', path: '/v1/eventbridge', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-authtrail-local-token' } }),
      await call(port, { method: 'OPTIONS', path: '/v1/ingest/known', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } }),
      await call(port, { path: '/_local/flush', headers: { 'x-authtrail-local-token': TOKEN } }),
    ];
    for (const r of replies) assert.deepEqual(Object.keys(r.headers).filter((k) => k.startsWith('access-control-')), []);
    assert.equal(replies[1]!.status, 403, 'a foreign preflight is refused');
  });

  it('hands the handler the exact bytes: invalid UTF-8 as base64, an HMAC over them verifies', async () => {
    const raw = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]), Buffer.from('"}')]);
    const secret = 'unit-hmac-secret';
    const sig = createHmac('sha256', secret).update(raw).digest('hex');
    await call(port, { path: '/v1/ingest/known', headers: { 'content-type': 'application/json', 'x-signature': sig }, body: raw });
    const event = calls.http.at(-1)!;
    assert.equal(event.isBase64Encoded, true);
    const got = Buffer.from(event.body!, event.isBase64Encoded ? 'base64' : 'utf8');
    assert.deepEqual(got, raw);
    assert.equal(createHmac('sha256', secret).update(got).digest('hex'), event.headers['x-signature']);
  });

  it('passes valid UTF-8 text as text, byte-exact (a BOM kept), and anything encoded as base64', async () => {
    const json = { 'content-type': 'application/json' };
    const sent = async (body: Buffer, headers: Record<string, string>) => {
      await call(port, { path: '/v1/ingest/known', headers, body });
      const e = calls.http.at(-1)!;
      return { body: e.body, isBase64Encoded: e.isBase64Encoded, bytes: e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body, e.isBase64Encoded ? 'base64' : 'utf8') };
    };
    const text = Buffer.from('{"user":"zoë@example.com","emoji":"🔐"}');
    assert.deepEqual(await sent(text, json), { body: text.toString('utf8'), isBase64Encoded: false, bytes: text });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    const b = await sent(bom, json);
    assert.equal(b.isBase64Encoded, false);
    assert.deepEqual(b.bytes, bom, 'the BOM is not stripped');
    const gz = await sent(text, { ...json, 'content-encoding': 'gzip' });
    assert.equal(gz.isBase64Encoded, true, 'a content-encoding means bytes, not text');
    assert.deepEqual(gz.bytes, text);
    const bin = await sent(text, { 'content-type': 'application/octet-stream' });
    assert.equal(bin.isBase64Encoded, true);
    assert.deepEqual(bin.bytes, text);
    // A truncated multi-byte sequence at the end is invalid UTF-8 too.
    const cut = Buffer.from([0x7b, 0xe2, 0x82]);
    const c = await sent(cut, { 'content-type': 'text/plain; charset=utf-8' });
    assert.equal(c.isBase64Encoded, true);
    assert.deepEqual(c.bytes, cut);
    const none = await sent(Buffer.alloc(0), json);
    assert.deepEqual([none.body, none.isBase64Encoded], [undefined, false]);
  });

  it('malformed percent-encoding in the source id reaches the handler instead of failing the server', async () => {
    for (const path of ['/v1/ingest/%E0%A4%A', '/v1/ingest/%', '/v1/ingest/%ZZ']) {
      const n = calls.http.length;
      const r = await call(port, { path, body: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(calls.http.length, n + 1, `${path}: the handler was called`);
      assert.notEqual(r.status, 503, path);
      assert.ok(r.status < 500, `${path}: ${r.status}`);
      assert.equal(calls.http.at(-1)!.pathParameters?.['sourceId'], path.slice('/v1/ingest/'.length), 'the raw segment');
    }
    await call(port, { path: '/v1/ingest/acme%2Dokta', body: '{}' });
    assert.equal(calls.http.at(-1)!.pathParameters?.['sourceId'], 'acme-okta', 'well-formed segments are decoded as API Gateway does');
  });
});
