/**
 * Microsoft Graph pull for Entra with an app-only token (OAuth 2.0 client credentials): the two
 * logs an Entra source reads in turn, each with its own position inside the source's cursor and
 * its own time window, paged by `@odata.nextLink`:
 *
 * - `signIns` — `GET /v1.0/auditLogs/signIns`, filtered on `createdDateTime` (`ge`/`le`);
 * - `directoryAudits` — `GET /v1.0/auditLogs/directoryAudits`, filtered on `activityDateTime`
 *   (`ge`/`le`): policy, role, credential and identity-provider changes, password resets,
 *   security info registered or deleted (schema version 2, `./audit.ts`).
 *
 * A page's `value[]` goes through the same normalizer as a pushed body (`./map.ts`). Both logs
 * reach Graph a few minutes late (Microsoft's reporting-latency table gives the same for either:
 * 95 % within 2 minutes, 99 % within 5), so each window ends 5 minutes ago and the next one
 * re-reads the last 15 minutes; the overlap deduplicates.
 * A page may be empty and still carry a `@odata.nextLink`; a window is drained only when a page
 * has none. The link is followed as given (it keeps the filter and carries the `$skiptoken`),
 * but only on the configured host.
 *
 * The cursor of earlier versions, `{since, until?, next?}` for sign-ins alone, is read as the
 * `signIns` position (a window it was paging through is finished first); `directoryAudits` then
 * starts `lookbackSeconds` back, as a log read for the first time does.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/signin-list
 * @see https://learn.microsoft.com/en-us/graph/api/directoryaudit-list
 * @see https://learn.microsoft.com/en-us/graph/api/resources/directoryaudit (activityDateTime: `$filter` eq, ge, le)
 * @see https://learn.microsoft.com/en-us/graph/paging
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * @example "pull": {"tenantId": "00000000-0000-4000-8000-000000000001", "clientId": "…", "clientSecretSecretArn": "arn:aws:secretsmanager:…"}
 * @example cursor {"phase":"directoryAudits","signIns":{"since":"2026-11-20T11:40:00.000Z"},"directoryAudits":{"since":"2026-11-19T12:00:00.000Z","until":"2026-11-20T11:55:00.000Z","next":"https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$filter=…&$skiptoken=…"}}
 */
import * as z from 'zod';
import { lazy } from '../../core/lazy.ts';
import type { Cursor, PullContext, PullPage, Puller } from '../../core/pull.ts';
import { oauthToken } from '../oauth-token.ts';

export const EntraPullSettings = lazy(() => z.object({
  baseUrl: z.url().default('https://graph.microsoft.com'),
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  tokenUrl: z.url().optional(),
  lookbackSeconds: z.number().int().positive().max(30 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(1000).default(1000),
}));
export type EntraPullSettings = z.infer<typeof EntraPullSettings>;

/** 99 % of sign-ins and audits are in Graph 5 minutes after they happen; each window ends then and overlaps the last by 15. */
const GRAPH_LAG_MS = 5 * 60_000;
const GRAPH_OVERLAP_MS = 15 * 60_000;

/**
 * The logs an Entra source polls, in this order, one position each in the cursor. `maxTop`: the
 * sign-in list documents 1,000 as its maximum page size; the directory audit list documents none,
 * so it is asked for at most 999, the most Microsoft's own Entra PowerShell module asks of either.
 */
export const ENTRA_LOGS = [
  { key: 'signIns', path: '/v1.0/auditLogs/signIns', time: 'createdDateTime', maxTop: 1000 },
  { key: 'directoryAudits', path: '/v1.0/auditLogs/directoryAudits', time: 'activityDateTime', maxTop: 999 },
] as const;
type EntraLog = (typeof ENTRA_LOGS)[number];
interface Position { since?: string; until?: string; next?: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positionOf = (v: Record<string, unknown>): Position => {
  const out: Position = {};
  for (const k of ['since', 'until', 'next'] as const) if (typeof v[k] === 'string') out[k] = v[k];
  return out;
};

/** The cursor as logs and positions; the sign-ins-only cursor of earlier versions is the `signIns` position. */
export function entraCursor(cursor: Cursor | null): { phase: EntraLog['key']; positions: Partial<Record<EntraLog['key'], Position>> } {
  const positions: Partial<Record<EntraLog['key'], Position>> = {};
  for (const l of ENTRA_LOGS) if (isObject(cursor?.[l.key])) positions[l.key] = positionOf(cursor[l.key] as Record<string, unknown>);
  if (!positions.signIns && cursor && typeof cursor['since'] === 'string') positions.signIns = positionOf(cursor);
  const phase = ENTRA_LOGS.find((l) => l.key === cursor?.['phase'])?.key ?? 'signIns';
  return { phase, positions };
}

function graphToken(ctx: PullContext<EntraPullSettings>): Promise<string> {
  const s = ctx.settings;
  const tokenUrl = s.tokenUrl ?? `https://login.microsoftonline.com/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`;
  return oauthToken({
    http: ctx.http, now: ctx.now, vendor: 'entra', tokenUrl, cacheKey: s.clientId,
    form: () => ({ client_id: s.clientId, client_secret: s.clientSecret, scope: `${new URL(s.baseUrl).origin}/.default`, grant_type: 'client_credentials' }),
  });
}

/** One page of a log: the window's first page by filter, the others by the link the last page gave. */
async function listPage(ctx: PullContext<EntraPullSettings>, log: EntraLog, since: string, until: string, next: string | undefined) {
  const s = ctx.settings;
  const origin = new URL(s.baseUrl).origin;
  let url: URL;
  if (next) {
    // Follow @odata.nextLink, but only on the configured host.
    const link = new URL(next);
    url = new URL(`${link.pathname}${link.search}`, origin);
  } else {
    url = new URL(log.path, origin);
    url.searchParams.set('$filter', `${log.time} ge ${since} and ${log.time} le ${until}`);
    url.searchParams.set('$top', String(Math.min(s.pageSize, log.maxTop)));
  }
  const res = await ctx.http(url.toString(), { headers: { authorization: `Bearer ${await graphToken(ctx)}`, accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`entra ${url.pathname}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { value?: unknown[]; '@odata.nextLink'?: unknown };
  const link = body['@odata.nextLink'];
  return { items: Array.isArray(body.value) ? body.value : [], next: typeof link === 'string' && link ? link : null };
}

export const entraPuller: Puller<EntraPullSettings> = {
  kind: 'entra',
  settings: EntraPullSettings,
  async fetchPage(ctx, cursor): Promise<PullPage> {
    const s = ctx.settings;
    const { phase, positions } = entraCursor(cursor);
    const index = ENTRA_LOGS.findIndex((l) => l.key === phase);
    const log = ENTRA_LOGS[index]!;
    const own = positions[log.key] ?? {};
    const since = own.since ?? new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString();
    const until = own.until ?? new Date(ctx.now.getTime() - GRAPH_LAG_MS).toISOString();
    const page = await listPage(ctx, log, since, until, own.next);
    const moved: Cursor = { ...positions };
    if (page.next) return { items: page.items, cursor: { ...moved, phase: log.key, [log.key]: { since, until, next: page.next } }, done: false };
    // This log's window is drained: its next window starts the overlap before this one's end.
    moved[log.key] = { since: new Date(Math.max(Date.parse(since), Date.parse(until) - GRAPH_OVERLAP_MS)).toISOString() };
    const following = ENTRA_LOGS[index + 1];
    return following
      ? { items: page.items, cursor: { ...moved, phase: following.key }, done: false }
      : { items: page.items, cursor: { ...moved, phase: ENTRA_LOGS[0].key }, done: true };
  },
};
