/**
 * Microsoft Graph pull for Entra: `GET /v1.0/auditLogs/signIns` with an app-only token (OAuth 2.0
 * client credentials), one time window per run, paged by `@odata.nextLink`. The page's `value[]`
 * goes through the same normalizer as a pushed body (`./map.ts`).
 *
 * @see https://learn.microsoft.com/en-us/graph/api/signin-list
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * @see https://learn.microsoft.com/en-us/graph/paging
 * @example "pull": {"tenantId": "00000000-0000-4000-8000-000000000001", "clientId": "…", "clientSecretSecretArn": "arn:aws:secretsmanager:…"}
 */
import { z } from 'zod';
import type { PullContext, Puller } from '../../core/pull.ts';
import { oauthToken } from '../oauth-token.ts';

export const EntraPullSettings = z.object({
  baseUrl: z.url().default('https://graph.microsoft.com'),
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  tokenUrl: z.url().optional(),
  lookbackSeconds: z.number().int().positive().max(30 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(1000).default(1000),
});
export type EntraPullSettings = z.infer<typeof EntraPullSettings>;

/** Sign-ins reach Graph a few minutes late; each window ends 5 minutes ago and overlaps by 15. */
const GRAPH_LAG_MS = 5 * 60_000;
const GRAPH_OVERLAP_MS = 15 * 60_000;

function graphToken(ctx: PullContext<EntraPullSettings>): Promise<string> {
  const s = ctx.settings;
  const tokenUrl = s.tokenUrl ?? `https://login.microsoftonline.com/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`;
  return oauthToken({
    http: ctx.http, now: ctx.now, vendor: 'entra', tokenUrl, cacheKey: s.clientId,
    form: () => ({ client_id: s.clientId, client_secret: s.clientSecret, scope: `${new URL(s.baseUrl).origin}/.default`, grant_type: 'client_credentials' }),
  });
}

export const entraPuller: Puller<EntraPullSettings> = {
  kind: 'entra',
  settings: EntraPullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const origin = new URL(s.baseUrl).origin;
    const since = String(cursor?.['since'] ?? new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString());
    const until = String(cursor?.['until'] ?? new Date(ctx.now.getTime() - GRAPH_LAG_MS).toISOString());
    let url: URL;
    if (typeof cursor?.['next'] === 'string') {
      // Follow @odata.nextLink, but only on the configured host.
      const next = new URL(cursor['next']);
      url = new URL(`${next.pathname}${next.search}`, origin);
    } else {
      url = new URL('/v1.0/auditLogs/signIns', origin);
      url.searchParams.set('$filter', `createdDateTime ge ${since} and createdDateTime le ${until}`);
      url.searchParams.set('$top', String(s.pageSize));
    }
    const res = await ctx.http(url.toString(), { headers: { authorization: `Bearer ${await graphToken(ctx)}`, accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`entra ${url.pathname}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as { value?: unknown[]; '@odata.nextLink'?: string };
    const items = Array.isArray(body.value) ? body.value : [];
    const next = body['@odata.nextLink'];
    if (next) return { items, cursor: { since, until, next }, done: false };
    return { items, cursor: { since: new Date(Math.max(Date.parse(since), Date.parse(until) - GRAPH_OVERLAP_MS)).toISOString() }, done: true };
  },
};
