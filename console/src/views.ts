/** The console's pages: a tenant's overview, one alert with its evidence, a user's or an IP's timeline. */
import { h, replace, table, type Child } from './dom.ts';
import { ago, count, deviceOf, factorOf, placeOf, userOf, utc, type EventView } from './format.ts';
import type { Alert, Api, Summary } from './api.ts';

export interface Ctx {
  readonly api: Api;
  readonly tenant: { id: string; name: string };
  readonly hotDays: number;
  /** False once another page has been asked for: late answers are dropped. */
  readonly current: () => boolean;
  readonly status: (text: string, error?: boolean) => void;
  /** Called once a page has its final heading: moves focus there when the analyst navigated. */
  readonly settled: () => void;
}

const link = (href: string, ...text: Child[]) => h('a', { href }, ...text);
const base = (c: Ctx) => `#/t/${encodeURIComponent(c.tenant.id)}`;
export const userHref = (c: Ctx, user: string) => `${base(c)}/user/${encodeURIComponent(user)}`;
export const ipHref = (c: Ctx, ip: string) => `${base(c)}/ip/${encodeURIComponent(ip)}`;
const alertHref = (c: Ctx, id: string) => `${base(c)}/alert/${encodeURIComponent(id)}`;
const badge = (kind: string, value: string | null | undefined) => h('span', { class: `badge ${kind}-${value ?? 'unknown'}` }, value ?? 'unknown');
const when = (iso: string | null | undefined) => (iso ? h('time', { datetime: iso }, utc(iso)) : '—');

// ---- overview -----------------------------------------------------------------------------------

export async function overview(main: HTMLElement, c: Ctx, show: 'open' | 'all'): Promise<void> {
  const cards = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Reading the last 24 hours…'));
  const alerts = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Reading alerts…'));
  const sources = h('div');
  const filter = h('select', { id: 'alert-filter', onchange: (e: Event) => { location.hash = `${base(c)}${(e.target as HTMLSelectElement).value === 'all' ? '/alerts/all' : ''}`; } },
    h('option', { value: 'open', selected: show === 'open' }, 'Open alerts'),
    h('option', { value: 'all', selected: show === 'all' }, 'All alerts of the last 7 days'));
  replace(main,
    h('h1', { tabindex: '-1' }, `${c.tenant.name}: the last 24 hours`),
    h('section', { 'aria-labelledby': 'h-summary' }, h('h2', { id: 'h-summary', class: 'visually-hidden' }, 'Summary'), cards),
    h('section', { 'aria-labelledby': 'h-alerts' },
      h('h2', { id: 'h-alerts' }, 'Alerts'),
      h('div', { class: 'filters' }, h('label', { for: 'alert-filter' }, 'Show'), filter),
      alerts),
    h('section', { 'aria-labelledby': 'h-sources' }, h('h2', { id: 'h-sources' }, 'Sources'), sources));
  c.settled();
  await Promise.all([
    c.api.summary(c.tenant.id).then((s) => {
      if (!c.current()) return;
      replace(cards, summaryCards(s));
      cards.removeAttribute('aria-busy');
      replace(sources, sourcesTable(s));
      performance.mark('authtrail:summary');
    }),
    c.api.alerts(c.tenant.id, show).then((list) => {
      if (!c.current()) return;
      replace(alerts, alertsTable(c, list, show));
      alerts.removeAttribute('aria-busy');
      performance.mark('authtrail:alerts');
    }),
  ]);
}

function summaryCards(s: Summary): HTMLElement {
  const card = (label: string, value: string, warn = false) => h('div', { class: `card${warn ? ' warn' : ''}` }, h('dt', {}, label), h('dd', {}, value));
  return h('dl', { class: 'cards' },
    card('Sign-ins', count(s.sign_ins)),
    card('MFA coverage', s.mfa_coverage_percent === null ? '—' : `${s.mfa_coverage_percent}%`, s.mfa_coverage_percent !== null && s.mfa_coverage_percent < 100),
    card('Sign-ins without MFA', count(s.sign_ins_without_mfa), s.sign_ins_without_mfa > 0),
    card('Failures', count(s.failures)),
    card('Denied prompts', count(s.denials), s.denials > 0),
    card('Users', count(s.users)),
    card('Open alerts', count(s.open_alerts), s.open_alerts > 0),
    card('Events', `${count(s.events)}${s.truncated ? '+' : ''}`));
}

function alertsTable(c: Ctx, list: readonly Alert[], show: 'open' | 'all'): HTMLElement {
  const rows = list.map((a) => h('tr', {},
    h('td', {}, when(a.last_event_time)),
    h('td', {}, link(alertHref(c, a.alert_id), a.rule)),
    h('td', {}, badge('sev', a.severity)),
    h('td', {}, a.user === '*' ? h('span', { class: 'muted' }, 'whole tenant') : link(userHref(c, a.user), a.user)),
    h('td', { class: 'num' }, count(a.count)),
    h('td', {}, a.summary),
    h('td', {}, a.open ? 'open' : 'closed')));
  const caption = show === 'open' ? `${list.length} open alert${list.length === 1 ? '' : 's'}` : `${list.length} alert${list.length === 1 ? '' : 's'} of the last 7 days`;
  return table(caption, ['Last event', 'Rule', 'Severity', 'User', 'Events', 'Summary', 'Status'], rows, show === 'open' ? 'No open alerts.' : 'No alerts in the last 7 days.');
}

function sourcesTable(s: Summary): HTMLElement {
  const rows = s.sources.map((x) => h('tr', {},
    h('td', { class: 'mono' }, x.source_id), h('td', {}, x.kind),
    h('td', {}, x.last_event_time ? [when(x.last_event_time), h('span', { class: 'muted' }, ` (${ago(x.last_event_time)})`)] : h('span', { class: 'badge feed-silent' }, 'no events yet')),
    h('td', {}, x.last_delivery ? ago(x.last_delivery) : 'never')));
  return table(`${s.sources.length} source${s.sources.length === 1 ? '' : 's'}`, ['Source', 'Kind', 'Last event', 'Last delivery'], rows, 'This tenant has no sources.');
}

// ---- one alert ----------------------------------------------------------------------------------

/** Context shown around an alert's evidence: this long before its first and after its last event. */
const CONTEXT_MS = 15 * 60_000;

export async function alertPage(main: HTMLElement, c: Ctx, id: string): Promise<void> {
  replace(main, h('h1', { tabindex: '-1' }, 'Alert'), h('p', { class: 'muted' }, 'Reading the alert…'));
  const list = await c.api.alerts(c.tenant.id, 'all');
  if (!c.current()) return;
  const a = list.find((x) => x.alert_id === id);
  if (!a) {
    replace(main, h('h1', { tabindex: '-1' }, 'Alert not found'), h('p', {}, 'No alert with this id among the tenant\'s alerts of the last 7 days. ', link(base(c), 'Back to the overview')));
    c.settled();
    return;
  }
  const evidence = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Reading the evidence…'));
  replace(main,
    h('p', {}, link(base(c), `← ${c.tenant.name}`)),
    h('h1', { tabindex: '-1' }, `${a.rule}: ${a.user === '*' ? 'whole tenant' : a.user}`),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Severity'), h('dd', {}, badge('sev', a.severity)),
      h('dt', {}, 'Summary'), h('dd', {}, a.summary),
      h('dt', {}, 'Events'), h('dd', {}, `${count(a.count)} (${a.event_uids.length} kept as evidence)`),
      h('dt', {}, 'First event'), h('dd', {}, when(a.first_event_time)),
      h('dt', {}, 'Last event'), h('dd', {}, when(a.last_event_time)),
      h('dt', {}, 'Status'), h('dd', {}, a.open ? `open until ${utc(a.open_until)}` : 'closed'),
      h('dt', {}, 'Alert id'), h('dd', { class: 'mono' }, a.alert_id)),
    a.user === '*' ? null : h('p', { class: 'actions' }, link(userHref(c, a.user), `Open the timeline of ${a.user}`)),
    h('h2', {}, 'Evidence and the 15 minutes around it'),
    evidence);
  c.settled();
  const since = new Date(Date.parse(a.first_event_time) - CONTEXT_MS).toISOString();
  const until = new Date(Math.min(Date.now(), Date.parse(a.last_event_time) + CONTEXT_MS)).toISOString();
  const page = await c.api.events(c.tenant.id, { ...(a.user === '*' ? {} : { user: a.user }), since, until, limit: 1000 });
  if (!c.current()) return;
  const marked = new Set(a.event_uids);
  const rows = page.events.map((e) => eventRow(c, e, { evidence: marked.has(`${e.source_id}#${e.event_uid}`), showUser: a.user === '*' }));
  const found = page.events.filter((e) => marked.has(`${e.source_id}#${e.event_uid}`)).length;
  replace(evidence, eventsTable(`${found} evidence event${found === 1 ? '' : 's'} (marked) among ${page.events.length} event${page.events.length === 1 ? '' : 's'} from ${utc(since)} to ${utc(until)}`, rows, { evidence: true, showUser: a.user === '*' }));
  evidence.removeAttribute('aria-busy');
  performance.mark('authtrail:evidence');
}

// ---- timelines ----------------------------------------------------------------------------------

export async function timelinePage(main: HTMLElement, c: Ctx, kind: 'user' | 'ip', value: string): Promise<void> {
  const results = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Reading events…'));
  const aliases = h('p', { class: 'muted' });
  replace(main,
    h('p', {}, link(base(c), `← ${c.tenant.name}`)),
    h('h1', { tabindex: '-1' }, kind === 'user' ? `Timeline of ${value}` : `Events from ${value}`),
    aliases, results);
  c.settled();
  // A user: the whole hot table; an IP: the last week, or what the hot table keeps.
  const window = kind === 'user' ? {} : { since: `${Math.min(7, c.hotDays)}d` };
  const rows: HTMLTableRowElement[] = [];
  let cursor: string | null = null;
  const more = h('button', { type: 'button', class: 'secondary' }, 'Show older events');
  const load = async () => {
    more.disabled = true;
    const page = await c.api.events(c.tenant.id, { ...(kind === 'user' ? { user: value } : { ip: value }), ...window, limit: 100, cursor });
    if (!c.current()) return;
    rows.push(...page.events.map((e) => eventRow(c, e, { evidence: false, showUser: kind === 'ip' })));
    cursor = page.next_cursor;
    if (page.aliases && page.aliases.length > 1) {
      replace(aliases, `One person across identity providers, matched as ${page.aliases.join(', ')}${page.aliases_truncated ? ' (and possibly more)' : ''}.`);
    }
    const caption = `${rows.length}${cursor ? '+' : ''} event${rows.length === 1 ? '' : 's'}, newest first${kind === 'ip' ? `, last ${window.since}` : ''}`;
    replace(results, eventsTable(caption, rows, { evidence: false, showUser: kind === 'ip' }), cursor ? h('p', { class: 'actions' }, more) : null);
    results.removeAttribute('aria-busy');
    more.disabled = false;
    c.status(`${rows.length} event${rows.length === 1 ? '' : 's'} shown${cursor ? '; older ones can be loaded' : ''}.`);
    performance.mark('authtrail:timeline');
  };
  more.addEventListener('click', () => { load().catch((err: Error) => c.status(err.message, true)); });
  await load();
}

function eventRow(c: Ctx, e: EventView, o: { evidence: boolean; showUser: boolean }): HTMLTableRowElement {
  return h('tr', { class: o.evidence ? 'evidence' : undefined },
    o.evidence ? h('td', {}, h('span', { class: 'badge sev-high' }, 'evidence')) : null,
    h('td', {}, when(e.event_time)),
    o.showUser ? h('td', {}, userOf(e) === '—' ? '—' : link(userHref(c, userOf(e)), userOf(e))) : null,
    h('td', {}, e.source ?? e.source_id, h('br'), h('span', { class: 'mono muted' }, e.source_id)),
    h('td', {}, e.category ?? '—', e.raw_event_type ? [h('br'), h('span', { class: 'mono muted' }, e.raw_event_type)] : null),
    h('td', {}, badge('out', e.outcome), e.reason ? [h('br'), h('span', { class: 'muted' }, e.reason)] : null),
    h('td', {}, factorOf(e)),
    h('td', {}, placeOf(e)),
    h('td', { class: 'mono' }, e.src_ip ? link(ipHref(c, e.src_ip), e.src_ip) : '—'),
    h('td', {}, deviceOf(e)),
    h('td', {}, e.app_name ?? '—'));
}

function eventsTable(caption: string, rows: HTMLTableRowElement[], o: { evidence: boolean; showUser: boolean }): HTMLElement {
  // Evidence tables mark each evidence row in a first column; other rows leave it empty.
  if (o.evidence) for (const r of rows) if (!r.classList.contains('evidence')) r.prepend(h('td', {}));
  const cols = [...(o.evidence ? ['Evidence'] : []), 'Time', ...(o.showUser ? ['User'] : []), 'Source', 'Event', 'Outcome', 'Factor', 'Place', 'IP', 'Device', 'App'];
  return table(caption, cols, rows, 'No events.');
}
