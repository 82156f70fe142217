/** The investigation API as the console calls it: `/v1/console/…`, same origin, JSON. */
import { SignInNeeded, type Session } from './auth.ts';
import type { EventView } from './format.ts';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
  override name = 'ApiError';
}

export interface Me { tenants: { id: string; name: string }[]; hot_days: number }
export interface Summary {
  tenant: string; from: string; to: string; events: number; sign_ins: number; sign_ins_with_mfa: number; sign_ins_without_mfa: number;
  mfa_coverage_percent: number | null; failures: number; denials: number; users: number; open_alerts: number;
  open_alerts_by_rule: Record<string, number>; sources: { source_id: string; kind: string; last_event_time: string | null; last_delivery: string | null }[];
  truncated: boolean;
}
export interface Alert {
  alert_id: string; rule: string; severity: 'low' | 'medium' | 'high'; tenant: string; user: string; first_event_time: string; last_event_time: string;
  count: number; summary: string; event_uids: string[]; open: boolean; open_until: string;
}
export interface EventsPage { events: EventView[]; next_cursor: string | null; aliases?: string[]; aliases_truncated?: boolean }

export function api(s: Session) {
  async function get<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
    const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
    const r = await fetch(`/v1/console${path}${q.size ? `?${q}` : ''}`, { headers: s.headers(), credentials: 'omit', cache: 'no-store' });
    if (r.status === 401) { s.forget(); throw new SignInNeeded('your session has ended: sign in again'); }
    const body = await r.json().catch(() => ({})) as { message?: string };
    if (!r.ok) throw new ApiError(r.status, body.message ?? `the API answered ${r.status}`);
    return body as T;
  }
  const t = (tenant: string) => `/tenants/${encodeURIComponent(tenant)}`;
  return {
    me: () => get<Me>('/me'),
    summary: (tenant: string) => get<Summary>(`${t(tenant)}/summary`, { window: '24h' }),
    alerts: (tenant: string, status: 'open' | 'all') => get<{ alerts: Alert[] }>(`${t(tenant)}/alerts`, { status }).then((r) => r.alerts),
    events: (tenant: string, p: { user?: string; ip?: string; since?: string; until?: string; limit?: number; cursor?: string | null }) =>
      get<EventsPage>(`${t(tenant)}/events`, { user: p.user, ip: p.ip, since: p.since, until: p.until, limit: p.limit ? String(p.limit) : undefined, cursor: p.cursor ?? undefined }),
  };
}
export type Api = ReturnType<typeof api>;
