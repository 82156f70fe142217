/**
 * Local fakes of vendor APIs for pull tests, on loopback: they check the request signing or
 * credentials the way the vendor does, page through fixed data, and can throttle once.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { duoSign } from '../../lambdas/sources/duo/pull.ts';

export interface Fake { url: string; requests: { path: string; query: Record<string, string>; status: number }[]; close(): Promise<void> }

interface Exchange {
  readonly req: IncomingMessage;
  readonly url: URL;
  /** Query parameters; what the request log records unless `recorded` is set. */
  readonly q: Record<string, string>;
  /** The request body as text. */
  readonly raw: string;
  /** Requests answered so far (before this one). */
  readonly seen: number;
  recorded?: Record<string, string>;
  send(status: number, payload: unknown, headers?: Record<string, string>): void;
}

/** One fake vendor API on loopback: parses each request, logs every answer, serves JSON. */
async function fakeApi(handle: (x: Exchange) => void | Promise<void>): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const x: Exchange = {
      req, url, q: Object.fromEntries(url.searchParams), raw, seen: requests.length,
      send(status, payload, headers = {}) {
        requests.push({ path: url.pathname, query: x.recorded ?? x.q, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      },
    };
    await handle(x);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, requests, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Duo Admin API: signature v5 checked, `next_offset` paging `pageSize` logs at a time, one 429 on
 * request `throttleAt`; telephony logs too; the administrator log (v1: `mintime` in seconds, the
 * `adminPageSize` (default 1000) earliest entries at or after it, no offset).
 */
export async function fakeDuo(o: { ikey: string; skey: string; logs: Record<string, unknown>[]; telephony?: Record<string, unknown>[]; admin?: Record<string, unknown>[]; adminPageSize?: number; pageSize: number; throttleAt?: number }): Promise<Fake> {
  return fakeApi(({ req, url, q, seen, send }) => {
    const expected = duoSign({ ikey: o.ikey, skey: o.skey, method: req.method ?? 'GET', host: req.headers.host ?? '', path: url.pathname, params: q, date: String(req.headers.date ?? '') });
    if (!req.headers.date || req.headers.authorization !== expected) return send(401, { stat: 'FAIL', code: 40103, message: 'Invalid signature in request credentials' });
    if (url.pathname === '/admin/v1/logs/administrator') {
      const from = Number(q['mintime'] ?? 0);
      const page = (o.admin ?? []).filter((l) => Number(l['timestamp']) >= from).sort((a, b) => Number(a['timestamp']) - Number(b['timestamp'])).slice(0, o.adminPageSize ?? 1000);
      return send(200, { stat: 'OK', response: page });
    }
    if (url.pathname === '/admin/v2/logs/telephony') {
      const all = (o.telephony ?? []).filter((l) => { const t = Date.parse(String(l['ts'])); return t >= Number(q['mintime']) && t <= Number(q['maxtime']); });
      const from = q['next_offset'] ? all.findIndex((l) => l['telephony_id'] === q['next_offset']) + 1 : 0;
      const page = all.slice(from, from + o.pageSize);
      const more = from + page.length < all.length;
      return send(200, { stat: 'OK', response: { items: page, metadata: more ? { next_offset: String(page[page.length - 1]!['telephony_id']) } : {} } });
    }
    if (url.pathname !== '/admin/v2/logs/authentication') return send(404, { stat: 'FAIL', message: 'Resource not found' });
    if (seen + 1 === o.throttleAt) return send(429, { stat: 'FAIL', code: 42901, message: 'Too Many Requests' }, { 'retry-after': '1' });
    const min = Number(q['mintime']);
    const max = Number(q['maxtime']);
    const inWindow = o.logs.filter((l) => { const t = Date.parse(String(l['isotimestamp'])); return t >= min && t <= max; })
      .sort((a, b) => Date.parse(String(a['isotimestamp'])) - Date.parse(String(b['isotimestamp'])));
    const start = q['next_offset'] ? inWindow.findIndex((l) => l['txid'] === q['next_offset']!.split(',')[1]) + 1 : 0;
    const page = inWindow.slice(start, start + Number(q['limit'] ?? o.pageSize)).slice(0, o.pageSize);
    const last = page[page.length - 1];
    const more = start + page.length < inWindow.length;
    send(200, { stat: 'OK', response: { authlogs: page, metadata: more && last ? { next_offset: [String(Date.parse(String(last['isotimestamp']))), String(last['txid'])] } : {} } });
  });
}

/** Okta System Log: SSWS token checked, `after` cursor paging via Link headers. */
export async function fakeOkta(o: { token: string; events: Record<string, unknown>[]; pageSize: number }): Promise<Fake> {
  return fakeApi(({ req, url, q, seen, send }) => {
    if (req.headers.authorization !== `SSWS ${o.token}`) return send(401, { errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
    const sorted = [...o.events].sort((a, b) => String(a['published']).localeCompare(String(b['published'])));
    const since = q['since'] ? Date.parse(q['since']) : 0;
    const eligible = sorted.filter((e) => Date.parse(String(e['published'])) >= since);
    const start = q['after'] ? eligible.findIndex((e) => e['uuid'] === q['after']) + 1 : 0;
    const page = eligible.slice(start, start + o.pageSize);
    const after = page.length ? page[page.length - 1]!['uuid'] : q['after'];
    const base = `http://${req.headers.host}/api/v1/logs`;
    const next = `${base}?after=${after ?? ''}&limit=${o.pageSize}${q['since'] ? `&since=${encodeURIComponent(q['since'])}` : ''}`;
    send(200, page, { link: `<${base}>; rel="self", <${next}>; rel="next"` });
  });
}

/** JumpCloud Directory Insights: `x-api-key` checked, `search_after` paging through `X-Search_after`. */
export async function fakeJumpCloud(o: { apiKey: string; events: Record<string, unknown>[] }): Promise<Fake> {
  return fakeApi((x) => {
    const { req, url, raw, send } = x;
    const body = (raw ? JSON.parse(raw) : {}) as { start_time?: string; end_time?: string; limit?: number; search_after?: unknown[] };
    // The query of a POST search is its JSON body.
    x.recorded = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, JSON.stringify(v)]));
    if (req.headers['x-api-key'] !== o.apiKey) return send(401, { message: 'Unauthorized' });
    if (req.method !== 'POST' || url.pathname !== '/insights/directory/v1/events') return send(404, { message: 'not found' });
    const inWindow = o.events.filter((e) => String(e['timestamp']) >= (body.start_time ?? '') && String(e['timestamp']) <= (body.end_time ?? '9999'))
      .sort((a, b) => String(a['timestamp']).localeCompare(String(b['timestamp'])) || String(a['id']).localeCompare(String(b['id'])));
    const start = body.search_after ? inWindow.findIndex((e) => e['id'] === body.search_after![1]) + 1 : 0;
    const page = inWindow.slice(start, start + (body.limit ?? 1000));
    const last = page[page.length - 1];
    send(200, page, last ? { 'x-search_after': JSON.stringify([Date.parse(String(last['timestamp'])), last['id']]), 'x-result-count': String(page.length) } : {});
  });
}

/**
 * Microsoft identity platform token endpoint (client credentials checked) + Graph
 * `auditLogs/signIns` and `auditLogs/directoryAudits`: each filtered on its own time property
 * (`createdDateTime`, `activityDateTime`; any other `$filter` is a 400, as Graph refuses a
 * property a list does not filter on), newest first, `pageSize` (or a smaller `$top`) per page,
 * paged by an `@odata.nextLink` that keeps the filter and adds a `$skiptoken`. `fail` may answer
 * a request with an error status instead.
 */
export async function fakeGraph(o: {
  clientId: string; clientSecret: string; signIns: Record<string, unknown>[]; audits?: Record<string, unknown>[]; pageSize: number;
  fail?: (path: string, query: Record<string, string>) => number | undefined;
}): Promise<Fake> {
  const token = 'graph-token-for-tests';
  const logs: Record<string, { items: () => Record<string, unknown>[]; time: string; context: string }> = {
    '/v1.0/auditLogs/signIns': { items: () => o.signIns, time: 'createdDateTime', context: 'auditLogs/signIns' },
    '/v1.0/auditLogs/directoryAudits': { items: () => o.audits ?? [], time: 'activityDateTime', context: 'auditLogs/directoryAudits' },
  };
  return fakeApi(({ req, url, q, raw, send }) => {
    if (url.pathname.endsWith('/oauth2/v2.0/token')) {
      const form = new URLSearchParams(raw);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== o.clientId || form.get('client_secret') !== o.clientSecret || !form.get('scope')?.endsWith('/.default'))
        return send(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      return send(200, { token_type: 'Bearer', expires_in: 3599, access_token: token });
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: { code: 'InvalidAuthenticationToken' } });
    const log = logs[url.pathname];
    if (!log) return send(404, { error: { code: 'ResourceNotFound' } });
    const failed = o.fail?.(url.pathname, q);
    if (failed) return send(failed, { error: { code: 'UnknownError', message: 'injected failure' } });
    const rawFilter = url.searchParams.get('$filter');
    const filter = new RegExp(`^${log.time} ge (\\S+) and ${log.time} le (\\S+)$`).exec(rawFilter ?? '');
    if (rawFilter && !filter) return send(400, { error: { code: 'BadRequest', message: `Invalid filter clause: ${rawFilter}` } });
    const t = (x: Record<string, unknown>) => String(x[log.time]);
    const inWindow = log.items().filter((x) => !filter || (t(x) >= filter[1]! && t(x) <= filter[2]!)).sort((a, b) => t(b).localeCompare(t(a)));
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const top = Number(url.searchParams.get('$top') ?? o.pageSize);
    const page = inWindow.slice(skip, skip + Math.min(top, o.pageSize));
    const more = skip + page.length < inWindow.length;
    const next = new URL(`http://${req.headers.host}${url.pathname}`);
    if (rawFilter) next.searchParams.set('$filter', rawFilter);
    if (url.searchParams.has('$top')) next.searchParams.set('$top', String(top));
    next.searchParams.set('$skiptoken', String(skip + page.length));
    send(200, { '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${log.context}`, value: page, ...(more ? { '@odata.nextLink': next.toString() } : {}) });
  });
}

/**
 * Google OAuth token endpoint (JWT bearer grant: the assertion's RS256 signature, issuer,
 * subject, scope and audience are checked against the service account's public key) and the
 * Reports API `activities.list` of any application (an activity's `id.applicationName`, `login`
 * when absent), filtered by `eventName`, paging with `pageToken`.
 */
export async function fakeGoogle(o: { clientEmail: string; publicKeyPem: string; subject: string; activities: Record<string, unknown>[]; pageSize: number }): Promise<Fake> {
  const { createVerify } = await import('node:crypto');
  const token = 'google-token-for-tests';
  return fakeApi(({ req, url, raw, send }) => {
    if (url.pathname === '/token') {
      const form = new URLSearchParams(raw);
      const [h, c, sig] = (form.get('assertion') ?? '').split('.');
      const claims = c ? JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown> : {};
      const valid = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && !!sig &&
        createVerify('RSA-SHA256').update(`${h}.${c}`).verify(o.publicKeyPem, Buffer.from(sig, 'base64url')) &&
        claims['iss'] === o.clientEmail && claims['sub'] === o.subject && claims['aud'] === `http://${req.headers.host}/token` &&
        claims['scope'] === 'https://www.googleapis.com/auth/admin.reports.audit.readonly' && Number(claims['exp']) > Date.now() / 1000;
      return valid ? send(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' }) : send(401, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: { code: 401, message: 'Request had invalid authentication credentials.' } });
    const app = /^\/admin\/reports\/v1\/activity\/users\/all\/applications\/([a-z_]+)$/.exec(url.pathname)?.[1];
    if (!app) return send(404, { error: { code: 404 } });
    const start = url.searchParams.get('startTime') ?? '';
    const end = url.searchParams.get('endTime') ?? '9999';
    const eventName = url.searchParams.get('eventName');
    const inWindow = o.activities.filter((a) => {
      const id = a['id'] as Record<string, unknown>;
      const t = String(id['time']);
      const named = !eventName || (a['events'] as { name: string }[]).some((e) => e.name === eventName);
      return (id['applicationName'] ?? 'login') === app && named && t >= start && t <= end;
    });
    const skip = Number(url.searchParams.get('pageToken') ?? 0);
    const page = inWindow.slice(skip, skip + o.pageSize);
    send(200, { kind: 'admin#reports#activities', items: page, ...(skip + page.length < inWindow.length ? { nextPageToken: String(skip + page.length) } : {}) });
  });
}
