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

export async function route(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  if (path === '/v1/health') return method === 'GET' ? json(200, { status: 'ok' }) : json(405, { error: 'method_not_allowed', message: 'use GET' });
  const m = /^\/v1\/ingest\/([^/]+)$/.exec(path);
  if (!m) return json(404, { error: 'not_found', message: `no route ${method} ${path}` });
  const sourceId = event.pathParameters?.['sourceId'] ?? decodeURIComponent(m[1]!);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  try {
    const res = await ingest.http({ method, sourceId, headers, body });
    if (res.status === 200 && 'accepted' in res.body) {
      countIngest(sourceId, { accepted: Number(res.body['accepted']), duplicates: Number(res.body['duplicates']), quarantined: Number(res.body['quarantined']) });
    }
    logger.info('ingest', { sourceId, status: res.status, bytes: body.length, ...(res.status === 200 ? res.body : { error: res.body['error'] }) });
    return json(res.status, res.body, res.headers);
  } catch (err) {
    // Nothing was acknowledged: the identity provider retries, and redelivery is deduplicated.
    logger.error('ingest failed; answering 503 so the sender retries', { sourceId, error: err as Error });
    return json(503, { error: 'unavailable', message: 'events could not be stored right now; retry later' }, { 'retry-after': '5' });
  }
}

export const handler = middy(route)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
