/**
 * The JumpCloud Directory Insights API client (`POST /insights/directory/v1/events`, `x-api-key`,
 * `x-org-id` for a multi-tenant key). A page is full when it holds `limit` events; the next page is
 * the same query with `search_after` set to the `X-Search_after` response header (which JumpCloud
 * sends on every page, so only a full page means "more"). Mapping lives in `map.ts`.
 *
 * @see https://docs.jumpcloud.com/api/insights/directory/1.0/index.html (Getting All the Pages of Data)
 * @see https://github.com/TheJumpCloud/jcapi-powershell (SDKs/PowerShell/JumpCloud.SDK.DirectoryInsights/custom/JumpCloud.SDK.DirectoryInsights.json)
 * @example POST https://api.jumpcloud.com/insights/directory/v1/events
 *   {"service":["all"],"start_time":"2026-11-20T10:00:00.000Z","end_time":"2026-11-20T10:59:00.000Z","limit":1000,"sort":"ASC"}
 *   → 200 [event, …], X-Result-Count: 1000, X-Limit: 1000, X-Search_after: [1763632800000,"DZrPyW8BNsa9iKWoOm7h"]
 */
import * as z from 'zod';
import { lazy } from '../../core/lazy.ts';
import type { Puller } from '../../core/pull.ts';

export const JumpCloudPullSettings = lazy(() => z.object({
  baseUrl: z.url().default('https://api.jumpcloud.com'),
  apiKey: z.string().min(1),
  orgId: z.string().min(1).optional(),
  services: z.array(z.string().min(1)).min(1).default(['all']),
  lookbackSeconds: z.number().int().positive().max(90 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(10_000).default(1000),
}));
export type JumpCloudPullSettings = z.infer<typeof JumpCloudPullSettings>;

/** Directory Insights indexes events within about a minute; windows overlap by five. */
const LAG_MS = 60_000;
const OVERLAP_MS = 5 * 60_000;

export const jumpcloudPuller: Puller<JumpCloudPullSettings> = {
  kind: 'jumpcloud',
  settings: JumpCloudPullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const start = String(cursor?.['start_time'] ?? new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString());
    const end = String(cursor?.['end_time'] ?? new Date(ctx.now.getTime() - LAG_MS).toISOString());
    const body: Record<string, unknown> = { service: s.services, start_time: start, end_time: end, limit: s.pageSize, sort: 'ASC' };
    if (Array.isArray(cursor?.['search_after'])) body['search_after'] = cursor['search_after'];
    const res = await ctx.http(`${new URL(s.baseUrl).origin}/insights/directory/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': s.apiKey, 'content-type': 'application/json', accept: 'application/json', ...(s.orgId ? { 'x-org-id': s.orgId } : {}) },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`jumpcloud /insights/directory/v1/events: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const items = (await res.json()) as unknown[];
    const list = Array.isArray(items) ? items : [];
    let after: unknown = null;
    try { after = JSON.parse(res.headers.get('x-search_after') ?? 'null'); } catch { after = null; }
    if (list.length >= s.pageSize && Array.isArray(after)) {
      return { items: list, cursor: { start_time: start, end_time: end, search_after: after }, done: false };
    }
    const next = new Date(Math.max(Date.parse(start), Date.parse(end) - OVERLAP_MS)).toISOString();
    return { items: list, cursor: { start_time: next }, done: true };
  },
};
