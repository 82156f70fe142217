import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonParams, duoCanonical, duoDate, DuoPullSettings, duoSign } from '../../lambdas/sources/duo/pull.ts';
import { googlePuller, GooglePullSettings } from '../../lambdas/sources/google-workspace/pull.ts';
import { entraPuller, EntraPullSettings } from '../../lambdas/sources/entra/pull.ts';
import { fakeDuo, fakeGoogle, fakeGraph } from '../helpers/fake-vendors.ts';
import { fixture } from '../helpers/fixtures.ts';
import { nextLink } from '../../lambdas/sources/okta/pull.ts';
import { retryAfterMs, retryingFetch } from '../../lambdas/adapters/http.ts';
import { resolvePullSettings } from '../../lambdas/adapters/pull-settings.ts';
import { duoPuller } from '../../lambdas/sources/duo/pull.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import { runPoll, type Cursor, type HttpFetch } from '../../lambdas/core/pull.ts';

describe('Duo request signing (the vectors of Duo\'s own client tests)', () => {
  it('canonicalizes parameters like Python quote(…, "~"), sorted', () => {
    assert.equal(canonParams({ realname: 'First Last', username: 'root' }), 'realname=First%20Last&username=root');
    assert.equal(canonParams({}), '');
    assert.equal(canonParams({ punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', whitespace: '\t\n\x0b\x0c\r ' }),
      'punctuation=%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D~&whitespace=%09%0A%0B%0C%0D%20');
    assert.equal(canonParams({ '\u7449\u7e4b': 'b', '\u469a\u287b': 'a' }), '%E4%9A%9A%E2%A1%BB=a&%E7%91%89%E7%B9%8B=b');
  });
  it('signs version 2 exactly as Duo\'s published vector', () => {
    const params = {
      '\u469a\u287b\u35d0\u8ef3\u6727\u502a\u0810\ud091\xc8\uc170': '\u0f45\u1a76\u341a\u654c\uc23f\u9b09\uabe2\u8343\u1b27\u60d0',
      '\u7449\u7e4b\uccfb\u59ff\ufe5f\u83b7\uadcc\u900c\ucfd1\u7813': '\u8db7\u5022\u92d3\u42ef\u207d\u8730\uacfe\u5617\u0946\u4e30',
      '\u7470\u9314\u901c\u9eae\u40d8\u4201\u82d8\u8c70\u1d31\ua042': '\u17d9\u0ba8\u9358\uaadf\ua42a\u48be\ufb96\u6fe9\ub7ff\u32f3',
      '\uc2c5\u2c1d\u2620\u3617\u96b3F\u8605\u20e8\uac21\u5934': '\ufba9\u41aa\ubd83\u840b\u2615\u3e6e\u652d\ua8b5\ud56bU',
    };
    const req = { ikey: 'test_ikey', skey: 'gtdfxv9YgVBYcF6dl2Eq17KUQJN2PLM2ODVTkvoT', method: 'PoSt', host: 'foO.BAr52.cOm', path: '/Foo/BaR2/qux', params, date: 'Fri, 07 Dec 2012 17:18:00 -0000' };
    assert.ok(duoCanonical(req, 2).startsWith('Fri, 07 Dec 2012 17:18:00 -0000\nPOST\nfoo.bar52.com\n/Foo/BaR2/qux\n%E4%9A%9A%E2%A1%BB%E3%97%90'));
    assert.equal(duoSign(req, 2), `Basic ${Buffer.from('test_ikey:f01811cbbf9561623ab45b893096267fd46a5178').toString('base64')}`);
  });
  it('version 5 adds the body and header hashes and uses HMAC-SHA512', () => {
    const req = { ikey: 'DIKEY', skey: 'secret', method: 'GET', host: 'api-x.example.com', path: '/admin/v2/logs/authentication', params: { limit: '1000' }, date: duoDate(new Date('2026-11-20T10:00:00Z')) };
    assert.equal(req.date, 'Fri, 20 Nov 2026 10:00:00 -0000');
    const lines = duoCanonical(req, 5).split('\n');
    assert.equal(lines.length, 7);
    assert.equal(lines[5], lines[6], 'empty body and no X-Duo headers hash alike');
    assert.equal(Buffer.from(duoSign(req).slice(6), 'base64').toString().split(':')[1]!.length, 128);
  });
});

describe('paging helpers', () => {
  it('reads Okta\'s Link header', () => {
    assert.equal(nextLink('<https://x.okta.com/api/v1/logs?limit=2>; rel="self", <https://x.okta.com/api/v1/logs?after=abc&limit=2>; rel="next"'), 'https://x.okta.com/api/v1/logs?after=abc&limit=2');
    assert.equal(nextLink('<https://x/api/v1/logs>; rel="self"'), null);
    assert.equal(nextLink(null), null);
  });
  it('reads Retry-After as seconds or a date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(new Date(Date.parse('2026-11-20T10:00:10Z')).toUTCString(), Date.parse('2026-11-20T10:00:00Z')), 10_000);
    assert.equal(retryAfterMs(null), null);
  });
});

describe('retrying fetch', () => {
  const responses = (...list: (number | [number, Record<string, string>])[]) => {
    const calls: string[] = [];
    const impl = (async (url: string) => {
      calls.push(url);
      const next = list.shift() ?? 200;
      const [status, headers] = Array.isArray(next) ? next : [next, {}];
      return new Response(status === 200 ? '[]' : 'busy', { status, headers });
    }) as unknown as typeof fetch;
    return { impl, calls };
  };
  it('waits out a 429 with Retry-After and a 5xx, then succeeds', async () => {
    const r = responses([429, { 'retry-after': '0' }], 503, 200);
    const res = await retryingFetch({ fetchImpl: r.impl, baseDelayMs: 1 })('https://vendor.example.com/x');
    assert.equal(res.status, 200);
    assert.equal(r.calls.length, 3);
  });
  it('gives up after its attempts, and refuses a wait longer than the run affords', async () => {
    await assert.rejects(retryingFetch({ fetchImpl: responses(500, 500, 500).impl, attempts: 3, baseDelayMs: 1 })('https://vendor.example.com/x'), /giving up after 3 attempts \(HTTP 500\)/);
    await assert.rejects(retryingFetch({ fetchImpl: responses([429, { 'retry-after': '3600' }]).impl, maxWaitMs: 1000 })('https://vendor.example.com/x'), /asks to wait 3600 s; resuming next run/);
  });
  it('does not retry a 4xx other than 429', async () => {
    const r = responses(401);
    assert.equal((await retryingFetch({ fetchImpl: r.impl })('https://vendor.example.com/x')).status, 401);
    assert.equal(r.calls.length, 1);
  });
});

describe('pull settings and the bounded runner', () => {
  const cfg = parseConfig({
    tenants: [{ id: 'a', name: 'A' }],
    sources: [{ id: 'a-duo', tenant: 'a', kind: 'duo', pull: { baseUrl: 'https://api-x.example.com', integrationKey: 'DIKEY', secretKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:duo-AbCdEf' } }],
  });
  it('resolves credentials from Secrets Manager and names a missing field', async () => {
    const s = await resolvePullSettings(cfg.sources[0]!, duoPuller, async (ref) => (ref.arn?.includes('duo') ? 'the-skey' : ''));
    assert.equal(s.secretKey, 'the-skey');
    const bare = { ...cfg.sources[0]!, pull: { baseUrl: 'https://api-x.example.com', intervalSeconds: 60 } };
    await assert.rejects(resolvePullSettings(bare, duoPuller, async () => ''), /pull\.integrationKey/);
  });
  it('stores each page before moving the cursor, and stops at maxPages with more to do', async () => {
    const saved: Cursor[] = [];
    const stored: number[] = [];
    let n = 0;
    const puller = { kind: 'duo' as const, settings: duoPuller.settings, fetchPage: async () => ({ items: [{ i: ++n }], cursor: { page: n }, done: false }) };
    const r = await runPoll({
      source: cfg.sources[0]!, puller, settings: {} as never, http: async () => { throw new Error('unused'); },
      cursors: { get: async () => null, put: async (_id, c) => { assert.equal(stored.length, saved.length + 1, 'stored first'); saved.push(c); } },
      store: async (_s, items) => { stored.push(items.length); return { accepted: items.length, duplicates: 0, quarantined: 0 }; },
      maxPages: 3,
    });
    assert.deepEqual([r.pages, r.accepted, r.more], [3, 3, true]);
    assert.deepEqual(saved, [{ page: 1 }, { page: 2 }, { page: 3 }]);
  });
});

describe('Duo, Google Workspace and Entra pullers against local fakes', () => {
  const http: HttpFetch = (url, init) => fetch(url, init);
  const memory = (start: Cursor | null = null) => {
    let c = start;
    return { saved: () => c, store: { get: async () => c, put: async (_id: string, next: Cursor) => { c = next; } } };
  };
  const ingest = (into: unknown[]) => async (_s: unknown, items: unknown[]) => { into.push(...items); return { accepted: items.length, duplicates: 0, quarantined: 0 }; };
  const duoSource = parseConfig({ tenants: [{ id: 'a', name: 'A' }], sources: [{ id: 'a-duo', tenant: 'a', kind: 'duo', pull: { baseUrl: 'https://api-x.example.com', integrationKey: 'DIKEY', secretKey: 's' } }] }).sources[0]!;

  it('Duo: authentication, telephony and administrator logs in turn; a cursor of the two-log version goes on into the administrator log', async () => {
    const now = Date.now();
    const auth = [{ ...fixture<{ response: { authlogs: Record<string, unknown>[] } }>('duo/authlogs-page.json').response.authlogs[0]!, isotimestamp: new Date(now - 600_000).toISOString() }];
    const admin = fixture<{ response: Record<string, unknown>[] }>('duo/administrator-log.json').response.map((l, i) => ({ ...l, timestamp: Math.floor(now / 1000) - 3000 + i }));
    const duo = await fakeDuo({ ikey: 'DIKEY', skey: 'skey-for-tests', logs: auth, admin, pageSize: 5 });
    try {
      const settings = DuoPullSettings.parse({ baseUrl: duo.url, integrationKey: 'DIKEY', secretKey: 'skey-for-tests' });
      const items: unknown[] = [];
      const cursors = memory();
      const r = await runPoll({ source: duoSource, puller: duoPuller, settings, cursors: cursors.store, http, store: ingest(items) });
      assert.deepEqual([r.events, r.more], [1 + admin.length, false]);
      assert.deepEqual(duo.requests.map((x) => x.path), ['/admin/v2/logs/authentication', '/admin/v2/logs/telephony', '/admin/v1/logs/administrator']);
      assert.match(duo.requests[2]!.query['mintime']!, /^\d{10}$/, 'the v1 administrator log takes seconds');
      assert.ok(Number((cursors.saved()!['administrator'] as { mintime: number }).mintime) >= Math.floor((now - 5 * 60_000) / 1000) - 1);
      // The cursor as the two-log version left it, paging through telephony: it resumes there, then reads the administrator log.
      const old = memory({ phase: 'telephony', auth: { mintime: now - 3_600_000 }, telephony: { mintime: now - 3_600_000, maxtime: now - 120_000 } });
      duo.requests.length = 0;
      await runPoll({ source: duoSource, puller: duoPuller, settings, cursors: old.store, http, store: ingest([]) });
      assert.deepEqual(duo.requests.map((x) => x.path), ['/admin/v2/logs/telephony', '/admin/v1/logs/administrator']);
      // lookbackSeconds before the poller's own clock, read between the test's two readings of it.
      const mintime = Number(duo.requests[1]!.query['mintime']);
      assert.ok(mintime >= Math.floor((now - 86_400_000) / 1000) && mintime <= Math.floor((Date.now() - 86_400_000) / 1000), `a log the cursor does not know starts lookbackSeconds back (${mintime})`);
    } finally { await duo.close(); }
  });

  it('Duo: the administrator log pages by the newest timestamp of a full answer, and steps past a second that fills one', async () => {
    const base = Math.floor(Date.now() / 1000) - 7200;
    const admin = [
      ...Array.from({ length: 1000 }, (_, i) => ({ action: 'user_update', description: `{"n": ${i}}`, object: `u${i}`, timestamp: base, username: 'API' })),
      ...Array.from({ length: 30 }, (_, i) => ({ action: 'policy_update', description: null, object: `p${i}`, timestamp: base + 10 + i, username: 'API' })),
    ];
    const duo = await fakeDuo({ ikey: 'DIKEY', skey: 'k', logs: [], admin, pageSize: 5 });
    try {
      const settings = DuoPullSettings.parse({ baseUrl: duo.url, integrationKey: 'DIKEY', secretKey: 'k' });
      const items: unknown[] = [];
      await runPoll({ source: duoSource, puller: duoPuller, settings, cursors: memory({ phase: 'administrator', administrator: { mintime: base } }).store, http, store: ingest(items) });
      assert.deepEqual(duo.requests.map((x) => x.query['mintime']), [String(base), String(base + 1)]);
      assert.equal(items.length, 1030);
    } finally { await duo.close(); }
  });

  it('Google: login, admin, user_accounts and token grants in turn, a jose-signed RS256 assertion, and the login-only cursor of earlier versions', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const recent = (a: Record<string, unknown>, i: number) => ({ ...a, id: { ...(a['id'] as object), time: new Date(Date.now() - 3_600_000 + i * 1000).toISOString() } });
    const activities = [
      ...fixture<{ items: Record<string, unknown>[] }>('google_workspace/activities-page.json').items,
      ...fixture<{ items: Record<string, unknown>[] }>('google_workspace/admin-page.json').items,
      ...fixture<{ items: Record<string, unknown>[] }>('google_workspace/user-accounts-page.json').items,
      ...fixture<{ items: Record<string, unknown>[] }>('google_workspace/token-page.json').items,
      { id: { time: '', uniqueQualifier: '-9', applicationName: 'token' }, actor: { email: 'bob@example.com' }, events: [{ type: 'activity', name: 'activity' }] },
    ].map(recent);
    const google = await fakeGoogle({ clientEmail: 'sa@example-project.iam.gserviceaccount.com', publicKeyPem: keys.publicKey, subject: 'admin@example.com', activities, pageSize: 3 });
    try {
      const settings = GooglePullSettings.parse({ baseUrl: google.url, tokenUrl: `${google.url}/token`, subject: 'admin@example.com', serviceAccountKey: { client_email: 'sa@example-project.iam.gserviceaccount.com', private_key: keys.privateKey } });
      const items: unknown[] = [];
      const source = { ...duoSource, id: 'a-google', kind: 'google_workspace' as const };
      const r = await runPoll({ source, puller: googlePuller, settings, cursors: memory().store, http, store: ingest(items) });
      assert.equal(r.events, activities.length - 1, 'every activity but the token application\'s API-call log');
      const lists = google.requests.filter((x) => x.path !== '/token');
      assert.deepEqual([...new Set(lists.map((x) => `${x.path.split('/').pop()}${x.query['eventName'] ? `:${x.query['eventName']}` : ''}`))], ['login', 'admin', 'user_accounts', 'token:authorize', 'token:revoke']);
      assert.ok(lists.every((x) => x.status === 200), 'the jose-signed assertion was accepted');
      assert.ok(lists.some((x) => x.query['pageToken']), 'paged');
      // The cursor the login-only version saved: its login window is kept; the other streams start lookbackSeconds back.
      google.requests.length = 0;
      const startTime = new Date(Date.now() - 600_000).toISOString();
      await runPoll({ source, puller: googlePuller, settings, cursors: memory({ startTime }).store, http, store: ingest([]) });
      const first = google.requests.filter((x) => x.path !== '/token');
      assert.equal(first[0]!.query['startTime'], startTime);
      assert.ok(first[0]!.path.endsWith('/login'));
      assert.ok(Date.parse(first.find((x) => x.path.endsWith('/admin'))!.query['startTime']!) < Date.now() - 86_000_000);
    } finally { await google.close(); }
  });

  it('Entra: sign-ins, then directory audits, each through @odata.nextLink; a failed page moves no cursor, and the next run resumes on it', async () => {
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    const signIns = fixture<{ value: Record<string, unknown>[] }>('entra/graph-signins-page.json').value.map((x, i): Record<string, unknown> => ({ ...x, createdDateTime: at(3_000_000 - i * 60_000) }));
    const auditBase = fixture<{ value: Record<string, unknown>[] }>('entra/graph-directoryaudits-page.json').value;
    const audits = Array.from({ length: 5 }, (_, i): Record<string, unknown> => ({ ...auditBase[i % auditBase.length]!, id: `Directory_pull${i}`, activityDateTime: at(2_400_000 - i * 60_000) }));
    let failing = true;
    const graph = await fakeGraph({
      clientId: 'app-unit-pull', clientSecret: 'graph-secret', signIns, audits, pageSize: 2,
      // The second page of directory audits fails once.
      fail: (path, q) => (failing && path.endsWith('/directoryAudits') && q['$skiptoken'] === '2' ? 500 : undefined),
    });
    try {
      const settings = EntraPullSettings.parse({ baseUrl: graph.url, tokenUrl: `${graph.url}/tenant-0001/oauth2/v2.0/token`, tenantId: 'tenant-0001', clientId: 'app-unit-pull', clientSecret: 'graph-secret', pageSize: 2 });
      const source = { ...duoSource, id: 'a-entra', kind: 'entra' as const };
      const items: Record<string, unknown>[] = [];
      const cursors = memory();
      await assert.rejects(runPoll({ source, puller: entraPuller, settings, cursors: cursors.store, http, store: ingest(items) }), /directoryAudits: HTTP 500/);
      // Every sign-in and the first audit page (Graph lists newest first) were stored; the cursor is on the page that failed.
      assert.deepEqual(items.map((x) => x['id']).sort(), [...signIns.map((x) => x['id']), 'Directory_pull4', 'Directory_pull3'].sort());
      const saved = cursors.saved()!;
      assert.equal(saved['phase'], 'directoryAudits');
      assert.equal(new URL(String((saved['directoryAudits'] as Record<string, unknown>)['next'])).searchParams.get('$skiptoken'), '2');
      const lists = graph.requests.filter((x) => !x.path.endsWith('/token'));
      assert.ok(lists.some((x) => x.path === '/v1.0/auditLogs/signIns' && x.query['$skiptoken']), 'sign-ins paged');
      assert.match(lists.find((x) => x.path === '/v1.0/auditLogs/directoryAudits')!.query['$filter']!, /^activityDateTime ge \S+ and activityDateTime le \S+$/);
      failing = false;
      graph.requests.length = 0;
      const r = await runPoll({ source, puller: entraPuller, settings, cursors: cursors.store, http, store: ingest(items) });
      assert.deepEqual([r.events, r.more], [3, false], 'the rest of the audits, nothing twice');
      assert.equal(graph.requests.filter((x) => !x.path.endsWith('/token'))[0]!.query['$skiptoken'], '2', 'resumed on the failed page');
      assert.equal(new Set(items.map((x) => x['id'])).size, items.length);
      assert.equal(items.length, signIns.length + audits.length);
      assert.deepEqual(Object.keys(cursors.saved()!).sort(), ['directoryAudits', 'phase', 'signIns']);
      assert.equal(cursors.saved()!['phase'], 'signIns');
    } finally { await graph.close(); }
  });
});
