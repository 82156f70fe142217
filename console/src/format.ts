/** How the console writes times, counts and devices: UTC, so analysts in any zone read the same. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

export const count = (n: number | null | undefined) => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

export interface EventView {
  source_id: string; source?: string | null; event_uid: string; event_time: string; category?: string | null; raw_event_type?: string | null;
  outcome?: string | null; reason?: string | null; is_mfa?: boolean | null; factor?: string | null; factor_raw?: string | null;
  user_email?: string | null; user_login?: string | null; user_id?: string | null; src_ip?: string | null;
  geo_country?: string | null; geo_city?: string | null; device_name?: string | null; device_id?: string | null;
  os?: string | null; browser?: string | null; app_name?: string | null; risk_level?: string | null;
}

export const userOf = (e: EventView) => e.user_email ?? e.user_login ?? e.user_id ?? '—';

export function deviceOf(e: EventView): string {
  const parts = [e.device_name, [e.os, e.browser].filter(Boolean).join(' · ')].filter(Boolean);
  return parts.length ? parts.join(' — ') : '—';
}

let regions: Intl.DisplayNames | undefined;
/** An ISO 3166 country code as its English name (`NG` → Nigeria); anything else as given. */
export function countryName(code: string | null | undefined): string | null {
  if (!code) return null;
  if (!/^[A-Z]{2}$/.test(code)) return code;
  try { return (regions ??= new Intl.DisplayNames(['en'], { type: 'region' })).of(code) ?? code; } catch { return code; }
}

export function placeOf(e: EventView): string {
  return [e.geo_city, countryName(e.geo_country)].filter(Boolean).join(', ') || '—';
}

export function factorOf(e: EventView): string {
  if (e.factor && e.factor !== 'unknown') return e.factor;
  if (e.is_mfa === false) return 'none';
  return e.factor_raw ?? e.factor ?? '—';
}

/** `user` or `ip`: what a search box's text is. */
export function searchKind(q: string): 'ip' | 'user' {
  const t = q.trim();
  if (/^(\d{1,3})(\.\d{1,3}){3}$/.test(t)) return 'ip';
  if (t.includes(':') && /^[0-9a-fA-F:.]+$/.test(t)) return 'ip';
  return 'user';
}
