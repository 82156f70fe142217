/**
 * Serving the web console (core/console.ts, handlers/console.ts, the local API server): its files
 * and config.json only, each answer with a Content-Security-Policy that allows nothing beyond the
 * page's own origin (and, deployed, the user pool); GET/HEAD only; ETags; the built page itself is
 * free of anything that would reach beyond its origin.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildConsoleAssets } from '../../console/build.ts';
import { consoleResponse, contentSecurityPolicy, isConsolePath, type ConsoleSettings } from '../../lambdas/core/console.ts';
import { serve } from '../../lambdas/handlers/console.ts';

const assets = buildConsoleAssets();
const local: ConsoleSettings = { auth: 'local' };
const cognito: ConsoleSettings = { auth: 'cognito', domain: 'https://acme-analysts.auth.eu-west-1.amazoncognito.com', clientId: 'abc123', redirectUri: 'https://api.example.com/console/', logoutUri: 'https://api.example.com/console/' };
const get = (path: string, s: ConsoleSettings = local, method = 'GET', ifNoneMatch?: string) => consoleResponse({ method, path, ifNoneMatch }, assets, s);

describe('console: the built page', () => {
  it('is four small files with no reference to another origin and no inline script or style', () => {
    assert.deepEqual(Object.keys(assets).sort(), ['app.css', 'app.js', 'favicon.svg', 'index.html']);
    const total = Object.values(assets).reduce((n, a) => n + Buffer.byteLength(a.body), 0);
    assert.ok(total < 60_000, `${total} bytes`);
    const html = assets['index.html']!.body;
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc="app\.js")/, 'only app.js');
    assert.doesNotMatch(html, /\sstyle=|<style/);
    for (const [name, a] of Object.entries(assets)) {
      // Nothing fetched from elsewhere: no absolute URL but the SVG namespace.
      const urls = a.body.match(/https?:\/\/[^\s"'`)]+/g) ?? [];
      assert.deepEqual(urls.filter((u) => u !== 'http://www.w3.org/2000/svg'), [], name);
    }
    // Labels for every control of the page's shell.
    for (const id of ['tenant', 'q']) assert.match(html, new RegExp(`<label for="${id}">`));
  });
});

describe('console: serving', () => {
  it('serves index.html at /console/, the files by name, config.json from the settings', () => {
    const index = get('/console/');
    assert.equal(index.statusCode, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.body, assets['index.html']!.body);
    assert.equal(get('/console/app.js').headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(get('/console/app.css').headers['content-type'], 'text/css; charset=utf-8');
    assert.deepEqual(JSON.parse(get('/console/config.json', cognito).body), cognito);
    assert.deepEqual(JSON.parse(get('/console/config.json').body), { auth: 'local' });
    assert.deepEqual([get('/console').statusCode, get('/console').headers['location']], [308, '/console/index.html']);
    assert.equal(get('/console/index.html').body, index.body);
  });
  it('nothing else: unknown names, traversal, prototype keys, other methods', () => {
    for (const p of ['/console/nope.js', '/console/../package.json', '/console/%2e%2e/x', '/console/constructor', '/console/__proto__', '/console/app.js/', '/console//app.js', '/console/index.html.bak']) {
      assert.equal(get(p).statusCode, 404, p);
    }
    assert.equal(get('/console/', local, 'POST').statusCode, 405);
    assert.equal(get('/console/', local, 'POST').headers['allow'], 'GET, HEAD');
    const head = get('/console/app.js', local, 'HEAD');
    assert.deepEqual([head.statusCode, head.body], [200, '']);
  });
  it('ETags: an unchanged file is a 304', () => {
    const etag = get('/console/app.js').headers['etag']!;
    assert.match(etag, /^"[A-Za-z0-9_-]{22}"$/);
    assert.deepEqual([get('/console/app.js', local, 'GET', etag).statusCode, get('/console/app.js', local, 'GET', etag).body], [304, '']);
    assert.equal(get('/console/app.js', local, 'GET', '"other"').statusCode, 200);
  });
  it('every answer carries the security headers; the policy allows the user pool only when deployed', () => {
    for (const r of [get('/console/'), get('/console/nope'), get('/console/', local, 'PUT')]) {
      assert.equal(r.headers['content-security-policy'], contentSecurityPolicy(local));
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-frame-options'], 'DENY');
    }
    assert.equal(contentSecurityPolicy(local), "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    assert.match(contentSecurityPolicy(cognito), /connect-src 'self' https:\/\/acme-analysts\.auth\.eu-west-1\.amazoncognito\.com;/);
  });
  it('paths: /console and below only', () => {
    assert.deepEqual(['/console', '/console/', '/console/app.js', '/consoles', '/v1/console/me', '/'].map(isConsolePath), [true, true, true, false, false, false]);
  });
  it('the Lambda handler maps an API Gateway event', () => {
    const event = { rawPath: '/console/app.css', headers: { 'if-none-match': get('/console/app.css').headers['etag'] }, requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2;
    assert.equal(serve(event, assets, local).statusCode, 304);
    assert.equal(serve({ ...event, headers: {} }, assets, local).body, assets['app.css']!.body);
  });
});

describe('console: the local API server', () => {
  it('serves the console without the token, and its API reads only with it', async () => {
    const { createApiServer } = await import('../../local/api-server.ts');
    const reply = async () => ({ statusCode: 200, body: '{}' });
    const server = createApiServer({
      localToken: 'tok', httpHandler: reply, eventBridge: reply, flush: reply, poll: reply, replay: reply, feeds: reply,
      investigate: async () => ({ statusCode: 200, body: '{"tenants":[]}' }),
      console: async (e) => serve(e, assets, local) as { statusCode: number; body: string },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const page = await fetch(`${base}/console/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(await page.text(), assets['index.html']!.body);
      assert.equal((await fetch(`${base}/v1/console/me`)).status, 401);
      assert.equal((await fetch(`${base}/v1/console/me`, { headers: { 'x-authtrail-local-token': 'tok' } })).status, 200);
      // A page of another origin cannot use a stolen token through the browser.
      assert.equal((await fetch(`${base}/v1/console/me`, { headers: { 'x-authtrail-local-token': 'tok', origin: 'http://evil.example' } })).status, 403);
      assert.equal((await fetch(`${base}/v1/console/me`, { headers: { 'x-authtrail-local-token': 'tok', origin: base } })).status, 200);
    } finally {
      server.close();
    }
  });
});
