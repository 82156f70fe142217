/**
 * Local fakes of vendor APIs for pull tests, on loopback: they check the request signing or
 * credentials the way the vendor does, page through fixed data, and can throttle once.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { duoSign } from '../../lambdas/sources/duo.ts';

export interface Fake { url: string; requests: { path: string; query: Record<string, string>; status: number }[]; close(): Promise<void> }

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const query = (req: IncomingMessage) => Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);

/** Duo Admin API: signature v5 checked, `next_offset` paging `pageSize` logs at a time, one 429 on request `throttleAt`. */
export async function fakeDuo(o: { ikey: string; skey: string; logs: Record<string, unknown>[]; pageSize: number; throttleAt?: number }): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = query(req);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ path: url.pathname, query: q, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const expected = duoSign({ ikey: o.ikey, skey: o.skey, method: req.method ?? 'GET', host: req.headers.host ?? '', path: url.pathname, params: q, date: String(req.headers.date ?? '') });
    if (!req.headers.date || req.headers.authorization !== expected) return send(401, { stat: 'FAIL', code: 40103, message: 'Invalid signature in request credentials' });
    if (url.pathname !== '/admin/v2/logs/authentication') return send(404, { stat: 'FAIL', message: 'Resource not found' });
    if (requests.length + 1 === o.throttleAt) return send(429, { stat: 'FAIL', code: 42901, message: 'Too Many Requests' }, { 'retry-after': '1' });
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
  const url = await listen(server);
  return { url, requests, close: () => new Promise((r) => server.close(() => r())) };
}

/** Okta System Log: SSWS token checked, `after` cursor paging via Link headers. */
export async function fakeOkta(o: { token: string; events: Record<string, unknown>[]; pageSize: number }): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = query(req);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ path: url.pathname, query: q, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
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
  const url = await listen(server);
  return { url, requests, close: () => new Promise((r) => server.close(() => r())) };
}
