/**
 * The detector's pure core: given one new event, the user's recent matching events (any order,
 * possibly late) and the open alerts, decide which alerts to raise or update. Windows are over
 * `event_time`, so a late event counts in the window it belongs to; a redelivery (same
 * `event_uid`) never counts twice. Storage of the history and open alerts is the caller's.
 */
import { createHash } from 'node:crypto';
import type { AuthEvent } from '../event.ts';
import { ruleSettings, type AlertsConfig, type RuleName } from './settings.ts';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** CONTRACT §6. */
export interface Alert {
  alert_id: string;
  rule: RuleName;
  severity: Severity;
  tenant: string;
  user: string;
  first_event_time: string;
  last_event_time: string;
  count: number;
  summary: string;
  event_uids: string[];
}

interface RuleDef {
  readonly severity: Severity | ((e: AuthEvent) => Severity);
  readonly matches: (e: AuthEvent) => boolean;
  readonly summary: (n: number, minutes: number) => string;
}

const PUSH_DENIAL = (e: AuthEvent) => e.factor === 'push' && (e.outcome === 'denied' || (e.outcome === 'failure' && (e.category === 'mfa_verify' || e.category === 'mfa_challenge')));

export const RULES: Record<RuleName, RuleDef> = {
  mfa_fatigue: { severity: 'high', matches: PUSH_DENIAL, summary: (n, m) => `${n} denied or unanswered push prompts within ${m} min (MFA fatigue)` },
  brute_force: {
    severity: 'medium',
    matches: (e) => e.outcome === 'failure' && (e.category === 'login' || e.category === 'mfa_verify' || e.category === 'sso'),
    summary: (n, m) => `${n} failed sign-ins or MFA verifications within ${m} min`,
  },
  push_approved_after_denials: {
    severity: 'critical',
    matches: (e) => e.factor === 'push' && e.outcome === 'success' && (e.category === 'mfa_verify' || e.category === 'login' || e.category === 'sso'),
    summary: (n) => `a push was approved after ${n - 1} denied prompt(s): possible MFA-fatigue success`,
  },
  factor_change: {
    severity: (e) => (e.actor_id || e.actor_login ? 'high' : 'low'),
    matches: (e) => (e.category === 'factor_enroll' || e.category === 'factor_remove' || e.category === 'factor_reset') && e.outcome === 'success',
    summary: () => 'an MFA factor was enrolled, removed or reset',
  },
  bypass_code: { severity: 'high', matches: (e) => e.category === 'mfa_bypass' && e.outcome === 'success', summary: () => 'MFA bypass code used' },
  fraud_report: { severity: 'critical', matches: (e) => e.outcome === 'fraud', summary: () => 'the user reported an MFA prompt or sign-in as fraud' },
};

export const userOf = (e: AuthEvent) => (e.user_email ?? e.user_login ?? e.user_id)?.toLowerCase() ?? null;

export interface Occurrence { readonly uid: string; readonly time: number }

/** The largest set of occurrences inside any window of `minutes` that contains `at`. */
export function densestWindow(occ: readonly Occurrence[], at: number, minutes: number): Occurrence[] {
  const w = minutes * 60_000;
  const sorted = [...new Map(occ.map((o) => [o.uid, o])).values()].sort((a, b) => a.time - b.time);
  let best: Occurrence[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!.time;
    if (start > at || at - start > w) continue;
    const inside = sorted.filter((o) => o.time >= start && o.time <= start + w);
    if (inside.length > best.length) best = inside;
  }
  return best;
}

export interface OpenAlert { readonly alert: Alert; readonly until: number }

export interface Decision {
  /** New alerts to publish. */
  raise: Alert[];
  /** Open alerts whose count grew (suppressed: stored, not paged again). */
  update: Alert[];
}

/**
 * `history` holds the user's earlier matching occurrences per rule (from the state store);
 * `open` the open alert per rule. Returns what to raise or update; the caller stores the event's
 * occurrence and the alerts.
 */
export function evaluate(o: {
  event: AuthEvent;
  settings: AlertsConfig;
  history: Partial<Record<RuleName, readonly Occurrence[]>>;
  open: Partial<Record<RuleName, OpenAlert>>;
}): Decision {
  const e = o.event;
  const user = userOf(e);
  const out: Decision = { raise: [], update: [] };
  if (!user) return out;
  const at = Date.parse(e.event_time);
  for (const [name, rule] of Object.entries(RULES) as [RuleName, RuleDef][]) {
    const s = ruleSettings(o.settings, e.tenant, name);
    if (!s.enabled || !rule.matches(e)) continue;
    const mine = { uid: `${e.source_id}#${e.event_uid}`, time: at };
    const occ = [...(o.history[name] ?? []), mine];
    const open = o.open[name];
    if (open && at <= open.until) {
      if (open.alert.event_uids.includes(mine.uid)) continue; // a redelivery
      const a = open.alert;
      const times = [a.first_event_time, a.last_event_time, e.event_time].sort();
      out.update.push({ ...a, count: a.count + 1, first_event_time: times[0]!, last_event_time: times[times.length - 1]!, event_uids: [...a.event_uids, mine.uid] });
      continue;
    }
    let window: Occurrence[];
    if (name === 'push_approved_after_denials') {
      // The approval itself plus the denials (kept under mfa_fatigue) that came before it in the window.
      const denials = (o.history.mfa_fatigue ?? []).filter((d) => d.time <= at && at - d.time <= s.windowMinutes * 60_000);
      if (denials.length < s.threshold) continue;
      window = [...denials.sort((a, b) => a.time - b.time), mine];
    } else {
      window = densestWindow(occ, at, s.windowMinutes);
      if (!window.some((x) => x.uid === mine.uid) || window.length < s.threshold) continue;
    }
    const first = new Date(window[0]!.time).toISOString();
    const last = new Date(window[window.length - 1]!.time).toISOString();
    const alert_id = createHash('sha256').update(`${name}|${e.tenant}|${user}|${first}`).digest('hex').slice(0, 24);
    out.raise.push({
      alert_id, rule: name, severity: typeof rule.severity === 'function' ? rule.severity(e) : rule.severity, tenant: e.tenant, user, first_event_time: first, last_event_time: last,
      count: window.length, summary: rule.summary(window.length, s.windowMinutes), event_uids: window.map((x) => x.uid),
    });
  }
  return out;
}

/** How long a raised alert suppresses the next one (by event time). */
export const suppressUntil = (a: Alert, settings: AlertsConfig) => Date.parse(a.last_event_time) + settings.suppressionMinutes * 60_000;
