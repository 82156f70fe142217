/**
 * The web console's AWS sign-in, in headless Chromium, against stand-ins on loopback: a fake user
 * pool (OAuth 2.0 authorize / token / logout endpoints checking PKCE, issuing a signed JWT with
 * `cognito:groups`) and a fake API Gateway that verifies the JWT as the deployed JWT authorizer
 * does (issuer, audience, expiry, signature) before handing its claims to the real investigation
 * handler. The page goes to the pool, comes back with a code, trades it with its PKCE verifier,
 * and sees only the tenant of the analyst's group; another tenant is refused; signing out goes to
 * the pool's logout.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet, type JWK } from 'jose';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { buildConsoleAssets } from '../../console/build.ts';
import type { ConsoleSettings } from '../../lambdas/core/console.ts';

const CLIENT = 'console-client-1';
const listen = (s: Server) => new Promise<string>((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as { port: number }).port}`)));
const body = async (req: IncomingMessage) => { let t = ''; for await (const c of req) t += c; return t; };
const b64url = (b: Buffer) => b.toString('base64url');

describe('the web console\'s user-pool sign-in (OAuth code + PKCE) in headless Chromium', () => {
  let browser: Browser;
  let idp: Server;
  let api: Server;
  let idpUrl: string;
  let apiUrl: string;
  const seen: { authorize: URLSearchParams[]; token: URLSearchParams[]; logout: URLSearchParams[]; apiAuth: string[]; access: { tenant: string; who: string; action: string }[] } = { authorize: [], token: [], logout: [], apiAuth: [], access: [] };

  before(async () => {
    process.env.AUTHTRAIL_RUNTIME_CONFIG = JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme Health' }, { id: 'globex', name: 'Globex' }], sources: [] });
    const { route } = await import('../../lambdas/handlers/investigate.ts');
    const { serve } = await import('../../lambdas/handlers/console.ts');
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' } as JWK] });
    const codes = new Map<string, { challenge: string; redirect: string }>();

    idp = createServer(async (req, res) => {
      const url = new URL(req.url!, idpUrl);
      if (url.pathname === '/oauth2/authorize') {
        seen.authorize.push(url.searchParams);
        const p = url.searchParams;
        if (p.get('client_id') !== CLIENT || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256') { res.writeHead(400).end('bad request'); return; }
        const code = b64url(randomBytes(16));
        codes.set(code, { challenge: p.get('code_challenge')!, redirect: p.get('redirect_uri')! });
        res.writeHead(302, { location: `${p.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(p.get('state')!)}` }).end();
        return;
      }
      // The token endpoint answers a page of another origin (as Cognito's does for public clients).
      const cors = { 'access-control-allow-origin': apiUrl, 'access-control-allow-headers': 'content-type' };
      if (url.pathname === '/oauth2/token' && req.method === 'OPTIONS') { res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST' }).end(); return; }
      if (url.pathname === '/oauth2/token' && req.method === 'POST') {
        const p = new URLSearchParams(await body(req));
        seen.token.push(p);
        const grant = codes.get(p.get('code') ?? '');
        codes.delete(p.get('code') ?? '');
        const ok = grant && p.get('grant_type') === 'authorization_code' && p.get('client_id') === CLIENT && p.get('redirect_uri') === grant.redirect
          && b64url(createHash('sha256').update(p.get('code_verifier') ?? '').digest()) === grant.challenge;
        if (!ok) { res.writeHead(400, { ...cors, 'content-type': 'application/json' }).end('{"error":"invalid_grant"}'); return; }
        const jwt = await new SignJWT({ client_id: CLIENT, token_use: 'access', scope: 'openid email', 'cognito:groups': ['tenant-acme'] })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(idpUrl).setSubject('analyst-1').setIssuedAt().setExpirationTime('1h').sign(privateKey);
        res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ access_token: jwt, id_token: jwt, expires_in: 3600, token_type: 'Bearer' }));
        return;
      }
      if (url.pathname === '/logout') { seen.logout.push(url.searchParams); res.writeHead(302, { location: url.searchParams.get('logout_uri')! }).end(); return; }
      res.writeHead(404).end();
    });
    idpUrl = await listen(idp);

    const settings = (): ConsoleSettings => ({ auth: 'cognito', domain: idpUrl, clientId: CLIENT, redirectUri: `${apiUrl}/console/index.html`, logoutUri: `${apiUrl}/console/index.html` });
    const fake = {
      events: async () => ({ tenant: 'acme', events: [], next_cursor: null, scanned: 0 }),
      alerts: async () => [],
      summary: async (o: { tenant: string }) => ({ tenant: o.tenant, from: '', to: '', events: 3, sign_ins: 2, sign_ins_with_mfa: 2, sign_ins_without_mfa: 0, mfa_coverage_percent: 100, failures: 0, denials: 1, users: 2, open_alerts: 0, open_alerts_by_rule: {}, sources: [], truncated: false, scanned: 3 }),
    } as unknown as NonNullable<Parameters<typeof route>[1]>['investigator'];
    const assets = buildConsoleAssets();
    api = createServer(async (req, res) => {
      const url = new URL(req.url!, apiUrl);
      const event = {
        version: '2.0', rawPath: url.pathname, rawQueryString: url.search.slice(1), headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined, requestContext: { http: { method: req.method!, path: url.pathname } },
      } as unknown as APIGatewayProxyEventV2;
      let r;
      if (url.pathname === '/console' || url.pathname.startsWith('/console/')) r = serve(event, assets, settings());
      else if (url.pathname.startsWith('/v1/console/')) {
        // The JWT authorizer: this pool's signature and issuer, this client, not expired — else 401 before any code.
        seen.apiAuth.push(req.headers.authorization ?? '');
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const claims = token ? await jwtVerify(token, jwks, { issuer: idpUrl }).then((v) => v.payload, () => undefined) : undefined;
        if (!claims || claims['client_id'] !== CLIENT) { res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Unauthorized"}'); return; }
        const flat = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]));
        r = await route({ ...event, requestContext: { ...event.requestContext, authorizer: { jwt: { claims: flat, scopes: null } } } } as unknown as APIGatewayProxyEventV2, { investigator: fake, requireIam: true, recordAccess: async (a) => { seen.access.push(a); } });
      } else r = { statusCode: 404, headers: {}, body: '' };
      res.writeHead(r.statusCode ?? 200, r.headers as Record<string, string>).end(r.body ?? '');
    });
    apiUrl = await listen(api);
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); idp?.close(); api?.close(); });

  it('signs in through the pool with PKCE and shows only the tenant of the analyst\'s group', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    await page.goto(`${apiUrl}/console`);
    await page.getByRole('heading', { level: 1, name: 'Acme Health: the last 24 hours' }).waitFor();
    assert.deepEqual(await page.locator('#tenant option').allInnerTexts(), ['Acme Health (acme)']);
    assert.match(await page.locator('dl.cards').innerText(), /Denied prompts\s+1/);
    // The round trip: one authorize with an S256 challenge, one token request with the verifier; the code left the address bar.
    assert.equal(seen.authorize.length, 1);
    assert.equal(seen.authorize[0]!.get('scope'), 'openid email');
    assert.equal(seen.authorize[0]!.get('redirect_uri'), `${apiUrl}/console/index.html`);
    assert.equal(seen.token.length, 1);
    assert.match(seen.token[0]!.get('code_verifier') ?? '', /^[A-Za-z0-9_-]{43,128}$/);
    assert.ok(!page.url().includes('code='), page.url());
    assert.ok(seen.apiAuth.every((a) => a.startsWith('Bearer ')));
    // Each read the console made is in the access log, as the analyst's (the pool's subject: no email claim here).
    assert.ok(seen.access.length > 0 && seen.access.every((a) => a.tenant === 'acme' && a.action === 'console' && a.who === 'console:analyst-1'), JSON.stringify(seen.access));
    // Another tenant, asked for by address: the page says so, the API answers 403.
    await page.goto(`${apiUrl}/console/index.html#/t/globex`);
    await page.getByRole('heading', { level: 1, name: 'Tenant not available' }).waitFor();
    const status = await page.evaluate(`fetch('/v1/console/tenants/globex/summary', { headers: { authorization: 'Bearer ' + sessionStorage.getItem('authtrail.token') } }).then((r) => r.status)`);
    assert.equal(status, 403);
    assert.deepEqual(problems.filter((p) => !/status of 403/.test(p)), []);
    // Signing out ends at the pool's logout, then back at the console, which signs in anew.
    await page.goto(`${apiUrl}/console/index.html#/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/console/index.html' && !u.search);
    assert.equal(seen.logout.length, 1);
    assert.equal(seen.logout[0]!.get('client_id'), CLIENT);
    await page.getByRole('heading', { level: 1, name: 'Acme Health: the last 24 hours' }).waitFor();
    assert.equal(seen.authorize.length, 2, 'signed in again through the pool');
    await page.close();
  });

  it('a sign-in answer that does not belong to the tab (state) is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${apiUrl}/console/index.html?code=forged&state=forged`);
    await page.locator('#status.error').waitFor();
    assert.match(await page.locator('#status').innerText(), /does not belong to this tab/);
    assert.equal(seen.token.filter((t) => t.get('code') === 'forged').length, 0, 'no token request for it');
    await page.close();
  });
});
