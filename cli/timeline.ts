/**
 * `authtrail timeline --tenant <t> (--user <email|login|id> | --ip <addr> | --since <dur>)
 * [--until <time>] [--limit n] [--cursor c] [--json] [--outputs <file>]`: a tenant's events from
 * the hot table, newest first, across all its sources — a user's (found by email, login or id on
 * every identity provider, with their aliases), an IP's, or all of a window. The reads are the
 * investigation API's (lambdas/adapters/investigate.ts), against the running local collector's
 * DynamoDB or, with `--outputs`, the deployed hot table with the caller's credentials.
 */
import { loadConfig } from '../infra/config.ts';
import { investigator, type EventsPage } from '../lambdas/adapters/investigate.ts';
import { decodeCursor, eventsQueryFrom, InvestigationError, searchHash } from '../lambdas/core/investigate.ts';
import type { TimelineEvent } from '../lambdas/core/investigate.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { openTarget } from './target.ts';

const OPTIONS = {
  tenant: { type: 'string' }, user: { type: 'string' }, ip: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' },
  limit: { type: 'string' }, cursor: { type: 'string' }, json: { type: 'boolean' }, ...OUTPUTS_OPTION,
} as const;

const MAX_REQUESTS = 50;

export function parseTimelineArgs(args: string[]) {
  const { values: v } = parseCommand('timeline', args, OPTIONS);
  if (!v.tenant) throw new UsageError('timeline needs --tenant <tenant>');
  if (v.user === undefined && v.ip === undefined && v.since === undefined) throw new UsageError('timeline needs --user <email|login|id>, --ip <address> or --since <duration, e.g. 24h>');
  if (v.user !== undefined && v.ip !== undefined) throw new UsageError('timeline: give --user or --ip, not both');
  const params: Record<string, string | undefined> = {};
  for (const k of ['user', 'ip', 'since', 'until', 'limit', 'cursor'] as const) if (v[k] !== undefined) params[k] = v[k];
  return { tenant: v.tenant, params, json: !!v.json, outputs: v.outputs };
}

const COLUMNS: [string, (e: TimelineEvent) => string | null | undefined][] = [
  ['time', (e) => e.event_time],
  ['source', (e) => e.source_id],
  ['category', (e) => e.category],
  ['outcome', (e) => e.outcome],
  ['factor', (e) => e.factor],
  ['user', (e) => e.user_email ?? e.user_login ?? e.user_id],
  ['ip', (e) => e.src_ip],
  ['country', (e) => e.geo_country],
  ['app', (e) => e.app_name ?? e.app_id],
];

/** The compact table: one row per event, columns as wide as their widest value (at most 40). */
export function renderTable(events: readonly TimelineEvent[]): string {
  const cell = (v: string | null | undefined) => { const s = (v ?? '-').replace(/\s+/g, ' '); return s.length > 40 ? `${s.slice(0, 39)}…` : s; };
  const rows = [COLUMNS.map(([h]) => h.toUpperCase()), ...events.map((e) => COLUMNS.map(([, f]) => cell(f(e))))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export async function timeline(args: string[]): Promise<number> {
  const a = parseTimelineArgs(args);
  const loaded = loadConfig();
  const configured = loaded.config.tenants.map((t) => t.id);
  // With --outputs and no config file, the deployment's tenants are not known here: a wrong one finds nothing.
  if ((loaded.path || !a.outputs) && !configured.includes(a.tenant)) throw new CliError(`unknown tenant "${a.tenant}" (tenants: ${[...configured].sort().join(', ')})`);
  let query;
  try {
    query = eventsQueryFrom(a.tenant, a.params, { now: Date.now(), hotDays: loaded.config.retention.hotDays });
  } catch (err) {
    if (err instanceof InvestigationError) throw new UsageError(`timeline: ${err.message.replace(/^(user|ip|since|until|limit|cursor)\b/, '--$1')}`);
    throw err;
  }
  const t = openTarget(a.outputs);
  let page: EventsPage;
  try {
    const inv = investigator({ ddb: t.ddb, table: t.table, stateTable: t.stateTable, s3: t.s3, bucket: t.bucket, alerts: loaded.config.alerts, sources: loaded.config.sources });
    page = await inv.events(query);
    // A search cut short by its read budget (a rare IP) goes on here, up to `limit` events or
    // MAX_REQUESTS requests (1M index entries), rather than printing a short page.
    for (let n = 1; page.next_cursor && page.events.length < query.limit && n < MAX_REQUESTS; n++) {
      const more = await inv.events({ ...query, limit: query.limit - page.events.length, cursor: decodeCursor(page.next_cursor, searchHash(query.tenant, query.search)) });
      page = { ...more, events: [...page.events, ...more.events], scanned: page.scanned + more.scanned };
    }
  } finally {
    t.close();
  }
  if (a.json) {
    for (const e of page.events) console.log(JSON.stringify(e));
  } else if (!page.events.length) {
    console.log(`no events of tenant ${a.tenant} match in the window`);
  } else {
    console.log(renderTable(page.events));
  }
  if (page.aliases && page.aliases.length > 1) process.stderr.write(`timeline: matched as ${page.aliases.join(', ')}${page.aliases_truncated ? ' (alias search stopped at its bound: there may be more)' : ''}\n`);
  if (page.next_cursor) process.stderr.write(`timeline: more events: run again with --cursor ${page.next_cursor}\n`);
  return 0;
}
