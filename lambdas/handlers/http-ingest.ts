/**
 * API Gateway HTTP API entry point: `POST|GET /v1/ingest/{sourceId}` and `GET /v1/health`
 * (CONTRACT §3). Parse → normalize → store happens in the shared pipeline; this file only
 * translates API Gateway v2 events and keeps raw identity data out of the logs.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ingest, logger, metrics } from './runtime.ts';
import { countIngest } from './observability.ts';

/** The pipeline behind this handler (the local runtime's quarantine replay reuses it). */
export const ingestPipeline = ingest;

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/**
 * The source id of `/v1/ingest/{sourceId}`. API Gateway passes it decoded in `pathParameters`;
 * otherwise it is decoded from the raw path here. Malformed percent-encoding (`%E0%A4%A`, `%`)
 * cannot name a configured source, so it is answered like any unknown source: `404
 * unknown_source` (a client error, never a 5xx).
 */
function sourceIdOf(event: APIGatewayProxyEventV2, encoded: string): string | null {
  const given = event.pathParameters?.['sourceId'];
  if (given !== undefined) return given;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** The body as bytes, exactly as sent: API Gateway base64-encodes bodies that are binary or not UTF-8. */
const bodyBytes = (event: APIGatewayProxyEventV2) =>
  event.body === undefined || event.body === null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

export async function route(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  if (path === '/v1/health') return method === 'GET' ? json(200, { status: 'ok' }) : json(405, { error: 'method_not_allowed', message: 'use GET' });
  const m = /^\/v1\/ingest\/([^/]+)$/.exec(path);
  if (!m) return json(404, { error: 'not_found', message: `no route ${method} ${path.slice(0, 200)}` });
  const sourceId = sourceIdOf(event, m[1]!);
  if (sourceId === null) return json(404, { error: 'unknown_source', message: 'the source id in the path is not valid percent-encoding' });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const body = bodyBytes(event);
  try {
    const res = await ingest.http({ method, sourceId, headers, body });
    if (res.status === 200 && 'accepted' in res.body) {
      countIngest(sourceId, { accepted: Number(res.body['accepted']), duplicates: Number(res.body['duplicates']), quarantined: Number(res.body['quarantined']) });
    }
    const detail = res.status === 200 ? res.body : { error: res.body['error'], ...(res.problems ? { problems: res.problems } : {}) };
    if (res.status >= 500) logger.error('ingest incomplete; answering 503 so the sender retries', { sourceId, status: res.status, bytes: body.length, ...detail });
    else logger.info('ingest', { sourceId, status: res.status, bytes: body.length, ...detail });
    return json(res.status, res.body, res.headers);
  } catch (err) {
    // Not expected (the pipeline answers 503 itself); nothing is acknowledged, the sender retries.
    logger.error('ingest failed; answering 503 so the sender retries', { sourceId, error: err as Error });
    return json(503, { error: 'unavailable', message: 'events could not be stored right now; retry later' }, { 'retry-after': '5' });
  }
}

export const handler = middy(route)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
