/**
 * The local API: turns HTTP requests into API Gateway v2 (HTTP API, payload 2.0) events for the
 * very handler that runs in Lambda, plus `POST /v1/eventbridge`, which stands in for the
 * deployed EventBridge rules, and the local-only control routes under `/_local/`.
 *
 * Local-only routes (`/v1/eventbridge`, `/_local/*`) are guarded (CONTRACT §7): the request must
 * be addressed to a loopback Host (DNS rebinding), must not come from a web page of another
 * origin (`Origin`), and must carry `x-authtrail-local-token`. No CORS headers are ever sent, so
 * no web page can read an answer or get a preflight through.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../lambdas/core/ingest.ts';
import { isInvestigationPath } from '../lambdas/core/investigate.ts';
import { isConsolePath } from '../lambdas/core/console.ts';
import { isLoopbackHost } from './loopback.ts';

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type EventBridgeIngest = (input: unknown) => Promise<unknown>;

/** The header local-only routes require (cli/endpoints.ts sends it). */
export const LOCAL_TOKEN_HEADER = 'x-authtrail-local-token';

/** What API Gateway would pass through as text; anything else arrives base64-encoded. */
const TEXTUAL = /json|text|ndjson|xml|x-www-form-urlencoded|javascript/i;
/** Past this a body is not even drained: the connection is cut. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

function lambdaContext(name: string): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false, functionName: name, functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, memoryLimitInMB: '512',
    awsRequestId: requestId, logGroupName: `/aws/lambda/${name}`, logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000, done: () => undefined, fail: () => undefined, succeed: () => undefined,
  };
}

/** Reads a body up to `limit` bytes; past that it drains the rest and reports `tooLarge`. */
async function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > DRAIN_LIMIT) { req.destroy(); return { body: Buffer.alloc(0), tooLarge: true }; }
  const parts: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > limit;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > DRAIN_LIMIT) { req.destroy(); break; }
    if (size > limit) tooLarge = true;
    if (!tooLarge) parts.push(chunk as Buffer);
  }
  return { body: tooLarge ? Buffer.alloc(0) : Buffer.concat(parts), tooLarge };
}

/**
 * The body as API Gateway hands it to Lambda, never altering a byte: as text only when the
 * content type is textual, there is no content-encoding and the bytes are valid UTF-8 (decoded
 * with `fatal`, and keeping a BOM, so `Buffer.from(body, 'utf8')` gives back exactly what was
 * sent); otherwise base64. An HMAC over the raw bytes therefore checks out in both cases.
 */
export function lambdaBody(body: Buffer, headers: Record<string, string>): { body?: string; isBase64Encoded: boolean } {
  if (!body.length) return { isBase64Encoded: false };
  const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (TEXTUAL.test(headers['content-type'] ?? 'application/json') && (encoding === '' || encoding === 'identity')) {
    try {
      return { body: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), isBase64Encoded: false };
    } catch { /* not UTF-8: base64 below */ }
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

/** A path segment decoded as API Gateway would, or as sent when it is not valid percent-encoding
 * (the handler then answers 4xx for an unknown source instead of this server failing). */
function decodeSegment(raw: string): string {
  try { return decodeURIComponent(raw); } catch { return raw; }
}

export function toApiGatewayEvent(req: IncomingMessage, url: URL, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const method = req.method ?? 'GET';
  const m = /^\/v1\/ingest\/([^/]+)$/.exec(url.pathname);
  const routeKey = m ? `${method} /v1/ingest/{sourceId}` : url.pathname === '/v1/health' ? 'GET /v1/health' : isInvestigationPath(url.pathname) ? `${method} /v1/tenants/{tenant}/{proxy+}` : '$default';
  const now = new Date();
  return {
    version: '2.0', routeKey, rawPath: url.pathname, rawQueryString: url.search.slice(1), headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    pathParameters: m ? { sourceId: decodeSegment(m[1]!) } : undefined,
    requestContext: {
      accountId: '000000000000', apiId: 'local', domainName: url.host, domainPrefix: 'local',
      http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(), routeKey, stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime(),
    },
    ...lambdaBody(body, headers),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  // No CORS headers, ever: a web page must not read what the local collector answers.
  const safe = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^access-control-/i.test(k)));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...safe });
  res.end(text);
}

/** `/v1/eventbridge` and everything under `/_local/`: never reachable in AWS, guarded locally. */
export const isLocalOnly = (pathname: string) => pathname === '/v1/eventbridge' || pathname === '/_local' || pathname.startsWith('/_local/');

/**
 * Routes that take the local token: the local-only ones, and the investigation API
 * (`/v1/tenants/*`), which in AWS is IAM-authorized and locally stands behind the same guard.
 */
export const needsLocalToken = (pathname: string) => isLocalOnly(pathname) || isInvestigationPath(pathname);

/** Constant-time comparison of a presented token with the expected one (hashes equalise lengths). */
export function tokenMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || !expected) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Why a request to a local-only route is refused, or undefined when it may proceed.
 *
 * Order: Host (403: DNS rebinding, or a tunnel exposing the collector), Origin (403: a browser
 * page; the CLI and scripts send none), then the token (401). `/v1/ingest/*` and `/v1/health`
 * are not checked here: they behave as in AWS (CONTRACT §3 and §7). Users may expose the local
 * collector through a tunnel so that a real identity provider can reach it, and such a tunnel
 * forwards its own public Host name; webhooks are authenticated by their source's own secret
 * or signature, exactly as behind API Gateway, where any Host and any Origin can reach them too.
 */
export function refuseLocalOnly(req: IncomingMessage, port: number, localToken: string): { status: number; body: { error: string; message: string } } | undefined {
  if (!isLoopbackHost(req.headers.host, port)) {
    return { status: 403, body: { error: 'forbidden', message: `local-only routes answer only requests addressed to 127.0.0.1:${port}, localhost:${port} or [::1]:${port}` } };
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    // Only the collector's own loopback origin (it serves no pages, so in practice none) passes.
    let ok = false;
    try { const o = new URL(origin); ok = o.protocol === 'http:' && o.pathname === '/' && isLoopbackHost(o.host || undefined, port) && !o.username; } catch { ok = false; }
    if (!ok) return { status: 403, body: { error: 'forbidden', message: 'local-only routes do not answer requests made by web pages' } };
  }
  if (!tokenMatches(req.headers[LOCAL_TOKEN_HEADER], localToken)) {
    return { status: 401, body: { error: 'unauthorized', message: `local-only routes need the ${LOCAL_TOKEN_HEADER} header with the localToken from endpoints.json` } };
  }
  return undefined;
}

export function createApiServer(o: { localToken: string; httpHandler: HttpHandler; eventBridge: EventBridgeIngest; flush: () => Promise<unknown>; poll: (sourceId: string) => Promise<unknown>; backfill?: (request: unknown) => Promise<unknown>; replay: (id?: string) => Promise<unknown>; feeds: (now?: number) => Promise<unknown>; status?: () => Promise<unknown>; investigate?: HttpHandler; console?: HttpHandler; onError?: (err: unknown) => void }): Server {
  if (!o.localToken) throw new Error('the local API needs a localToken');
  const server: Server = createServer(async (req, res) => {
    try {
      // Origin-form request targets only ("/path?query"); "//x" must not be read as a host.
      if (!req.url?.startsWith('/')) return send(res, 400, { error: 'bad_request', message: 'the request target must be a path' });
      const url = new URL(`http://127.0.0.1${req.url}`);
      if (needsLocalToken(url.pathname)) {
        const port = (server.address() as { port: number } | null)?.port ?? 0;
        const refused = refuseLocalOnly(req, port, o.localToken);
        // The body is not read: the connection closes after the answer.
        if (refused) return send(res, refused.status, refused.body, { connection: 'close' });
      }
      const { body, tooLarge } = await readBody(req, MAX_BODY_BYTES);
      if (tooLarge) return send(res, 413, { error: 'payload_too_large', message: `the body exceeds ${MAX_BODY_BYTES} bytes; send smaller batches` });
      // Local-only control route behind `authtrail flush`.
      if (url.pathname === '/_local/flush') {
        if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed', message: 'use POST' });
        return send(res, 200, await o.flush());
      }
      if (url.pathname === '/_local/status' && o.status) {
        if (req.method !== 'GET') return send(res, 405, { error: 'method_not_allowed', message: 'use GET' });
        return send(res, 200, await o.status());
      }
      if (url.pathname === '/_local/quarantine/replay') {
        if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed', message: 'use POST' });
        try {
          return send(res, 200, await o.replay(url.searchParams.get('id') ?? undefined));
        } catch (err) {
          return send(res, 404, { error: 'replay_failed', message: (err as Error).message });
        }
      }
      // Local-only: run the feed-silence check now (optionally as of `?now=<ISO time>`).
      if (url.pathname === '/_local/feeds/check') {
        if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed', message: 'use POST' });
        const now = url.searchParams.get('now');
        if (now !== null && Number.isNaN(Date.parse(now))) return send(res, 400, { error: 'invalid_now', message: 'now must be an ISO 8601 time' });
        return send(res, 200, await o.feeds(now === null ? undefined : Date.parse(now)));
      }
      // Local-only: `authtrail backfill` of one tenant-day, as the deployed backfill function does it.
      if (url.pathname === '/_local/backfill' && o.backfill) {
        if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed', message: 'use POST' });
        let request: unknown;
        try { request = JSON.parse(body.toString('utf8')); } catch {
          return send(res, 400, { error: 'invalid_body', message: 'a JSON object {"tenant","dt"} is expected' });
        }
        try {
          return send(res, 200, await o.backfill(request));
        } catch (err) {
          return send(res, (err as Error).name === 'BackfillError' ? 400 : 500, { error: 'backfill_failed', message: (err as Error).message });
        }
      }
      const poll = /^\/_local\/poll\/([^/]+)$/.exec(url.pathname);
      if (poll) {
        if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed', message: 'use POST' });
        try {
          return send(res, 200, await o.poll(decodeSegment(poll[1]!)));
        } catch (err) {
          return send(res, 502, { error: 'poll_failed', message: (err as Error).message });
        }
      }
      if (url.pathname === '/v1/eventbridge') {
        if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed', message: 'use POST' });
        let input: unknown;
        try { input = JSON.parse(body.toString('utf8')); } catch (err) {
          return send(res, 400, { error: 'invalid_body', message: `an EventBridge event (or an array of them) as JSON is expected: ${(err as Error).message}` });
        }
        return send(res, 200, await o.eventBridge(input));
      }
      if (isLocalOnly(url.pathname)) return send(res, 404, { error: 'not_found', message: `no local route ${req.method} ${url.pathname}` });
      // The investigation API never reaches the webhook handler, whatever follows /v1/tenants/.
      if (isInvestigationPath(url.pathname)) {
        if (!o.investigate) return send(res, 404, { error: 'not_found', message: `no route ${req.method} ${url.pathname}` });
        const r = await o.investigate(toApiGatewayEvent(req, url, body), lambdaContext('authtrail-investigate'));
        return send(res, r.statusCode ?? 200, r.body ?? '', Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, String(v)])));
      }
      // The web console's files: no token (they hold no data; the page sends the token with each API read).
      if (o.console && isConsolePath(url.pathname)) {
        const r = await o.console(toApiGatewayEvent(req, url, body), lambdaContext('authtrail-console'));
        return send(res, r.statusCode ?? 200, r.body ?? '', Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, String(v)])));
      }
      const r = await o.httpHandler(toApiGatewayEvent(req, url, body), lambdaContext('authtrail-ingest'));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = String(v);
      return send(res, r.statusCode ?? 200, r.body ?? '', headers);
    } catch (err) {
      o.onError?.(err);
      if (!res.headersSent) send(res, 503, { error: 'unavailable', message: 'the local collector failed to handle the request; retry' });
    }
  });
  return server;
}
