/**
 * Pull sources through the local runtime, against local fakes of the vendor APIs that check the
 * signing / credentials and page through several pages: every event ends in the hot table and
 * the archive exactly once, across overlapping windows and a restart.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../helpers/fixtures.ts';
import { generateKeyPairSync } from 'node:crypto';
import { fakeDuo, fakeGoogle, fakeGraph, fakeJumpCloud, fakeOkta, type Fake } from '../helpers/fake-vendors.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const now = Date.now();
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
const duoLogs = fixture<{ response: { authlogs: Record<string, unknown>[] } }>('duo/authlogs-page.json').response.authlogs;
// Spread the fixture's seven logs (plus five more) over the last hour, all older than Duo's 2-minute lag.
const DUO = Array.from({ length: 12 }, (_, i) => ({ ...duoLogs[i % duoLogs.length]!, txid: `duo-it-${String(i).padStart(2, '0')}`, isotimestamp: iso(3_600_000 - i * 60_000) }));
const oktaBase = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events;
const telBase = fixture<{ response: { items: Record<string, unknown>[] } }>('duo/telephony-page.json').response.items;
const TELEPHONY = Array.from({ length: 7 }, (_, i) => ({ ...telBase[i % telBase.length]!, telephony_id: `tel-it-${i}`, ts: iso(3_000_000 - i * 60_000) }));
const jcBase = fixture<Record<string, unknown>[]>('jumpcloud/events-page.json');
const JC = Array.from({ length: 7 }, (_, i) => ({ ...jcBase[i % jcBase.length]!, id: `jc-it-${i}`, timestamp: iso(2_400_000 - i * 60_000) }));
const graphBase = fixture<{ records: { properties: Record<string, unknown> }[] }>('entra/diagnostic-signins.json').records.map((r) => r.properties);
const GRAPH = Array.from({ length: 6 }, (_, i) => ({ ...graphBase[i % graphBase.length]!, id: `graph-it-${i}`, createdDateTime: iso(3_000_000 - i * 60_000) }));
// Directory audits as Graph lists them: its own page's three, and a policy, a credential, an IdP change and a password reset.
const auditLogs = fixture<{ records: { properties: Record<string, unknown> }[] }>('entra/AuditLogs.json').records.map((r) => r.properties);
const GRAPH_AUDITS = [
  ...fixture<{ value: Record<string, unknown>[] }>('entra/graph-directoryaudits-page.json').value,
  ...['Directory_aud1001', 'Directory_aud1010', 'Directory_aud1013', 'SSPR_aud1017'].map((id) => auditLogs.find((a) => a['id'] === id)!),
].map((a, i) => ({ ...a, id: `graph-audit-it-${i}`, activityDateTime: iso(2_700_000 - i * 60_000) }));
const gBase = fixture<{ items: Record<string, unknown>[] }>('google_workspace/activities-page.json').items;
const GOOGLE = Array.from({ length: 5 }, (_, i) => ({ ...gBase[i % gBase.length]!, id: { ...(gBase[i % gBase.length]!['id'] as object), uniqueQualifier: `-9${i}`, time: iso(2_000_000 - i * 60_000) } }));
// Four admin-console changes, two of a user's own account changes and two OAuth grants: the other streams the poller reads.
const gOther = [
  ...fixture<{ items: Record<string, unknown>[] }>('google_workspace/admin-page.json').items.slice(0, 4),
  ...fixture<{ items: Record<string, unknown>[] }>('google_workspace/user-accounts-page.json').items.slice(0, 2),
  ...fixture<{ items: Record<string, unknown>[] }>('google_workspace/token-page.json').items,
];
GOOGLE.push(...gOther.map((a, i) => ({ ...a, id: { ...(a['id'] as object), uniqueQualifier: `-8${i}`, time: iso(1_500_000 - i * 60_000) } })));
const adminBase = fixture<{ response: Record<string, unknown>[] }>('duo/administrator-log.json').response;
// The administrator log's 23 entries (v1: timestamps in seconds) within the last hour.
const DUO_ADMIN = adminBase.map((l, i) => ({ ...l, timestamp: Math.floor((now - 3_000_000) / 1000) + i * 60 }));
const serviceAccount = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const OKTA = Array.from({ length: 9 }, (_, i) => ({ ...oktaBase[i % oktaBase.length]!, uuid: `okta-pull-${i}`, published: iso(1_800_000 - i * 60_000) }));

describe('pull sources, end to end', () => {
  let duo: Fake;
  let okta: Fake;
  let jc: Fake;
  let graph: Fake;
  let google: Fake;
  let c: TestCollector;
  const config = () => ({
    tenants: [{ id: 'acme', name: 'Acme' }],
    sources: [
      { id: 'acme-duo', tenant: 'acme', kind: 'duo', pull: { baseUrl: duo.url, integrationKey: 'DIXXXXXXXXXXXXXXXXXX', secretKey: 'duo-skey-for-tests', intervalSeconds: 3600, pageSize: 5, lookbackSeconds: 7200 } },
      { id: 'acme-okta-pull', tenant: 'acme', kind: 'okta', pull: { baseUrl: okta.url, apiToken: '00-okta-api-token', intervalSeconds: 3600, pageSize: 4, lookbackSeconds: 7200 } },
      { id: 'acme-duo-bad', tenant: 'acme', kind: 'duo', pull: { baseUrl: duo.url, integrationKey: 'DIXXXXXXXXXXXXXXXXXX', secretKey: 'not-the-skey', intervalSeconds: 3600 } },
      { id: 'acme-jumpcloud', tenant: 'acme', kind: 'jumpcloud', pull: { baseUrl: jc.url, apiKey: 'jc-api-key-for-tests', intervalSeconds: 3600, pageSize: 3, lookbackSeconds: 7200 } },
      { id: 'acme-google', tenant: 'acme', kind: 'google_workspace', pull: { baseUrl: google.url, tokenUrl: `${google.url}/token`, subject: 'admin@example.com', intervalSeconds: 3600, pageSize: 2, lookbackSeconds: 7200,
        serviceAccountKey: { type: 'service_account', client_email: 'authtrail@example-project.iam.gserviceaccount.com', private_key: serviceAccount.privateKey, token_uri: `${google.url}/token` } } },
      { id: 'acme-entra-graph', tenant: 'acme', kind: 'entra', pull: { baseUrl: graph.url, tokenUrl: `${graph.url}/tenant-0001/oauth2/v2.0/token`, tenantId: 'tenant-0001', clientId: 'app-0001', clientSecret: 'graph-secret-for-tests', intervalSeconds: 3600, pageSize: 4, lookbackSeconds: 7200 } },
    ],
  });
  const poll = async (id: string) => {
    const r = await c.cli(['poll', id]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  before(async () => {
    duo = await fakeDuo({ ikey: 'DIXXXXXXXXXXXXXXXXXX', skey: 'duo-skey-for-tests', logs: DUO, telephony: TELEPHONY, admin: DUO_ADMIN, pageSize: 5, throttleAt: 2 });
    okta = await fakeOkta({ token: '00-okta-api-token', events: OKTA, pageSize: 4 });
    jc = await fakeJumpCloud({ apiKey: 'jc-api-key-for-tests', events: JC });
    google = await fakeGoogle({ clientEmail: 'authtrail@example-project.iam.gserviceaccount.com', publicKeyPem: serviceAccount.publicKey, subject: 'admin@example.com', activities: GOOGLE, pageSize: 2 });
    graph = await fakeGraph({ clientId: 'app-0001', clientSecret: 'graph-secret-for-tests', signIns: GRAPH, audits: GRAPH_AUDITS, pageSize: 4 });
    c = await startCollector(config());
  });
  after(async () => { await c?.stop(); await Promise.all([duo, okta, jc, graph, google].map((f) => f?.close())); });

  it('Duo: signed requests, next_offset paging, a 429 waited out, authentication, telephony and administrator logs stored once', async () => {
    const r = await poll('acme-duo');
    assert.deepEqual([r['accepted'], r['duplicates'], r['events'], r['more']], [42, 0, 42, false]);
    assert.ok(duo.requests.some((x) => x.path === '/admin/v2/logs/telephony' && x.query['next_offset']), 'telephony paged too');
    assert.ok(duo.requests.some((x) => x.path === '/admin/v1/logs/administrator' && x.status === 200), 'the administrator log read');
    assert.ok(duo.requests.some((x) => x.status === 429), 'the fake throttled once');
    assert.ok(duo.requests.every((x) => x.status !== 401), 'every request was signed correctly');
    assert.ok(duo.requests.filter((x) => x.status === 200).length >= 3, 'several pages');
    const maxtime = Number(duo.requests.find((x) => x.status === 200)!.query['maxtime']);
    assert.ok(maxtime <= Date.now() - 110_000, 'the window ends two minutes before now (Duo\'s lag)');
    // The next run overlaps the last window's end: redelivery deduplicates, nothing is lost.
    const again = await poll('acme-duo');
    assert.equal(again['accepted'], 0);
  });

  it('Okta: SSWS token, Link paging, cursor kept', async () => {
    const r = await poll('acme-okta-pull');
    assert.deepEqual([r['accepted'], r['events']], [9, 9]);
    assert.ok(okta.requests.filter((x) => x.query['after']).length >= 2, 'followed the next links');
    const again = await poll('acme-okta-pull');
    assert.deepEqual([again['accepted'], again['events']], [0, 0], 'resumes after the last event');
  });

  it('JumpCloud: x-api-key, search_after paging', async () => {
    const r = await poll('acme-jumpcloud');
    assert.deepEqual([r['accepted'], r['events']], [7, 7]);
    assert.ok(jc.requests.filter((x) => x.query['search_after']).length >= 2, 'followed search_after');
    assert.ok(jc.requests.every((x) => x.status === 200));
    assert.equal((await poll('acme-jumpcloud'))['accepted'], 0, 'the overlapping next window adds nothing twice');
  });

  it('Entra: client-credentials token, Graph sign-ins and directory audits in turn, each through @odata.nextLink', async () => {
    const r = await poll('acme-entra-graph');
    assert.deepEqual([r['accepted'], r['events'], r['more']], [13, 13, false]);
    assert.equal(graph.requests.filter((x) => x.path.endsWith('/token')).length, 1, 'one token, reused across pages');
    const lists = graph.requests.filter((x) => !x.path.endsWith('/token'));
    assert.ok(lists.every((x) => x.status === 200), 'each log filtered on its own time property');
    assert.deepEqual([...new Set(lists.map((x) => x.path))], ['/v1.0/auditLogs/signIns', '/v1.0/auditLogs/directoryAudits']);
    for (const path of ['/v1.0/auditLogs/signIns', '/v1.0/auditLogs/directoryAudits']) assert.ok(lists.some((x) => x.path === path && x.query['$skiptoken']), `${path}: followed nextLink`);
    // The next run's windows overlap the last ones: redelivery deduplicates, nothing is lost.
    const again = await poll('acme-entra-graph');
    assert.equal(again['accepted'], 0);
  });

  it('Google Workspace: service-account JWT (RS256, impersonating an admin), pageToken paging, one event per activity event, the login, admin, user_accounts and token streams', async () => {
    const r = await poll('acme-google');
    // Five login activities (the fixture's second carries two events) and eight of the other streams.
    assert.deepEqual([r['events'], r['accepted']], [13, 14]);
    assert.deepEqual([...new Set(google.requests.filter((x) => x.path !== '/token').map((x) => x.path.split('/').pop()))], ['login', 'admin', 'user_accounts', 'token']);
    assert.ok(google.requests.filter((x) => x.query['pageToken']).length >= 2, 'paged');
    assert.equal(google.requests.filter((x) => x.path === '/token').length, 1);
    assert.equal((await poll('acme-google'))['accepted'], 0, 'late-arrival overlap re-reads, adds nothing twice');
  });

  it('a wrong credential fails the poll with the vendor\'s message; an unknown source is named', async () => {
    let r = await c.cli(['poll', 'acme-duo-bad']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTTP 401 Invalid signature in request credentials/);
    assert.doesNotMatch(r.stderr, /not-the-skey/, 'no credential in the message');
    r = await c.cli(['poll', 'no-such-source']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no source "no-such-source"/);
  });

  it('the cursor survives a restart; events land in the archive exactly once', async () => {
    assert.equal(await c.stop(), 0);
    OKTA.push({ ...oktaBase[0]!, uuid: 'okta-pull-late', published: iso(60_000) });
    c = await startCollector(config(), { home: c.home });
    const r = await poll('acme-okta-pull');
    assert.deepEqual([r['accepted'], r['duplicates']], [1, 0], 'only the new event');
    assert.equal((await c.cli(['flush'])).code, 0);
    const q = await c.cli(['query', 'SELECT source_id, count(*) n, count(DISTINCT event_uid) d FROM events GROUP BY 1 ORDER BY 1', '--json']);
    assert.deepEqual(q.stdout.trim().split('\n').map((l) => JSON.parse(l)), [
      { source_id: 'acme-duo', n: 42, d: 42 }, { source_id: 'acme-entra-graph', n: 13, d: 13 }, { source_id: 'acme-google', n: 14, d: 14 }, { source_id: 'acme-jumpcloud', n: 7, d: 7 }, { source_id: 'acme-okta-pull', n: 10, d: 10 },
    ]);
  });
});
