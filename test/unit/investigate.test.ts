/**
 * Investigations, the pure parts and the reads: cursors (made, validated, forged), limits and
 * windows, the alias expansion over the user index, the merge of pages, the summary's arithmetic;
 * the adapter against an in-memory hot table behind a mocked DynamoDB client (keys are always the
 * tenant's, an IP is a filter, pages join up); the handler's routing and refusals.
 */
import { describe, it, beforeEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { S3Client, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  decodeCursor, encodeCursor, eventsQueryFrom, expandAliases, InvestigationError, MAX_LIMIT, mergePage, parseDuration, parseInvestigationPath, parseLimit,
  searchHash, summarize, summaryQueryFrom, alertsQueryFrom, daysOf, countByRule, type IndexedEvent,
} from '../../lambdas/core/investigate.ts';
import { investigator, SCAN_BUDGET } from '../../lambdas/adapters/investigate.ts';
import { dayPartitions, toItem } from '../../lambdas/adapters/hot-store.ts';
import { EMPTY_FIELDS, type AuthEvent } from '../../lambdas/core/event.ts';
import { AlertsConfig } from '../../lambdas/core/detect/settings.ts';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const bound = searchHash('acme', { kind: 'user', user: 'jo' });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('investigate: cursors', () => {
  it('round-trip, opaque, bound to tenant and search', () => {
    const c = encodeCursor({ before: '2026-11-28T10:00:00.000Z#acme-okta#uid-1' }, bound);
    assert.match(c, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(c, bound), { before: '2026-11-28T10:00:00.000Z#acme-okta#uid-1' });
    assert.throws(() => decodeCursor(c, searchHash('globex', { kind: 'user', user: 'jo' })), /another search or tenant/);
    assert.throws(() => decodeCursor(c, searchHash('acme', { kind: 'user', user: 'bo' })), /another search or tenant/);
    assert.throws(() => decodeCursor(c, searchHash('acme', { kind: 'ip', ip: 'jo' })), /another search or tenant/);
  });
  it('anything forged is an InvestigationError (a 400), never a crash', () => {
    const forged = ['', '%%%', 'a'.repeat(3000), 'bm90IGpzb24', b64([1]), b64(null), b64({ v: 2, q: bound, b: '2026-11-28T10:00:00.000Z#x' }),
      b64({ v: 1, q: bound }), b64({ v: 1, q: bound, b: 42 }), b64({ v: 1, q: bound, b: 'globex#2026' }), b64({ v: 1, q: bound, b: '2026-11-28T10:00:00.000Z#x', extra: 1 }),
      b64({ v: 1, q: bound, b: `2026-11-28T10:00:00.000Z#${'x'.repeat(2000)}` })];
    for (const f of forged) assert.throws(() => decodeCursor(f, bound), InvestigationError, f.slice(0, 40));
  });
});

describe('investigate: limits, windows, requests', () => {
  it('limit: default 100, at most 1,000, whole numbers only', () => {
    assert.equal(parseLimit(undefined), 100);
    assert.equal(parseLimit('1'), 1);
    assert.equal(parseLimit(String(MAX_LIMIT)), 1000);
    for (const bad of ['0', '1001', '-1', '1.5', 'ten', '', '99999999']) assert.throws(() => parseLimit(bad), InvestigationError, bad);
  });
  it('durations and windows: default 24 h for ip and time, the whole hot table for a user; never beyond hotDays', () => {
    assert.equal(parseDuration('since', '15m'), 900_000);
    assert.equal(parseDuration('since', '7d'), 7 * 86_400_000);
    for (const bad of ['0h', '1w', '24', 'h', '-1h']) assert.throws(() => parseDuration('since', bad), InvestigationError, bad);
    const ip = eventsQueryFrom('acme', { ip: '203.0.113.7' }, { now: NOW, hotDays: 30 });
    assert.deepEqual([ip.since, ip.until, ip.limit], [NOW - 86_400_000, NOW, 100]);
    const user = eventsQueryFrom('acme', { user: ' Jo@Example.COM ' }, { now: NOW, hotDays: 30 });
    assert.deepEqual(user.search, { kind: 'user', user: 'jo@example.com' });
    assert.equal(user.since, 0, 'a user: the whole hot table');
    assert.throws(() => eventsQueryFrom('acme', { since: '31d' }, { now: NOW, hotDays: 30 }), /beyond the hot table's 30 days/);
    assert.throws(() => eventsQueryFrom('acme', { since: '1h', until: '2h' }, { now: NOW, hotDays: 30 }), /since is after until/);
    assert.throws(() => eventsQueryFrom('acme', { user: 'a', ip: '1.2.3.4' }, { now: NOW, hotDays: 30 }), /not both/);
    assert.throws(() => eventsQueryFrom('acme', { ip: '999.1.1.1' }, { now: NOW, hotDays: 30 }), /IPv4 or IPv6/);
    assert.throws(() => eventsQueryFrom('acme', { users: 'a' }, { now: NOW, hotDays: 30 }), /unknown parameter users/);
    assert.throws(() => eventsQueryFrom('acme', { until: 'yesterday' }, { now: NOW, hotDays: 30 }), /ISO 8601/);
    assert.equal(eventsQueryFrom('acme', { ip: '2001:DB8::1' }, { now: NOW, hotDays: 30 }).search.kind, 'ip');
  });
  it('alerts and summary parameters', () => {
    assert.deepEqual(alertsQueryFrom({}, NOW), { status: 'open', since: NOW - 7 * 86_400_000 });
    assert.equal(alertsQueryFrom({ status: 'all', since: '1d' }, NOW).since, NOW - 86_400_000);
    assert.throws(() => alertsQueryFrom({ status: 'closed' }, NOW), InvestigationError);
    assert.deepEqual(summaryQueryFrom({}, NOW, 90), { since: NOW - 86_400_000 });
    assert.throws(() => summaryQueryFrom({ window: '8d' }, NOW, 90), /at most 7d/);
    assert.throws(() => summaryQueryFrom({ window: '3d' }, NOW, 2), /at most 2d/);
  });
  it('routes: only /v1/tenants/{tenant}/events|alerts|summary, the same under /v1/console/, and /v1/console/me', () => {
    assert.deepEqual(parseInvestigationPath('/v1/tenants/acme-eu/events'), { console: false, tenant: 'acme-eu', resource: 'events' });
    assert.deepEqual(parseInvestigationPath('/v1/console/tenants/acme/summary'), { console: true, tenant: 'acme', resource: 'summary' });
    assert.deepEqual(parseInvestigationPath('/v1/console/me'), { console: true, resource: 'me' });
    for (const p of ['/v1/tenants/acme/events/', '/v1/tenants/acme/../globex/events', '/v1/tenants/acme%2Fglobex/events', '/v1/tenants//events', '/v1/ingest/acme-okta', '/v1/tenants/acme/raw',
      '/v1/console/me/', '/v1/console/tenants/acme/raw', '/v1/console/acme/events', '/v1/tenants/me', '/v1/console/console/tenants/acme/events']) {
      assert.equal(parseInvestigationPath(p), null, p);
    }
  });
  it('days of a window, newest first', () => {
    assert.deepEqual(daysOf(Date.parse('2026-11-26T23:00:00Z'), Date.parse('2026-11-28T01:00:00Z')), ['2026-11-28', '2026-11-27', '2026-11-26']);
  });
});

describe('investigate: alias expansion', () => {
  const fake = (graph: Record<string, { user_email?: string | null; user_login?: string | null; user_id?: string | null }[]>) => {
    const asked: string[] = [];
    return { asked, sample: async (k: string) => { asked.push(k); return graph[k] ?? []; } };
  };
  it('follows emails, logins and ids case-insensitively, each key once', async () => {
    const f = fake({
      'jo@acme.example': [{ user_email: 'jo@acme.example', user_login: 'JO', user_id: '00u1' }, { user_email: 'jo@acme.example', user_login: 'jo', user_id: null }],
      jo: [{ user_login: 'jo', user_id: 'DU9' }],
      du9: [{ user_id: 'DU9', user_login: 'Jo@Acme.Example' }],
    });
    const r = await expandAliases('jo@acme.example', f.sample);
    assert.deepEqual(r.keys, ['jo@acme.example', 'jo', '00u1', 'du9']);
    assert.equal(r.truncated, false);
    assert.deepEqual([...f.asked].sort(), ['00u1', 'du9', 'jo', 'jo@acme.example']);
  });
  it('stops after its rounds and at its key bound, and says so', async () => {
    const chain = fake({ a: [{ user_login: 'b' }], b: [{ user_login: 'c' }], c: [{ user_login: 'd' }], d: [{ user_login: 'e' }] });
    const r = await expandAliases('a', chain.sample, { rounds: 2 });
    assert.deepEqual(r.keys, ['a', 'b', 'c']);
    assert.equal(r.truncated, true);
    assert.ok(!chain.asked.includes('c'), 'the last round\'s keys are searched, not sampled');
    const wide = fake({ a: Array.from({ length: 30 }, (_, i) => ({ user_id: `id${i}` })) });
    const w = await expandAliases('a', wide.sample, { maxKeys: 10 });
    assert.equal(w.keys.length, 10);
    assert.equal(w.truncated, true);
  });
  it('nothing found: the given key alone', async () => {
    assert.deepEqual(await expandAliases('x', fake({}).sample), { keys: ['x'], truncated: false });
  });
});

describe('investigate: pages and summary arithmetic', () => {
  const ie = (t: string, pk: string): IndexedEvent => ({ sk: `${t}#${pk}`, pk, event: { tenant: 'acme', source_id: pk.split('#')[0]!, event_uid: pk, event_time: t } });
  it('merges runs newest first, each event once, limit and more', () => {
    const a = [ie('2026-11-28T10:00:03.000Z', 's#3'), ie('2026-11-28T10:00:01.000Z', 's#1')];
    const b = [ie('2026-11-28T10:00:02.000Z', 's#2'), ie('2026-11-28T10:00:01.000Z', 's#1')];
    const p = mergePage([a, b], 2, false);
    assert.deepEqual(p.events.map((e) => e.pk), ['s#3', 's#2']);
    assert.equal(p.more, true);
    assert.deepEqual(mergePage([a, b], 3, false), { events: [a[0]!, b[0]!, a[1]!], more: false });
    assert.equal(mergePage([a], 5, true).more, true);
  });
  it('sign-ins as the coverage query counts them; coverage over those whose MFA is known', () => {
    const e = (category: string, outcome: string, is_mfa: boolean | null, user = 'a') => ({ category, outcome, is_mfa, user_email: user } as Partial<AuthEvent>);
    const s = summarize([
      e('login', 'success', true), e('sso', 'success', false, 'B'), e('mfa_verify', 'success', true, 'b'), e('mfa_bypass', 'success', null, 'c'),
      e('login', 'failure', false), e('mfa_verify', 'denied', true), e('logout', 'success', null), e('mfa_challenge', 'challenge', true),
    ]);
    assert.deepEqual(s, { events: 8, sign_ins: 4, sign_ins_with_mfa: 2, sign_ins_without_mfa: 1, mfa_coverage_percent: 66.7, failures: 1, denials: 1, users: 3 });
    assert.equal(summarize([]).mfa_coverage_percent, null);
    assert.deepEqual(countByRule([{ rule: 'mfa_fatigue' }, { rule: 'brute_force' }, { rule: 'mfa_fatigue' }]), { brute_force: 1, mfa_fatigue: 2 });
  });
});

// ---- the adapter over an in-memory table ---------------------------------------------------------

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const ddbMock = mockClient(doc);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const s3Mock = mockClient(s3);
const ev = (tenant: string, uid: string, min: number, over: Partial<AuthEvent> = {}): AuthEvent => ({
  ...EMPTY_FIELDS, tenant, source_id: `${tenant}-okta`, source: 'okta', event_uid: uid, event_time: new Date(NOW - min * 60_000).toISOString(),
  ingest_time: new Date(NOW).toISOString(), category: 'login', outcome: 'success', ...over,
});

function fakeTable(events: AuthEvent[]) {
  const items = events.map((e) => toItem(e, 30));
  const queries: QueryCommandInput[] = [];
  ddbMock.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    queries.push(input);
    const names = input.ExpressionAttributeNames!;
    const v = input.ExpressionAttributeValues!;
    const [pkName, skName] = [names['#pk']!, names['#sk']!];
    let rows = items.filter((it) => it[pkName] === v[':pk'] && String(it[skName]) >= String(v[':lo']) && String(it[skName]) <= String(v[':hi']))
      .sort((a, b) => (String(a[skName]) < String(b[skName]) ? 1 : -1));
    const start = input.ExclusiveStartKey?.[skName] as string | undefined;
    if (start) rows = rows.filter((r) => String(r[skName]) < start);
    const page = rows.slice(0, input.Limit ?? 1000);
    const matched = input.FilterExpression ? page.filter((r) => r['ip'] === v[':ip']) : page;
    const last = page.at(-1);
    // The user index holds keys only.
    const projected = input.IndexName ? matched.map((r) => ({ pk: r['pk'], sk: r['sk'], uk: r['uk'] })) : matched;
    return { Items: projected, ScannedCount: page.length, ...(rows.length > page.length && last ? { LastEvaluatedKey: { pk: last['pk'], sk: last['sk'], [pkName]: last[pkName] } } : {}) };
  });
  ddbMock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Record<string, unknown>[] }> }) => {
    const hot = input.RequestItems['hot'];
    if (hot) return { Responses: { hot: hot.Keys.map((k) => items.find((it) => it['pk'] === k['pk'] && it['sk'] === k['sk'])).filter((x) => x !== undefined) } };
    return { Responses: { state: [{ pk: 'feed#acme-okta', tenant: 'acme', last_ingest: NOW - 1000, last_event_time: NOW - 2000 }] } };
  });
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
  return queries;
}

describe('investigate: the adapter', () => {
  beforeEach(() => { ddbMock.reset(); s3Mock.reset(); });
  const inv = () => investigator({ ddb: doc, table: 'hot', stateTable: 'state', s3, bucket: 'archive', alerts: AlertsConfig.parse({}), sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta' }, { id: 'globex-okta', tenant: 'globex', kind: 'okta' }] });

  it('a user\'s events by every alias, newest first, the tenant\'s keys only, paged to the end', async () => {
    const queries = fakeTable([
      ev('acme', 'e1', 50, { user_email: 'jo@acme.example', user_login: 'jo' }),
      ev('acme', 'e2', 40, { user_login: 'jo', user_id: 'DU1' }),
      ev('acme', 'e3', 30, { user_id: 'du1' }),
      ev('acme', 'e4', 20, { user_email: 'jo@acme.example' }),
      ev('acme', 'x1', 10, { user_email: 'someone@acme.example' }),
      ev('globex', 'g1', 5, { user_email: 'jo@acme.example', user_login: 'jo' }),
    ]);
    const all: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q = eventsQueryFrom('acme', { user: 'Jo@Acme.Example', limit: '1', ...(cursor ? { cursor } : {}) }, { now: NOW, hotDays: 30 });
      const p = await inv().events(q);
      all.push(...p.events.map((e) => e.event_uid));
      assert.deepEqual(p.aliases, ['jo@acme.example', 'jo', 'du1']);
      cursor = p.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(all, ['e4', 'e3', 'e2', 'e1']);
    assert.ok(queries.every((q) => String(q.ExpressionAttributeValues![':pk']).startsWith('acme#') && q.IndexName === 'by_user'));
  });

  it('an IP over the time index: every day partition of the window, src_ip as a filter', async () => {
    const queries = fakeTable([
      ev('acme', 'a', 60, { src_ip: '203.0.113.7' }), ev('acme', 'b', 30, { src_ip: '198.51.100.1' }), ev('acme', 'c', 13 * 60, { src_ip: '203.0.113.7' }),
      ev('globex', 'g', 10, { src_ip: '203.0.113.7' }),
    ]);
    const p = await inv().events(eventsQueryFrom('acme', { ip: '203.0.113.7', since: '24h' }, { now: NOW, hotDays: 30 }));
    assert.deepEqual(p.events.map((e) => e.event_uid), ['a', 'c']);
    assert.equal(p.next_cursor, null);
    assert.deepEqual(queries.map((q) => q.ExpressionAttributeValues![':pk']), [...dayPartitions('acme', '2026-11-28'), ...dayPartitions('acme', '2026-11-27')]);
    assert.ok(queries.every((q) => q.IndexName === undefined && q.FilterExpression === '#ip = :ip'), 'the table itself, the IP a filter');
    assert.ok(p.scanned >= 3, 'what DynamoDB read, matches or not');
  });

  it('an IP that matches rarely: each request reads at most its budget and answers with a cursor at the position reached', async () => {
    const many = Array.from({ length: 25_000 }, (_, i) => ev('acme', `n${i}`, 1 + i * 0.05, { src_ip: '198.51.100.1' }));
    fakeTable([ev('acme', 'new', 0.5, { src_ip: '203.0.113.7' }), ...many, ev('acme', 'old', 1 + 25_000 * 0.05, { src_ip: '203.0.113.7' })]);
    const found: string[] = [];
    let cursor: string | null = null;
    let requests = 0;
    do {
      const p = await inv().events(eventsQueryFrom('acme', { ip: '203.0.113.7', limit: '5', ...(cursor ? { cursor } : {}) }, { now: NOW, hotDays: 30 }));
      assert.ok(p.scanned <= SCAN_BUDGET + 1000, `${p.scanned} read`);
      found.push(...p.events.map((e) => e.event_uid));
      cursor = p.next_cursor;
      requests++;
    } while (cursor && requests < 10);
    assert.deepEqual(found, ['new', 'old']);
    assert.equal(requests, 2);
  });

  it('summary: its window read over every write shard of each day in parallel counts each event once, at every boundary (midnight, an hour, since, now)', async () => {
    // NOW is 12:00; a 24 h window starts at yesterday 12:00 and crosses midnight.
    const at = ['2026-11-28T12:00:00.000Z', '2026-11-28T11:59:59.999Z', '2026-11-28T11:00:00.000Z', '2026-11-28T10:59:59.999Z', '2026-11-28T00:00:00.000Z',
      '2026-11-27T23:59:59.999Z', '2026-11-27T23:00:00.000Z', '2026-11-27T12:00:00.001Z', '2026-11-27T12:00:00.000Z', '2026-11-27T11:59:59.999Z'];
    const queries = fakeTable(at.map((t, i) => ev('acme', `b${i}`, 0, { event_time: t })));
    const s = await inv().summary({ tenant: 'acme', since: NOW - 86_400_000, now: NOW });
    assert.equal(s.events, at.length - 1, 'all but the one before since');
    // A window off the hour.
    const off = await inv().summary({ tenant: 'acme', since: Date.parse('2026-11-27T12:00:00.001Z'), now: NOW - 1 });
    assert.equal(off.events, at.length - 3, 'all but the ones before since and at now');
    const read = new Set(queries.filter((q) => q.IndexName === undefined).map((q) => String(q.ExpressionAttributeValues![':pk'])));
    assert.deepEqual([...read].sort(), [...dayPartitions('acme', '2026-11-27'), ...dayPartitions('acme', '2026-11-28')].sort(), 'every shard of both days');
  });

  it('summary: counts, sources with their last delivery, no other tenant', async () => {
    fakeTable([ev('acme', 'a', 60, { is_mfa: true, user_email: 'a@x' }), ev('acme', 'b', 30, { outcome: 'failure' }), ev('globex', 'g', 10)]);
    const s = await inv().summary({ tenant: 'acme', since: NOW - 86_400_000, now: NOW });
    assert.equal(s.events, 2);
    assert.equal(s.sign_ins, 1);
    assert.equal(s.failures, 1);
    assert.equal(s.open_alerts, 0);
    assert.deepEqual(s.sources, [{ source_id: 'acme-okta', kind: 'okta', last_event_time: new Date(NOW - 2000).toISOString(), last_delivery: new Date(NOW - 1000).toISOString() }]);
    assert.equal(s.truncated, false);
    const listed = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    assert.ok(listed.length > 0 && listed.every((p) => p?.startsWith('alerts/tenant=acme/dt=')));
  });
});

describe('investigate: the handler', () => {
  let route: typeof import('../../lambdas/handlers/investigate.ts').route;
  before(async () => {
    process.env.AUTHTRAIL_RUNTIME_CONFIG ??= JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [] });
    ({ route } = await import('../../lambdas/handlers/investigate.ts'));
  });
  const event = (path: string, o: { method?: string; query?: Record<string, string>; iam?: boolean } = {}) => ({
    version: '2.0', routeKey: 'GET /v1/tenants/{tenant}/{proxy+}', rawPath: path, rawQueryString: '', headers: {}, queryStringParameters: o.query,
    requestContext: { http: { method: o.method ?? 'GET', path }, ...(o.iam ? { authorizer: { iam: { userArn: 'arn:aws:iam::1:user/x' } } } : {}) },
  }) as unknown as APIGatewayProxyEventV2;
  const calls: unknown[] = [];
  const fakeInv = {
    events: async (q: unknown) => { calls.push(q); return { tenant: 'acme', events: [], next_cursor: null, scanned: 0 }; },
    alerts: async () => [], summary: async () => ({}),
  } as unknown as NonNullable<NonNullable<Parameters<typeof route>[1]>['investigator']>;
  const accessed: { tenant: string; who: string; action: string; what: string }[] = [];
  const o = { investigator: fakeInv, tenants: ['acme', 'globex'], hotDays: 30, now: NOW, recordAccess: async (a: { tenant: string; who: string; action: string; what: string }) => { accessed.push(a); } };
  const status = async (e: APIGatewayProxyEventV2, more = {}) => (await route(e, { ...o, ...more })).statusCode;

  it('answers the tenant\'s routes; refuses unknown tenants, other paths and methods, bad requests', async () => {
    assert.equal(await status(event('/v1/tenants/acme/events', { query: { user: 'jo' } })), 200);
    assert.equal(await status(event('/v1/tenants/acme/alerts')), 200);
    assert.equal(await status(event('/v1/tenants/acme/summary')), 200);
    assert.equal(await status(event('/v1/tenants/initech/events')), 404);
    assert.equal(await status(event('/v1/tenants/acme/events', { method: 'POST' })), 405);
    assert.equal(await status(event('/v1/ingest/acme-okta')), 404);
    assert.equal(await status(event('/v1/tenants/acme/events/../../globex/events')), 404);
    assert.equal(await status(event('/v1/tenants/acme/events', { query: { cursor: 'forged' } })), 400);
    assert.equal(await status(event('/v1/tenants/acme/events', { query: { limit: '5000' } })), 400);
  });
  it('every read is recorded in the access log before it is answered (who, tenant, what); no record, no answer', async () => {
    accessed.length = 0;
    calls.length = 0;
    assert.equal(await status(event('/v1/tenants/acme/events', { query: { user: 'jo@acme.example' }, iam: true }), { requireIam: true }), 200);
    assert.deepEqual(accessed.map((a) => [a.tenant, a.who, a.action, a.what]), [['acme', 'iam:arn:aws:iam::1:user/x', 'api', 'events?user=jo%40acme.example']]);
    assert.equal(await status(event('/v1/tenants/acme/events', { query: { user: 'jo' } }), { recordAccess: async () => { throw new Error('S3 down'); } }), 503);
    assert.equal(calls.length, 1, 'the unrecorded read was not made');
    // Refused requests read nothing and record nothing.
    accessed.length = 0;
    assert.equal(await status(event('/v1/tenants/initech/events')), 404);
    assert.deepEqual(accessed, []);
  });
  it('deployed, a request without an IAM identity is refused (401) before anything is read', async () => {
    calls.length = 0;
    assert.equal(await status(event('/v1/tenants/acme/events', { query: { user: 'jo' } }), { requireIam: true }), 401);
    assert.equal(calls.length, 0);
    assert.equal(await status(event('/v1/tenants/acme/events', { query: { user: 'jo' }, iam: true }), { requireIam: true }), 200);
  });
  const consoleEvent = (path: string, groups?: unknown) => ({
    ...event(path), routeKey: 'GET /v1/console/{proxy+}',
    requestContext: { http: { method: 'GET', path }, ...(groups === undefined ? {} : { authorizer: { jwt: { claims: { sub: 'u-1', 'cognito:groups': groups }, scopes: null } } }) },
  }) as unknown as APIGatewayProxyEventV2;
  it('console, deployed: the analyst\'s tenant groups decide, as API Gateway hands the claim over ([a b]) or as an array', async () => {
    const me = async (groups?: unknown) => JSON.parse(String((await route(consoleEvent('/v1/console/me', groups), { ...o, requireIam: true })).body)) as { tenants?: { id: string }[] };
    assert.deepEqual((await me('[tenant-acme]')).tenants?.map((t) => t.id), ['acme']);
    assert.deepEqual((await me('[tenant-globex tenant-acme tenant-initech admins]')).tenants?.map((t) => t.id), ['acme', 'globex']);
    assert.deepEqual((await me(['tenant-globex'])).tenants?.map((t) => t.id), ['globex']);
    assert.deepEqual((await me('[acme globex tenant-]')).tenants, [], 'the tenant ids alone are no group');
    calls.length = 0;
    assert.equal(await status(consoleEvent('/v1/console/tenants/acme/events', '[tenant-acme]'), { requireIam: true }), 200);
    assert.equal(await status(consoleEvent('/v1/console/tenants/globex/events', '[tenant-acme]'), { requireIam: true }), 403);
    assert.equal(await status(consoleEvent('/v1/console/tenants/globex/summary', '[tenant-acme]'), { requireIam: true }), 403);
    assert.equal(await status(consoleEvent('/v1/console/tenants/initech/summary', '[tenant-initech]'), { requireIam: true }), 404);
    assert.equal(calls.length, 1, 'nothing read for a refused tenant');
    // No JWT identity (a misrouted request), or an IAM identity on a console route: 401.
    assert.equal(await status(consoleEvent('/v1/console/me'), { requireIam: true }), 401);
    assert.equal(await status({ ...consoleEvent('/v1/console/tenants/acme/events'), requestContext: { http: { method: 'GET' }, authorizer: { iam: {} } } } as unknown as APIGatewayProxyEventV2, { requireIam: true }), 401);
    // …and a JWT identity does not open the IAM routes.
    assert.equal(await status({ ...event('/v1/tenants/acme/events'), requestContext: { http: { method: 'GET' }, authorizer: { jwt: { claims: { 'cognito:groups': '[tenant-acme]' } } } } } as unknown as APIGatewayProxyEventV2, { requireIam: true }), 401);
  });
  it('console, locally (the API server checked the local token): every tenant', async () => {
    const r = await route(consoleEvent('/v1/console/me'), o);
    assert.deepEqual((JSON.parse(String(r.body)) as { tenants: { id: string }[] }).tenants.map((t) => t.id), ['acme', 'globex']);
    assert.equal(await status(consoleEvent('/v1/console/tenants/globex/alerts')), 200);
  });
  it('a read that fails is a 500 without the searched user in the answer', async () => {
    const failing = { ...fakeInv, events: async () => { throw new Error('boom jo@acme.example'); } } as unknown as typeof fakeInv;
    const r = await route(event('/v1/tenants/acme/events', { query: { user: 'jo@acme.example' } }), { ...o, investigator: failing });
    assert.equal(r.statusCode, 500);
    assert.ok(!String(r.body).includes('jo@acme.example'));
  });
});

describe('investigate: the local API server guards /v1/tenants/* with the local token', () => {
  it('401 without the token, 403 for a foreign Origin, the investigation handler with it; never the webhook handler', async () => {
    const { createApiServer, needsLocalToken } = await import('../../local/api-server.ts');
    const seen: string[] = [];
    const webhook: string[] = [];
    const reply = async () => ({ statusCode: 200, body: '{}' });
    const server = createApiServer({
      localToken: 'tok', httpHandler: async (e) => { webhook.push(e.rawPath); return reply(); }, eventBridge: reply, flush: reply, poll: reply, replay: reply, feeds: reply,
      investigate: async (e) => { seen.push(`${e.rawPath}?${e.rawQueryString}`); return { statusCode: 200, body: JSON.stringify({ ok: true }) }; },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      for (const p of ['/v1/tenants/acme/events?user=jo', '/v1/tenants', '/v1/tenants/', '/v1/tenants/acme/anything']) {
        assert.equal((await fetch(`${base}${p}`)).status, 401, p);
        assert.equal((await fetch(`${base}${p}`, { headers: { 'x-authtrail-local-token': 'nope' } })).status, 401, p);
        assert.equal((await fetch(`${base}${p}`, { headers: { 'x-authtrail-local-token': 'tok', origin: 'https://evil.example' } })).status, 403, p);
      }
      assert.equal(seen.length, 0);
      const ok = await fetch(`${base}/v1/tenants/acme/events?user=jo`, { headers: { 'x-authtrail-local-token': 'tok' } });
      assert.equal(ok.status, 200);
      assert.deepEqual(seen, ['/v1/tenants/acme/events?user=jo']);
      assert.deepEqual(webhook, [], 'no /v1/tenants/ path reaches the webhook handler');
      assert.ok(needsLocalToken('/v1/tenants/x/summary') && needsLocalToken('/_local/flush') && !needsLocalToken('/v1/ingest/x') && !needsLocalToken('/v1/health') && !needsLocalToken('/v1/tenantsx'));
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

describe('timeline: the command line', () => {
  it('needs a tenant and a user, an IP or a window; one line per event, newest first as given', async () => {
    const { parseTimelineArgs, renderTable } = await import('../../cli/timeline.ts');
    const { UsageError } = await import('../../cli/errors.ts');
    assert.throws(() => parseTimelineArgs(['--user', 'jo']), UsageError);
    assert.throws(() => parseTimelineArgs(['--tenant', 'acme']), /needs --user .*--ip .*--since/);
    assert.throws(() => parseTimelineArgs(['--tenant', 'acme', '--user', 'a', '--ip', '1.2.3.4']), /not both/);
    assert.throws(() => parseTimelineArgs(['--tenant', 'acme', '--user', 'a', '--raw']), /unknown option --raw/);
    assert.deepEqual(parseTimelineArgs(['--tenant', 'acme', '--ip', '1.2.3.4', '--since', '7d', '--json']), { tenant: 'acme', params: { ip: '1.2.3.4', since: '7d' }, json: true, outputs: undefined });
    const table = renderTable([
      { tenant: 'acme', source_id: 'acme-entra', event_uid: 'b', event_time: '2026-11-28T10:00:00.000Z', category: 'login', outcome: 'failure', factor: null, user_login: 'Nadia.Ruiz@Acme.Example', src_ip: '203.0.113.7', geo_country: 'DE', app_name: 'Office Home' },
      { tenant: 'acme', source_id: 'acme-okta', event_uid: 'a', event_time: '2026-11-28T09:00:00.000Z', category: 'mfa_verify', outcome: 'success', factor: 'push', user_id: '00u1' },
    ]).split('\n');
    assert.equal(lines(table[0]!).join(' '), 'TIME SOURCE CATEGORY OUTCOME FACTOR USER IP COUNTRY APP');
    assert.deepEqual(lines(table[1]!), ['2026-11-28T10:00:00.000Z', 'acme-entra', 'login', 'failure', '-', 'Nadia.Ruiz@Acme.Example', '203.0.113.7', 'DE', 'Office', 'Home']);
    assert.deepEqual(lines(table[2]!), ['2026-11-28T09:00:00.000Z', 'acme-okta', 'mfa_verify', 'success', 'push', '00u1', '-', '-', '-']);
    assert.equal(table[1]!.indexOf('acme-entra'), table[2]!.indexOf('acme-okta'), 'columns line up');
  });
});
const lines = (row: string) => row.split(/\s+/).filter(Boolean);
