/**
 * The detector's pure core. `step()` takes one new event and the state of its key (one user of
 * one tenant, or the whole tenant for tenant-wide rules) and returns the alerts to raise or
 * update and the next state. Windows are over `event_time`, so a late event counts in the window
 * it belongs to, and pair rules ("denials, then an approval") are checked from either end, so
 * the order of arrival does not matter. An event already seen (a retried stream batch) changes
 * nothing. Storage of the state is the caller's (`adapters/detect-state.ts`).
 */
import { createHash } from 'node:crypto';
import type { AuthEvent } from '../event.ts';
import { ruleSettings, RULE_NAMES, type AlertsConfig, type RuleName } from './settings.ts';

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

/** `user` of tenant-wide alerts and the state key of tenant-wide rules. */
export const TENANT_WIDE = '*';

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

export type Signal = 'push_denial' | 'failure' | 'success' | 'factor_change' | 'lockout';

export interface OpenAlert { readonly alert: Alert; readonly until: number }

export interface KeyState {
  occ: Partial<Record<Signal, Occurrence[]>>;
  open: Partial<Record<RuleName, OpenAlert>>;
  profile?: Profile;
}

export const emptyState = (): KeyState => ({ occ: {}, open: {} });

// ---- what an event is ---------------------------------------------------------------------

const SIGN_IN = new Set(['login', 'sso', 'mfa_verify']);
const isPushDenial = (e: AuthEvent) => e.factor === 'push' && (e.outcome === 'denied' || (e.outcome === 'failure' && (e.category === 'mfa_verify' || e.category === 'mfa_challenge')));
const isFailure = (e: AuthEvent) => e.outcome === 'failure' && !!e.category && SIGN_IN.has(e.category);
const isSuccess = (e: AuthEvent) => e.outcome === 'success' && !!e.category && SIGN_IN.has(e.category);
const isFactorChange = (e: AuthEvent) => (e.category === 'factor_enroll' || e.category === 'factor_remove' || e.category === 'factor_reset') && e.outcome === 'success';
const isBypass = (e: AuthEvent) => e.category === 'mfa_bypass' && e.outcome === 'success';
const isFraud = (e: AuthEvent) => e.outcome === 'fraud';
const isLockout = (e: AuthEvent) => e.category === 'lockout' && e.outcome !== 'error';

/**
 * A sign-in authtrail knows went without MFA (`mfa_required_app`). `is_mfa` null never counts:
 * the vendor did not say, or (factor `external_idp`) the sign-in was federated and its MFA was
 * decided at the identity provider, which logs it in its own events; the AWS console's
 * `MFAUsed: No` for a SAML or Identity Center session is that case. An MFA verification is part
 * of a sign-in, never one without MFA.
 */
export const withoutMfa = (e: AuthEvent) => e.is_mfa === false && e.category !== 'mfa_verify';

export const userOf = (e: AuthEvent) => (e.user_email ?? e.user_login ?? e.user_id)?.toLowerCase() ?? null;

/** Whether the event can matter to its user's rules (others are skipped without a state read). */
export const concernsUser = (e: AuthEvent) =>
  !!userOf(e) && (isPushDenial(e) || isFailure(e) || isSuccess(e) || isFactorChange(e) || isBypass(e) || isFraud(e));
/** Whether the event can matter to its tenant's tenant-wide rules. */
export const concernsTenant = (e: AuthEvent) => !!userOf(e) && isLockout(e);

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

const distinctUsers = (w: readonly Occurrence[]) => new Set(w.map((o) => o.user)).size;

/** An alert lists at most this many events; `count` goes on counting. */
export const MAX_EVIDENCE = 100;
/** Evidence kept per signal and key (the newest): bounds the state item and the work per event. */
export const MAX_OCCURRENCES = 500;

/** Great-circle distance in km (haversine, mean Earth radius). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

// ---- the step -----------------------------------------------------------------------------

export interface StepResult {
  state: KeyState;
  /** Alerts to publish: new ones, and open ones whose severity rose. */
  raise: Alert[];
  /** Open alerts whose count grew (suppressed: stored, not paged again). */
  update: Alert[];
  /** Whether `state` differs from the input (the caller may skip the write). */
  changed: boolean;
}

const iso = (t: number) => new Date(t).toISOString();
const minutesMs = (m: number) => m * 60_000;

/** The longest window any windowed rule of the tenant uses: evidence is kept twice as long. */
export function keepMs(settings: AlertsConfig, tenant: string): number {
  const r = (n: RuleName) => ruleSettings(settings, tenant, n) as { windowMinutes?: number };
  const windows = RULE_NAMES.filter((n) => n !== 'impossible_travel').map((n) => r(n).windowMinutes ?? 0);
  return 2 * minutesMs(Math.max(1, ...windows));
}

/** How long a raised alert suppresses the next one of its rule and key (by event time). */
export const suppressUntil = (a: Alert, settings: AlertsConfig) => Date.parse(a.last_event_time) + minutesMs(settings.suppressionMinutes);

export function step(o: { event: AuthEvent; settings: AlertsConfig; state: KeyState; scope: 'user' | 'tenant' }): StepResult {
  const e = o.event;
  const before = JSON.stringify(o.state);
  const state: KeyState = structuredClone(o.state);
  const user = userOf(e);
  const out: StepResult = { state, raise: [], update: [], changed: false };
  if (!user) return out;
  const at = Date.parse(e.event_time);
  const uid = `${e.source_id}#${e.event_uid}`;
  const s = <K extends RuleName>(name: K) => ruleSettings(o.settings, e.tenant, name);
  const key = o.scope === 'tenant' ? TENANT_WIDE : user;
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

  if (o.scope === 'tenant') {
    const r = s('lockout_burst');
    if (isLockout(e)) {
      record('lockout', { user });
      const w = densestWindow(state.occ.lockout ?? [], at, r.windowMinutes, true);
      const users = distinctUsers(w);
      if (r.enabled && w.some((x) => x.uid === uid) && users >= r.threshold) {
        emit('lockout_burst', 'high', w, `${users} users locked out within ${r.windowMinutes} min across the tenant (password spraying?)`);
      }
    }
    return finish(o, state, out, before, at);
  }

  // Windowed counts for one user.
  if (isPushDenial(e)) {
    const mine = record('push_denial');
    const r = s('mfa_fatigue');
    const w = densestWindow(state.occ.push_denial ?? [], at, r.windowMinutes);
    if (r.enabled && w.some((x) => x.uid === uid) && w.length >= r.threshold) {
      emit('mfa_fatigue', 'high', w, `${w.length} denied or unanswered push prompts within ${r.windowMinutes} min (MFA fatigue)`);
    }
    afterRun('push_approved_after_denials', 'push_denial', mine);
  }
  if (isFailure(e)) {
    const mine = record('failure');
    const r = s('brute_force');
    const w = densestWindow(state.occ.failure ?? [], at, r.windowMinutes);
    if (r.enabled && w.some((x) => x.uid === uid) && w.length >= r.threshold) {
      emit('brute_force', 'medium', w, `${w.length} failed sign-ins or MFA verifications within ${r.windowMinutes} min`);
    }
    afterRun('success_after_failures', 'failure', mine);
  }
  if (isSuccess(e)) {
    const mine: Occurrence = { uid, time: at, ...(e.src_ip ? { ip: e.src_ip } : {}), ...(e.factor ? { factor: e.factor } : {}) };
    afterRun('push_approved_after_denials', 'push_denial', mine);
    afterRun('success_after_failures', 'failure', mine);
    signIn(mine);
    // A success is kept only where late evidence could still pair with it: a run already under
    // way before it, or the first sign-in from an IP (the one a late factor change pairs with).
    // Routine sign-ins from known places change nothing, so they cost no state write.
    const runBefore = (sig: Signal, rule: 'push_approved_after_denials' | 'success_after_failures') =>
      within(sig, at - minutesMs(s(rule).windowMinutes), at).length > 0;
    const freshIp = !!e.src_ip && state.profile?.ips[e.src_ip]?.[0] === at;
    if (runBefore('push_denial', 'push_approved_after_denials') || runBefore('failure', 'success_after_failures') || freshIp) record('success', mine);
  }
  if (isFactorChange(e)) {
    const mine = record('factor_change');
    const admin = !!(e.actor_id || e.actor_login);
    if (s('factor_change').enabled) {
      emit('factor_change', admin ? 'high' : 'low', [mine], admin
        ? `an admin (${e.actor_login ?? e.actor_id}) ${verb(e)} an MFA factor of this user${e.factor ? ` (${e.factor})` : ''}`
        : `the user ${verb(e)} an MFA factor${e.factor ? ` (${e.factor})` : ''}`);
    }
    newIpAfterChange([mine], within('success', at, at + minutesMs(s('factor_change_new_ip').windowMinutes)));
  }
  if (isBypass(e) && s('bypass_code').enabled) emit('bypass_code', 'high', [{ uid, time: at }], 'an MFA bypass code was used');
  if (isFraud(e) && s('fraud_report').enabled) emit('fraud_report', 'critical', [{ uid, time: at }], 'the user reported an MFA prompt or sign-in as fraud');
  return finish(o, state, out, before, at);

  /**
   * "A run, then a success": the success (this event, or, when this event is a late member of
   * the run, a recorded success up to a window after it) preceded within the window by at least
   * `threshold` run events.
   */
  function afterRun(rule: 'push_approved_after_denials' | 'success_after_failures', run: Signal, mine: Occurrence) {
    const r = s(rule);
    if (!r.enabled) return;
    const W = minutesMs(r.windowMinutes);
    const push = rule === 'push_approved_after_denials';
    const successes = (mine.uid === uid && isSuccess(e) ? [mine] : within('success', at, at + W))
      .filter((x) => !push || x.factor === 'push');
    for (const ok of successes) {
      const before = within(run, ok.time - W, ok.time).filter((x) => x.uid !== ok.uid);
      if (before.length < r.threshold) continue;
      emit(rule, push ? 'critical' : 'medium', [...before, ok], push
        ? `a push was approved after ${before.length} denied or unanswered prompt(s) within ${r.windowMinutes} min: possible MFA-fatigue success`
        : `a successful sign-in after ${before.length} failures within ${r.windowMinutes} min: the guessing may have worked`);
      return;
    }
  }

  /** A factor change, then within the window a sign-in from an IP first used after the change. */
  function newIpAfterChange(changes: readonly Occurrence[], successes: readonly Occurrence[]) {
    const r = s('factor_change_new_ip');
    const p = state.profile;
    if (!r.enabled || !p) return;
    for (const c of changes) {
      const knewBefore = Object.values(p.ips).some(([first]) => first < c.time);
      if (!knewBefore) continue; // a new user's first IP is not news
      for (const ok of successes) {
        const first = ok.ip ? p.ips[ok.ip]?.[0] : undefined;
        if (first === undefined || first <= c.time || ok.time < c.time || ok.time - c.time > minutesMs(r.windowMinutes)) continue;
        emit('factor_change_new_ip', 'high', [c, ok], `an MFA factor change was followed within ${Math.round((ok.time - c.time) / 60_000)} min by a sign-in from a new IP (${ok.ip})`);
        return;
      }
    }
  }

  /** Profile rules of a successful sign-in: new IP after a factor change, new country, travel, app policy. */
  function signIn(mine: Occurrence) {
    const p = (state.profile ??= { since: null, countries: {}, ips: {}, geo: [] });
    const learnedSince = p.since;
    p.since = p.since === null ? at : Math.min(p.since, at);
    if (e.src_ip) {
      const seen = p.ips[e.src_ip];
      // Last use only moves by the day: routine sign-ins then need no state write.
      if (!seen) p.ips[e.src_ip] = [at, at];
      else if (at < seen[0]) seen[0] = at;
      else if (at - seen[1] > 86_400_000) seen[1] = at;
      const ips = Object.entries(p.ips);
      if (ips.length > 64) p.ips = Object.fromEntries(ips.sort((a, b) => b[1][1] - a[1][1]).slice(0, 64));
      const W = minutesMs(s('factor_change_new_ip').windowMinutes);
      newIpAfterChange(within('factor_change', at - W, at), [mine]);
    }
    if (e.geo_country) {
      const first = p.countries[e.geo_country];
      const r = s('new_country');
      if (first === undefined) {
        p.countries[e.geo_country] = at;
        if (r.enabled && learnedSince !== null && at - learnedSince >= r.learningDays * 86_400_000) {
          emit('new_country', 'medium', [mine], `a sign-in from ${e.geo_country}, a country never seen for this user${e.src_ip ? ` (IP ${e.src_ip})` : ''}`);
        }
      } else if (at < first) p.countries[e.geo_country] = at;
    }
    if (e.geo_lat !== null && e.geo_lon !== null) travel(p, mine, { lat: e.geo_lat, lon: e.geo_lon });
    const app = s('mfa_required_app');
    if (app.enabled && withoutMfa(e) && app.apps.length) {
      const names = new Set(app.apps.map((x) => x.toLowerCase()));
      const hit = [e.app_id, e.app_name].find((x) => x && names.has(x.toLowerCase()));
      if (hit) emit('mfa_required_app', 'high', [mine], `a sign-in without MFA to ${e.app_name ?? e.app_id}, which the tenant marks as MFA-required`);
    }
  }

  function travel(p: Profile, mine: Occurrence, here: { lat: number; lon: number }) {
    const r = s('impossible_travel');
    if (p.geo.some((g) => g.uid === uid)) return;
    const W = minutesMs(r.windowMinutes);
    const earlier = p.geo.filter((g) => g.time <= at).at(-1);
    const later = p.geo.find((g) => g.time > at);
    // A sign-in within an hour and 25 km of a kept one adds nothing (no state write): speeds
    // are then measured from a point at most an hour staler, which still catches any trip
    // faster than `speedKmh` that is not within an hour of the threshold.
    const redundant = p.geo.some((g) => Math.abs(g.time - at) <= 3_600_000 && distanceKm(g, here) <= 25);
    if (!redundant) {
      p.geo.push({ uid, time: at, lat: here.lat, lon: here.lon, country: e.geo_country });
      p.geo.sort((a, b) => a.time - b.time);
      const newest = p.geo[p.geo.length - 1]!.time;
      p.geo = p.geo.filter((g) => g.time >= newest - W).slice(-32);
    }
    if (!r.enabled) return;
    for (const n of [earlier, later]) {
      if (!n || Math.abs(n.time - at) > W) continue;
      const km = distanceKm(n, here);
      const hours = Math.abs(n.time - at) / 3_600_000;
      const kmh = hours > 0 ? km / hours : Number.POSITIVE_INFINITY;
      if (km < r.minDistanceKm || kmh <= r.speedKmh) continue;
      const [from, to] = n.time <= at ? [n.country, e.geo_country] : [e.geo_country, n.country];
      emit('impossible_travel', 'high', [{ uid: n.uid, time: n.time }, mine],
        `consecutive sign-ins ${Math.round(km)} km apart in ${Math.round(hours * 60)} min (${Number.isFinite(kmh) ? `${Math.round(kmh)} km/h` : 'at the same time'})${from && to ? `: ${from} → ${to}` : ''}`);
      return;
    }
  }
}

const verb = (e: AuthEvent) => (e.category === 'factor_enroll' ? 'enrolled' : e.category === 'factor_remove' ? 'removed' : 'reset');

/** Prunes evidence no window can reach any more and open alerts long expired. */
function finish(o: { settings: AlertsConfig; event: AuthEvent }, state: KeyState, out: StepResult, before: string, at: number): StepResult {
  const keep = keepMs(o.settings, o.event.tenant);
  let horizon = at;
  for (const list of Object.values(state.occ)) for (const x of list ?? []) horizon = Math.max(horizon, x.time);
  for (const [k, list] of Object.entries(state.occ) as [Signal, Occurrence[]][]) {
    const kept = list.filter((x) => x.time >= horizon - keep).sort((a, b) => a.time - b.time).slice(-MAX_OCCURRENCES);
    if (kept.length) state.occ[k] = kept;
    else delete state.occ[k];
  }
  for (const [k, a] of Object.entries(state.open) as [RuleName, OpenAlert][]) if (a.until < horizon - keep) delete state.open[k];
  out.changed = JSON.stringify(state) !== before;
  return out;
}

/**
 * Feed silence: a source that delivered events (last stored at `lastIngest`) has been silent
 * for longer than its gap. One alert per silence: the id derives from the last delivery.
 */
export function feedSilence(o: {
  tenant: string; sourceId: string; gapMinutes: number; now: number;
  lastIngest: number; lastEventTime: number; lastUid: string | null;
}): Alert | null {
  const silent = o.now - o.lastIngest;
  if (silent <= minutesMs(o.gapMinutes)) return null;
  return {
    alert_id: createHash('sha256').update(`feed_silence|${o.tenant}|${o.sourceId}|${o.lastIngest}`).digest('hex').slice(0, 24),
    rule: 'feed_silence', severity: 'medium', tenant: o.tenant, user: TENANT_WIDE,
    first_event_time: iso(o.lastEventTime), last_event_time: iso(o.lastEventTime), count: 1,
    summary: `source ${o.sourceId} delivered no events for ${Math.round(silent / 60_000)} min (expected gap ${o.gapMinutes} min); last event stored ${iso(o.lastIngest)}`,
    event_uids: o.lastUid ? [o.lastUid] : [],
  };
}
