/**
 * The detector's pure core. `step()` takes one new event and the state of one of its keys (see
 * `stateKeys`: the user, the whole tenant, or the source IP, each within one tenant) and returns
 * the alerts to raise or update and the next state. Windows are over `event_time`, so a late event counts in the window
 * it belongs to, and pair rules ("denials, then an approval") are checked from either end, so
 * the order of arrival does not matter. An event already seen (a retried stream batch) changes
 * nothing. Storage of the state is the caller's (`adapters/detect-state.ts`).
 *
 * The rules themselves are one folder each in `rules/`, listed by `rules/index.ts` in the order
 * they run; the engine keeps what they share: evidence windows, the profile, suppression,
 * evidence caps and the bounding of the state.
 */
import { createHash } from 'node:crypto';
import type { AuthEvent } from '../event.ts';
import { ruleSettings } from './rule-settings.ts';
import type { AlertsConfig, RuleName } from './settings.ts';
import { RULES } from './rules/index.ts';
import { isSuccess, minutesMs, TENANT_WIDE, userOf, type Rule, type RuleContext } from './rules/kit.ts';

export { TENANT_WIDE, userOf, withoutMfa } from './rules/kit.ts';
export { distanceKm } from './rules/impossible_travel/index.ts';
export { feedSilence } from './rules/feed_silence/index.ts';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** CONTRACT §6. */
export interface Alert {
  alert_id: string;
  rule: RuleName;
  severity: Severity;
  tenant: string;
  /** The user; `*` for tenant-wide rules (lockout bursts, feed silence). */
  user: string;
  first_event_time: string;
  last_event_time: string;
  count: number;
  summary: string;
  event_uids: string[];
}

/** One piece of evidence kept in a window: the event (`source_id#event_uid`) and its time. */
export interface Occurrence {
  readonly uid: string;
  readonly time: number;
  /** Lockouts: who was locked. */
  readonly user?: string;
  /** Successful sign-ins: from where, with which factor. */
  readonly ip?: string;
  readonly factor?: string;
}

/** What a user's successful sign-ins looked like: kept `profileDays` after the last change. */
export interface Profile {
  /** The earliest sign-in seen (the learning period runs from it). */
  since: number | null;
  /** Country → first sign-in from it. */
  countries: Record<string, number>;
  /** IP → [first, last] sign-in from it (the 64 most recently used). */
  ips: Record<string, [number, number]>;
  /** Recent geolocated sign-ins, oldest first. */
  geo: { uid: string; time: number; lat: number; lon: number; country: string | null }[];
}

/** The kinds of evidence kept (a rule names the one it records under; rules counting the same kind share it). */
export type Signal = 'push_denial' | 'failure' | 'success' | 'factor_change' | 'lockout' | 'otp_failure' | 'password_reset';

export interface OpenAlert { readonly alert: Alert; readonly until: number }

/** One vendor session of a user (`session_anomaly`): the contexts it was used in. */
export interface SessionSeen {
  /**
   * Each distinct context: network (`n`, see `networkOf`) and user agent digest (`a`), either
   * null when the event had none; first use (`f`, with its event `u`) and last use (`l`, moved
   * only when it is a window old or the state is written anyway: a routine session costs few
   * writes).
   */
  c: { n: string | null; a: string | null; f: number; l: number; u: string }[];
  /** The severity already alerted for the session (1 medium, 2 high): one alert per session. */
  x?: number;
}

export interface KeyState {
  occ: Partial<Record<Signal, Occurrence[]>>;
  open: Partial<Record<RuleName, OpenAlert>>;
  profile?: Profile;
  /** A user's recent vendor sessions (`<source_id>#<session_id>`), newest 32. */
  sessions?: Record<string, SessionSeen>;
}

export const emptyState = (): KeyState => ({ occ: {}, open: {} });

// ---- which rules an event concerns, and under which keys ----------------------------------

/** The keys state is kept under (each within one tenant); `feed` rules run on the schedule instead. */
export type Scope = 'user' | 'tenant' | 'ip';
const SCOPES: readonly Scope[] = ['user', 'tenant', 'ip'];

const ALL = RULES as readonly Rule[];
const BY_SCOPE = Object.fromEntries(SCOPES.map((s) => [s, ALL.filter((r) => r.scope === s)])) as Record<Scope, Rule[]>;
/** The user rules that run on the tenant's key for an event naming no user (`tenantWhenNoUser`). */
const USERLESS = ALL.filter((r) => r.scope === 'user' && r.tenantWhenNoUser);
/**
 * The rules of a scope an event concerns. An event naming no user (a policy change, a federation
 * trust) concerns only the user rules that then run on the tenant's key (`tenantWhenNoUser`).
 */
const concerned = (scope: Scope, e: AuthEvent) => {
  if (userOf(e)) return BY_SCOPE[scope].filter((r) => r.concerns?.(e));
  return scope === 'tenant' ? USERLESS.filter((r) => r.concerns?.(e)) : [];
};

/**
 * The state key of a scope for an event, or null when it has none: the user (`userOf`), `*` for
 * the tenant, `ip:<src_ip>` for the source IP (also the alert's `user`). Stored as
 * `detect#<tenant>#<key>` (adapters/detect-state.ts).
 */
export function keyOf(scope: Scope, e: AuthEvent): string | null {
  if (scope === 'user') return userOf(e);
  if (scope === 'tenant') return TENANT_WIDE;
  return e.src_ip ? `ip:${e.src_ip.toLowerCase()}` : null;
}

export interface StateKey { readonly scope: Scope; readonly key: string }

/**
 * The keys whose state an event is stepped on: each scope with a rule the event concerns and a
 * key for it (the others are skipped without a state read). The stream consumer and the test kit
 * both group by it.
 */
export function stateKeys(e: AuthEvent): StateKey[] {
  const out: StateKey[] = [];
  for (const scope of SCOPES) {
    if (!concerned(scope, e).length) continue;
    const key = keyOf(scope, e);
    if (key !== null) out.push({ scope, key });
  }
  return out;
}

/** Whether the event can matter to its user's rules (others are skipped without a state read). */
export const concernsUser = (e: AuthEvent) => !!userOf(e) && BY_SCOPE.user.some((r) => r.concerns?.(e));
/** Whether the event can matter to its tenant's tenant-wide rules, or (naming no user) to a user rule that then runs tenant-wide. */
export const concernsTenant = (e: AuthEvent) => concerned('tenant', e).length > 0;

// ---- windows ----------------------------------------------------------------------------

/**
 * The window of `minutes` containing `at` with the most evidence (occurrences, or with
 * `byUser` distinct users), or [] when none holds `at`. Two pointers over the sorted evidence:
 * O(n log n), however long an attack runs.
 */
export function densestWindow(occ: readonly Occurrence[], at: number, minutes: number, byUser = false): Occurrence[] {
  const w = minutes * 60_000;
  const sorted = [...new Map(occ.map((o) => [o.uid, o])).values()].sort((a, b) => a.time - b.time);
  const users = new Map<string | undefined, number>();
  const size = (from: number, to: number) => (byUser ? users.size : to - from);
  let best: [number, number] = [0, 0];
  let bestSize = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    const t = sorted[start]!.time;
    while (end < sorted.length && sorted[end]!.time <= t + w) {
      const u = sorted[end]!.user;
      users.set(u, (users.get(u) ?? 0) + 1);
      end++;
    }
    if (t <= at && at - t <= w && size(start, end) > bestSize) { best = [start, end]; bestSize = size(start, end); }
    const u = sorted[start]!.user;
    const n = users.get(u)! - 1;
    if (n) users.set(u, n);
    else users.delete(u);
  }
  return sorted.slice(best[0], best[1]);
}

/** An alert lists at most this many events; `count` goes on counting. */
export const MAX_EVIDENCE = 100;
/** Evidence kept per signal and key (the newest): bounds the state item and the work per event. */
export const MAX_OCCURRENCES = 500;
/** Vendor sessions kept per user (the most recently used). */
export const MAX_SESSIONS = 32;

// ---- the step -----------------------------------------------------------------------------

export interface StepResult {
  state: KeyState;
  /** Alerts to publish: new ones, and open ones whose severity rose. */
  raise: Alert[];
  /** Open alerts whose count grew (suppressed: stored, not paged again). */
  update: Alert[];
  /** Whether `state` differs from the input (the caller may skip the write). */
  changed: boolean;
  /** `state` as JSON, to pass to the next step of the same key (`json`): spares serializing it again. */
  json: string;
}

const iso = (t: number) => new Date(t).toISOString();

/** The longest window any windowed rule of the tenant uses: evidence is kept twice as long. */
export function keepMs(settings: AlertsConfig, tenant: string): number {
  const r = (n: RuleName) => ruleSettings(settings, tenant, n) as { windowMinutes?: number };
  const windows = ALL.filter((x) => x.windowKeepsEvidence !== false).map((x) => r(x.id as RuleName).windowMinutes ?? 0);
  return 2 * minutesMs(Math.max(1, ...windows));
}

/** How long a raised alert suppresses the next one of its rule and key (by event time). */
export const suppressUntil = (a: Alert, settings: AlertsConfig) => Date.parse(a.last_event_time) + minutesMs(settings.suppressionMinutes);

/**
 * Steps one event on the state of one of its keys (`key`: as `keyOf(scope, event)`, the
 * default; `json`: the state as JSON, when the caller has it from the previous step).
 */
export function step(o: { event: AuthEvent; settings: AlertsConfig; state: KeyState; scope: Scope; key?: string; json?: string }): StepResult {
  const e = o.event;
  const before = o.json ?? JSON.stringify(o.state);
  const state = JSON.parse(before) as KeyState;
  const out: StepResult = { state, raise: [], update: [], changed: false, json: before };
  const rules = concerned(o.scope, e);
  // An event naming no user reaches only the rules that take one, on the tenant's key: its user is the tenant's.
  const named = userOf(e);
  const user = named ?? TENANT_WIDE;
  const key = o.key ?? keyOf(o.scope, e);
  if ((!named && !rules.length) || key === null) return out;
  const at = Date.parse(e.event_time);
  const uid = `${e.source_id}#${e.event_uid}`;
  // A retried batch replays events: one already recorded has raised all it could.
  if (Object.values(o.state.occ).some((l) => l?.some((x) => x.uid === uid))) return out;

  /** Raise an alert for `evidence`, or update the rule's open alert (suppression). */
  const emit = (rule: RuleName, severity: Severity, evidence: readonly Occurrence[], summary: string) => {
    const open = state.open[rule];
    if (open && at <= open.until && at >= Date.parse(open.alert.first_event_time) - minutesMs(o.settings.suppressionMinutes)) {
      // The triggering event is one more match; the evidence list gains what it lacks, up to its cap.
      if (open.alert.event_uids.includes(uid)) return; // already counted (a retried batch)
      const fresh = evidence.filter((x) => !open.alert.event_uids.includes(x.uid));
      const all = [open.alert.first_event_time, open.alert.last_event_time, ...fresh.map((x) => iso(x.time))].sort();
      const escalated = SEVERITY_RANK[severity] > SEVERITY_RANK[open.alert.severity];
      const a: Alert = {
        ...open.alert,
        severity: escalated ? severity : open.alert.severity,
        summary: escalated ? summary : open.alert.summary,
        count: open.alert.count + 1,
        first_event_time: all[0]!, last_event_time: all[all.length - 1]!,
        event_uids: [...open.alert.event_uids, ...fresh.map((x) => x.uid)].slice(0, MAX_EVIDENCE),
      };
      state.open[rule] = { alert: a, until: suppressUntil(a, o.settings) };
      (escalated ? out.raise : out.update).push(a);
      return;
    }
    const sorted = [...evidence].sort((a, b) => a.time - b.time);
    const first = iso(sorted[0]!.time);
    const a: Alert = {
      alert_id: createHash('sha256').update(`${rule}|${e.tenant}|${key}|${first}`).digest('hex').slice(0, 24),
      rule, severity, tenant: e.tenant, user: key,
      first_event_time: first, last_event_time: iso(sorted[sorted.length - 1]!.time),
      count: sorted.length, summary, event_uids: sorted.slice(0, MAX_EVIDENCE).map((x) => x.uid),
    };
    state.open[rule] = { alert: a, until: suppressUntil(a, o.settings) };
    out.raise.push(a);
  };

  /** Adds the event's occurrence to a signal (once) and returns it. */
  const record = (signal: Signal, extra: Partial<Occurrence> = {}): Occurrence => {
    const list = (state.occ[signal] ??= []);
    const have = list.find((x) => x.uid === uid);
    if (have) return have;
    const occ: Occurrence = { ...extra, uid, time: at };
    list.push(occ);
    return occ;
  };
  const within = (signal: Signal, from: number, to: number) => (state.occ[signal] ?? []).filter((x) => x.time >= from && x.time <= to);

  // The event's evidence: under each signal a rule it concerns keeps (once).
  for (const r of rules) if (r.records && (!r.records.when || r.records.when(e))) record(r.records.signal, r.records.withUser ? { user } : {});
  const mine: Occurrence = isSuccess(e) && o.scope === 'user'
    ? { uid, time: at, ...(e.src_ip ? { ip: e.src_ip } : {}), ...(e.factor ? { factor: e.factor } : {}) }
    : { uid, time: at };
  // A successful sign-in updates the user's profile: since when, and from which IPs.
  let learnedSince: number | null = null;
  if (isSuccess(e) && o.scope === 'user') {
    const p = (state.profile ??= { since: null, countries: {}, ips: {}, geo: [] });
    learnedSince = p.since;
    p.since = p.since === null ? at : Math.min(p.since, at);
    if (e.src_ip) {
      const seen = p.ips[e.src_ip];
      // Last use only moves by the day: routine sign-ins then need no state write.
      if (!seen) p.ips[e.src_ip] = [at, at];
      else if (at < seen[0]) seen[0] = at;
      else if (at - seen[1] > 86_400_000) seen[1] = at;
      const ips = Object.entries(p.ips);
      if (ips.length > 64) p.ips = Object.fromEntries(ips.sort((a, b) => b[1][1] - a[1][1]).slice(0, 64));
    }
  }
  const deferred: (() => void)[] = [];
  const base: Omit<RuleContext, 'emit'> = {
    event: e, uid, at, user, key, mine, state, learnedSince, within,
    window: (signal, minutes, byUser, around = at) => densestWindow(state.occ[signal] ?? [], around, minutes, byUser),
    record: (signal, extra) => record(signal, extra),
    ifWritten: (fn) => { deferred.push(fn); },
  };
  // One context for the event; `emit` names the rule that is running (no object per rule per event).
  let current: Rule = rules[0]!;
  const ctx: RuleContext = { ...base, emit: (severity, evidence, summary) => emit(current.id as RuleName, severity, evidence, summary) };
  const settingsOf = (r: Rule) => ruleSettings(o.settings, e.tenant, r.id as RuleName) as never;
  for (const r of rules) { current = r; r.step?.(ctx, settingsOf(r)); }
  // A success is kept only where late evidence could still pair with it (a rule says so).
  // Routine sign-ins from known places change nothing, so they cost no state write.
  if (isSuccess(e) && o.scope === 'user' && rules.some((r) => { current = r; return r.keepSuccess?.(ctx, settingsOf(r)); })) record('success', mine);
  return finish(o, state, out, before, at, deferred);
}

/**
 * Prunes evidence no window can reach any more, open alerts long expired and idle sessions. A
 * step that only pruned reports no change: the stale entries are out of every window, and the
 * next write drops them (so an event that adds nothing, e.g. a routine sign-in on an IP's state,
 * costs no write).
 */
function finish(o: { settings: AlertsConfig; event: AuthEvent }, state: KeyState, out: StepResult, before: string, at: number, deferred: readonly (() => void)[] = []): StepResult {
  // Nothing added: nothing to write, so nothing to prune either (the state is as it came).
  if (JSON.stringify(state) === before) return out;
  for (const fn of deferred) fn();
  const keep = keepMs(o.settings, o.event.tenant);
  let horizon = at;
  for (const list of Object.values(state.occ)) for (const x of list ?? []) horizon = Math.max(horizon, x.time);
  for (const [k, list] of Object.entries(state.occ) as [Signal, Occurrence[]][]) {
    const kept = list.filter((x) => x.time >= horizon - keep).sort((a, b) => a.time - b.time).slice(-MAX_OCCURRENCES);
    if (kept.length) state.occ[k] = kept;
    else delete state.occ[k];
  }
  for (const [k, a] of Object.entries(state.open) as [RuleName, OpenAlert][]) if (a.until < horizon - keep) delete state.open[k];
  if (state.sessions) {
    const last = (s: SessionSeen) => Math.max(...s.c.map((x) => x.l));
    const kept = Object.entries(state.sessions).filter(([, s]) => last(s) >= horizon - keep).sort((a, b) => last(b[1]) - last(a[1])).slice(0, MAX_SESSIONS);
    if (kept.length) state.sessions = Object.fromEntries(kept);
    else delete state.sessions;
  }
  out.json = JSON.stringify(state);
  out.changed = out.json !== before;
  return out;
}
