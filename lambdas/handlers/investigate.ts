/**
 * The investigation API (API Gateway HTTP API v2): `GET /v1/tenants/{tenant}/events`,
 * `/alerts` and `/summary`, and the web console's `GET /v1/console/me` and
 * `/v1/console/tenants/{tenant}/…`. In AWS the first are IAM-authorized (SigV4, each tenant's
 * investigator policy names its own path) and the console's by the user pool's JWT authorizer;
 * this handler still refuses a tenant the deployment does not hold, a console tenant outside the
 * analyst's groups, any other path, and — deployed — a request API Gateway did not authorize.
 * Locally the API server lets only requests with the local token through to it.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { config } from './runtime-config.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { s3Client } from '../adapters/s3-client.ts';
import { investigator, type Investigator } from '../adapters/investigate.ts';
import { recordAccessTo, type AccessRecord } from '../adapters/access-log.ts';
import { alertsQueryFrom, eventsQueryFrom, InvestigationError, parseInvestigationPath, summaryQueryFrom, tenantGroup, tenantsOfClaims } from '../core/investigate.ts';

const logger = new Logger();

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
};

/**
 * The sources whose last delivery a summary shows (id, tenant, kind). Deployed, the bundler
 * inlines them here (the function's runtime config carries no sources, so no secret names);
 * locally the full config's sources are used.
 */
const sourcesJson = process.env.AUTHTRAIL_INVESTIGATE_SOURCES;
const sources = (): readonly { id: string; tenant: string; kind: string }[] => (sourcesJson ? JSON.parse(sourcesJson) as { id: string; tenant: string; kind: string }[] : config.sources);

let inv: Investigator | undefined;
const defaultInvestigator = () => (inv ??= investigator({
  ddb: documentClient(), table: env('AUTHTRAIL_TABLE'), stateTable: env('AUTHTRAIL_STATE_TABLE'), s3: s3Client(), bucket: env('AUTHTRAIL_BUCKET'),
  alerts: config.alerts, sources: sources(),
}));

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body),
});
const problem = (statusCode: number, error: string, message: string) => json(statusCode, { error, message });

type Authorizer = { iam?: { userArn?: string; accessKey?: string }; jwt?: { claims?: Record<string, unknown> } };

/** Records one read in the access log (lambdas/adapters/access-log.ts). */
export type AccessRecorder = (a: Omit<AccessRecord, 'access_id' | 'time'>) => Promise<unknown>;
const defaultRecorder: AccessRecorder = (a) => recordAccessTo({ s3: s3Client(), bucket: env('AUTHTRAIL_BUCKET'), kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID }, a);

/** Who asked: the signing IAM principal, or the console analyst (the user pool's email, else its username), or the local token's holder. */
function callerOf(a: Authorizer | undefined, deployed: boolean): string {
  const claims = a?.jwt?.claims;
  if (claims) return `console:${String(claims['email'] ?? claims['cognito:username'] ?? claims['sub'] ?? 'unknown')}`;
  if (a?.iam) return `iam:${a.iam.userArn ?? a.iam.accessKey ?? 'unknown'}`;
  return deployed ? 'unknown' : 'local';
}

export async function route(event: APIGatewayProxyEventV2, o: { investigator?: Investigator; tenants?: readonly string[]; hotDays?: number; requireIam?: boolean; now?: number; recordAccess?: AccessRecorder } = {}): Promise<APIGatewayProxyStructuredResultV2> {
  // Deployed: the tooling routes are IAM-authorized and the console's JWT-authorized by API
  // Gateway; a request without that identity is a misrouted one. Locally the API server has
  // checked the local token, which stands for every tenant.
  const deployed = o.requireIam ?? process.env.AUTHTRAIL_REQUIRE_IAM === 'true';
  const authorizer = (event.requestContext as { authorizer?: Authorizer }).authorizer;
  const path = parseInvestigationPath(event.rawPath);
  if (deployed && !(path?.console ? authorizer?.jwt?.claims : authorizer?.iam)) {
    return problem(401, 'unauthorized', path?.console ? 'sign in to the console (a bearer token of the user pool)' : 'sign the request with SigV4 (the tenant\'s investigator policy)');
  }
  if (!path) return problem(404, 'not_found', 'no such route (GET /v1/tenants/{tenant}/events|alerts|summary)');
  if (event.requestContext.http.method !== 'GET') return problem(405, 'method_not_allowed', 'use GET');
  const tenants = o.tenants ?? config.tenants.map((t) => t.id);
  // The tenants this caller may see: all of them with IAM (the route's policy chose the tenant) or
  // the local token; in the console, deployed, those of the analyst's groups.
  const visible = deployed && path.console ? tenantsOfClaims(authorizer?.jwt?.claims, tenants) : tenants;
  if (path.resource === 'me') {
    const name = (id: string) => config.tenants.find((t) => t.id === id)?.name ?? id;
    return json(200, { tenants: visible.map((id) => ({ id, name: name(id) })), hot_days: o.hotDays ?? config.retention.hotDays });
  }
  if (!tenants.includes(path.tenant)) return problem(404, 'unknown_tenant', `no tenant ${path.tenant} in this deployment`);
  if (!visible.includes(path.tenant)) return problem(403, 'forbidden', `you are not in the group ${tenantGroup(path.tenant)} of tenant ${path.tenant}`);
  const now = o.now ?? Date.now();
  const hotDays = o.hotDays ?? config.retention.hotDays;
  const params: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  const reader = o.investigator ?? defaultInvestigator();
  // Every read of a tenant's events, alerts or summary is recorded before it is answered (README, Privacy).
  try {
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    await (o.recordAccess ?? defaultRecorder)({ tenant: path.tenant, who: callerOf(authorizer, deployed), action: path.console ? 'console' : 'api', what: `${path.resource}${query ? `?${query}` : ''}`, reason: null, mode: deployed ? 'aws' : 'local' });
  } catch (err) {
    logger.error('access log write failed', { tenant: path.tenant, error: (err as Error).name });
    return problem(503, 'access_log_unavailable', 'the read could not be recorded in the access log; retry');
  }
  try {
    switch (path.resource) {
      case 'events': return json(200, await reader.events(eventsQueryFrom(path.tenant, params, { now, hotDays })));
      case 'alerts': {
        const q = alertsQueryFrom(params, now);
        return json(200, { tenant: path.tenant, status: q.status, since: new Date(q.since).toISOString(), alerts: await reader.alerts({ tenant: path.tenant, ...q, now }) });
      }
      case 'summary': return json(200, await reader.summary({ tenant: path.tenant, ...summaryQueryFrom(params, now, hotDays), now }));
    }
  } catch (err) {
    if (err instanceof InvestigationError) return problem(400, 'invalid_request', err.message);
    // Ids and counts only: never the user or IP searched for.
    logger.error('investigation failed', { tenant: path.tenant, resource: path.resource, error: (err as Error).name });
    return problem(500, 'internal_error', 'the investigation could not be read; retry');
  }
}

export const handler = (event: APIGatewayProxyEventV2) => route(event);
