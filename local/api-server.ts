/**
 * The local API: turns HTTP requests into API Gateway v2 (HTTP API, payload 2.0) events for the
 * very handler that runs in Lambda, plus `POST /v1/eventbridge`, which stands in for the
 * deployed EventBridge rules.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../lambdas/core/ingest.ts';

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type EventBridgeIngest = (input: unknown) => Promise<unknown>;

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

function toApiGatewayEvent(req: IncomingMessage, url: URL, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const method = req.method ?? 'GET';
  const m = /^\/v1\/ingest\/([^/]+)$/.exec(url.pathname);
  const routeKey = m ? `${method} /v1/ingest/{sourceId}` : url.pathname === '/v1/health' ? 'GET /v1/health' : '$default';
  const textual = TEXTUAL.test(headers['content-type'] ?? 'application/json');
  const now = new Date();
  return {
    version: '2.0', routeKey, rawPath: url.pathname, rawQueryString: url.search.slice(1), headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    pathParameters: m ? { sourceId: decodeURIComponent(m[1]!) } : undefined,
    requestContext: {
      accountId: '000000000000', apiId: 'local', domainName: url.host, domainPrefix: 'local',
      http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(), routeKey, stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime(),
    },
    body: body.length ? body.toString(textual ? 'utf8' : 'base64') : undefined,
    isBase64Encoded: body.length > 0 && !textual,
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function createApiServer(o: { localToken: string; httpHandler: HttpHandler; eventBridge: EventBridgeIngest; flush: () => Promise<unknown>; poll: (sourceId: string) => Promise<unknown>; replay: (id?: string) => Promise<unknown>; feeds: (now?: number) => Promise<unknown>; onError?: (err: unknown) => void }): Server {
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const { body, tooLarge } = await readBody(req, MAX_BODY_BYTES);
      if (tooLarge) return send(res, 413, { error: 'payload_too_large', message: `the body exceeds ${MAX_BODY_BYTES} bytes; send smaller batches` });
      // Local-only control route behind `authtrail flush` (the server listens on loopback only).
      if (url.pathname === '/_local/flush') {
        if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed', message: 'use POST' });
        return send(res, 200, await o.flush());
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
      const poll = /^\/_local\/poll\/([^/]+)$/.exec(url.pathname);
      if (poll) {
        if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed', message: 'use POST' });
        try {
          return send(res, 200, await o.poll(decodeURIComponent(poll[1]!)));
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
      const r = await o.httpHandler(toApiGatewayEvent(req, url, body), lambdaContext('authtrail-ingest'));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = String(v);
      return send(res, r.statusCode ?? 200, r.body ?? '', headers);
    } catch (err) {
      o.onError?.(err);
      if (!res.headersSent) send(res, 503, { error: 'unavailable', message: 'the local collector failed to handle the request; retry' });
    }
  });
}
