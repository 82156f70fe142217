/**
 * The Okta System Log API client (`GET /api/v1/logs`, `Authorization: SSWS <token>`), a reconciler
 * for what Event Hooks cannot deliver: it pages forward with the `Link: <…>; rel="next"` polling
 * cursor and always stays on the configured host. Mapping lives in `map.ts`.
 *
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/SystemLog/
 * @see https://developer.okta.com/docs/reference/system-log-query/
 * @example GET https://example.okta.com/api/v1/logs?since=2026-11-20T10:00:00.000Z&sortOrder=ASCENDING&limit=1000
 *   → 200 [LogEvent, …], Link: <https://example.okta.com/api/v1/logs?after=1700000000000_1&limit=1000>; rel="next"
 */
import * as z from 'zod';
import { lazy } from '../../core/lazy.ts';
import type { Puller } from '../../core/pull.ts';

export const OktaPullSettings = lazy(() => z.object({
  baseUrl: z.url(),
  apiToken: z.string().min(1),
  lookbackSeconds: z.number().int().positive().max(90 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(1000).default(1000),
}));
export type OktaPullSettings = z.infer<typeof OktaPullSettings>;

const NEXT = /<([^>]+)>\s*;\s*rel="?next"?/;

/** `Link: <https://…/api/v1/logs?after=…>; rel="next"` → the next URL. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = NEXT.exec(part);
    if (m) return m[1]!;
  }
  return null;
}

export const oktaPuller: Puller<OktaPullSettings> = {
  kind: 'okta',
  settings: OktaPullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const base = new URL(s.baseUrl);
    // The `next` link is an opaque polling cursor; stay on the configured host whatever it says.
    let url: URL;
    if (typeof cursor?.['next'] === 'string') {
      const next = new URL(cursor['next']);
      url = new URL(`${next.pathname}${next.search}`, base.origin);
    } else {
      url = new URL('/api/v1/logs', base.origin);
      url.searchParams.set('since', new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString());
      url.searchParams.set('sortOrder', 'ASCENDING');
      url.searchParams.set('limit', String(s.pageSize));
    }
    const res = await ctx.http(url.toString(), { headers: { authorization: `SSWS ${s.apiToken}`, accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`okta /api/v1/logs: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const items = (await res.json()) as unknown[];
    const next = nextLink(res.headers.get('link'));
    // Okta always returns a next link when polling; an empty page means "caught up for now".
    return { items: Array.isArray(items) ? items : [], cursor: next ? { next } : (cursor ?? {}), done: !next || !items.length };
  },
};
