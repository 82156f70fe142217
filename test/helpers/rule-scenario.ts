/**
 * A detection rule's scenario (`lambdas/core/detect/rules/<rule>/scenario.ts`): the attack as the
 * vendor sends it, the closest sequence that must stay silent, and the one alert the attack
 * raises. The end-to-end test posts every rule's scenario through the local collector
 * (`authtrail dev`, as `npm start` runs it), and `bench/detect.ts` injects the attacks, normalized,
 * into its synthetic day. A rule without a scenario file is named by the test.
 */
import type { Severity } from '../../lambdas/core/detect/engine.ts';
import type { RuleName } from '../../lambdas/core/detect/settings.ts';
import { readdirSync, readFileSync } from 'node:fs';
import type { AuthEvent, SourceKind } from '../../lambdas/core/event.ts';
import { normalizerFor } from '../../lambdas/sources/index.ts';

export interface RuleScenario {
  /** The rule it proves. */
  readonly rule: RuleName;
  /** The source kind whose vendor-shaped events it posts (`POST /v1/ingest/<source id>`, a JSON array of the vendor's events). */
  readonly kind: SourceKind;
  /** The rule's settings for the scenario's tenant, only where the defaults cannot fire (e.g. `mfa_required_app`'s `apps`). */
  readonly settings?: Record<string, unknown>;
  /**
   * What the rule must have learned before either sequence (a user's usual country or IP), sent
   * and processed first. The stream reads different days and write shards in no set order, so a
   * profile that the attack is judged against cannot arrive in the same batch as the attack.
   */
  history?(t0: number): readonly unknown[];
  /** The attack, as the vendor sends it, starting at `t0` (ms since the epoch), in posting order. */
  attack(t0: number): readonly unknown[];
  /** The closest sequence that must stay silent (one event short, outside the window, another user …), starting at `t0`. */
  nearMiss(t0: number): readonly unknown[];
  /** The one alert the attack raises. */
  readonly expect: { readonly user: string; readonly severity: Severity };
}

export const defineScenario = (s: RuleScenario) => s;

/** The scenario file of a rule (null when the rule has none). */
export async function scenarioOf(rule: string): Promise<RuleScenario | null> {
  try {
    return ((await import(`../../lambdas/core/detect/rules/${rule}/scenario.ts`)) as { default: RuleScenario }).default;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(`${rule}/scenario.ts`)) return null;
    throw err;
  }
}

/**
 * A scenario's vendor events through the real normalizer, as the intake stores them for one
 * source of one tenant (`ingest_time`: when they were stored). Throws on an event the normalizer
 * quarantines: a scenario is made of events the vendor really sends.
 */
export function normalized(kind: SourceKind, vendorEvents: readonly unknown[], where: { tenant: string; sourceId: string; ingestTime: string }): AuthEvent[] {
  const n = normalizerFor(kind);
  if (!n) throw new Error(`no normalizer for ${kind}`);
  return vendorEvents.flatMap((v) => n.unwrap(v)).map((item) => {
    const r = n.normalize(item);
    if (r.kind !== 'event') throw new Error(`${kind} event not normalized: ${JSON.stringify(r).slice(0, 300)}`);
    return { ...r.event, tenant: where.tenant, source_id: where.sourceId, source: kind, ingest_time: where.ingestTime };
  });
}

/**
 * For each vendor with fixtures (test/fixtures/<kind>/), the first fixture event that its real
 * normalizer turns into an event matching `which`, with the file it came from: what a rule's
 * tests use to show that every vendor whose mapping produces the rule's events reaches it.
 */
export function vendorEvents(which: (e: AuthEvent) => boolean, where = { tenant: 'acme', ingestTime: '2026-11-22T12:00:00.000Z' }): { kind: SourceKind; file: string; event: AuthEvent }[] {
  const root = new URL('../fixtures/', import.meta.url);
  const out: { kind: SourceKind; file: string; event: AuthEvent }[] = [];
  for (const dir of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const n = normalizerFor(dir as SourceKind);
    if (!n) continue;
    const files = readdirSync(new URL(`${dir}/`, root)).filter((f) => f.endsWith('.json') && f !== 'expected.json' && f !== 'truth.json').sort();
    found: for (const file of files) {
      let items: unknown[];
      try {
        items = n.unwrap(JSON.parse(readFileSync(new URL(`${dir}/${file}`, root), 'utf8')));
      } catch {
        continue; // not a body this vendor delivers (e.g. an API page of another shape)
      }
      for (const item of items) {
        const r = n.normalize(item);
        if (r.kind !== 'event') continue;
        const event: AuthEvent = { ...r.event, tenant: where.tenant, source_id: `${where.tenant}-${dir}`, source: n.kind, ingest_time: where.ingestTime };
        if (which(event)) { out.push({ kind: n.kind, file: `${dir}/${file}`, event }); break found; }
      }
    }
  }
  return out;
}

// ---- vendor-shaped events for scenarios -----------------------------------------------------

/** A place an Okta event comes from (`client.geographicalContext`). */
export interface Place { readonly city: string; readonly state: string; readonly country: string; readonly lat: number; readonly lon: number }
export const BERLIN: Place = { city: 'Berlin', state: 'Land Berlin', country: 'Germany', lat: 52.5244, lon: 13.4105 };
export const TOKYO: Place = { city: 'Tokyo', state: 'Tokyo', country: 'Japan', lat: 35.6895, lon: 139.6917 };

const MINUTE = 60_000;
/** `t0` plus `minutes`, as Okta's `published`. */
export const published = (t0: number, minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();

const person = (login: string) => ({
  id: `00u${Buffer.from(login).toString('hex').slice(0, 17).padEnd(17, '0')}`, type: 'User', alternateId: login,
  displayName: login.split('@')[0]!.replace(/^./, (c) => c.toUpperCase()),
});

/**
 * One Okta System Log event (LogEvent) as an Event Hook or the System Log API delivers it, in
 * the shape of test/fixtures/okta/event-hook.json: `user` is the actor, or with `admin` the
 * target the admin acted on; `factor` is Classic Engine's `debugData.factor`.
 */
export function oktaEvent(o: {
  uuid: string; published: string; eventType: string; user: string; displayMessage: string;
  result?: 'SUCCESS' | 'FAILURE' | 'ALLOW' | 'DENY'; reason?: string | null; legacyEventType?: string;
  factor?: string; admin?: string; app?: string; ip?: string; place?: Place; session?: string; debug?: Record<string, unknown>;
  /** The actor is Okta itself (`SystemPrincipal`, e.g. a self-service reset completing), the user its target. */
  system?: boolean;
  /** The user is the target too (e.g. a reset e-mail the user asked for). */
  selfTarget?: boolean;
}): Record<string, unknown> {
  const place = o.place ?? BERLIN;
  const target: Record<string, unknown>[] = [];
  if (o.admin || o.system || o.selfTarget) target.push(person(o.user));
  if (o.app) target.push({ id: `0oa${o.app.toLowerCase().replace(/[^a-z0-9]/g, '')}`.padEnd(20, '0'), type: 'AppInstance', alternateId: o.app, displayName: o.app, detailEntry: null });
  return {
    uuid: o.uuid, published: o.published, eventType: o.eventType, version: '0',
    severity: o.result === 'FAILURE' || o.result === 'DENY' ? 'WARN' : 'INFO',
    displayMessage: o.displayMessage,
    ...(o.legacyEventType ? { legacyEventType: o.legacyEventType } : {}),
    actor: o.system ? { id: '0oa1oktasystem000001', type: 'SystemPrincipal', alternateId: 'system@okta.com', displayName: 'Okta System', detailEntry: null } : person(o.admin ?? o.user),
    client: {
      userAgent: { rawUserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15', os: 'Mac OS X', browser: 'SAFARI' },
      zone: 'null', device: 'Computer', id: null, ipAddress: o.ip ?? '198.51.100.23',
      geographicalContext: { city: place.city, state: place.state, country: place.country, postalCode: null, geolocation: { lat: place.lat, lon: place.lon } },
    },
    outcome: { result: o.result ?? 'SUCCESS', reason: o.reason ?? null },
    authenticationContext: { authenticationProvider: null, credentialProvider: 'OKTA_CREDENTIAL_PROVIDER', credentialType: null, issuer: null, interface: null, authenticationStep: 0, externalSessionId: o.session ?? `102sess${o.uuid.replace(/[^a-z0-9]/gi, '').slice(-12)}` },
    securityContext: { asNumber: 64496, asOrg: 'example isp', isp: 'example isp', domain: 'example.com', isProxy: false },
    debugContext: { debugData: { ...(o.factor ? { factor: o.factor } : {}), ...o.debug } },
    transaction: { type: 'WEB', id: `Ytxn${o.uuid.replace(/[^a-z0-9]/gi, '').slice(-12)}`, detail: {} },
    request: { ipChain: [{ ip: o.ip ?? '198.51.100.23', version: 'V4', source: null, geographicalContext: { city: place.city, state: place.state, country: place.country } }] },
    target,
  };
}

/** Okta's Classic Engine events a scenario is made of. */
export const okta = {
  /** A password sign-in (`user.session.start`). */
  signIn: (uuid: string, at: string, user: string, o: { result?: 'SUCCESS' | 'FAILURE'; ip?: string; place?: Place } = {}) => oktaEvent({
    uuid, published: at, eventType: 'user.session.start', user, displayMessage: 'User login to Okta', result: o.result ?? 'SUCCESS',
    reason: o.result === 'FAILURE' ? 'INVALID_CREDENTIALS' : null, legacyEventType: o.result === 'FAILURE' ? 'core.user_auth.login_failed' : 'core.user_auth.login_success',
    ...(o.ip ? { ip: o.ip } : {}), ...(o.place ? { place: o.place } : {}),
  }),
  /** A second factor verified or failed (`user.authentication.auth_via_mfa`). */
  mfa: (uuid: string, at: string, user: string, factor: string, o: { result?: 'SUCCESS' | 'FAILURE'; ip?: string; place?: Place } = {}) => oktaEvent({
    uuid, published: at, eventType: 'user.authentication.auth_via_mfa', user, displayMessage: 'Authentication of user via MFA', factor,
    result: o.result ?? 'SUCCESS', reason: o.result === 'FAILURE' ? 'INVALID_CREDENTIALS' : null,
    legacyEventType: o.result === 'FAILURE' ? 'core.user.factor.attempt_fail' : 'core.user.factor.attempt_success',
    ...(o.ip ? { ip: o.ip } : {}), ...(o.place ? { place: o.place } : {}),
  }),
  /** A push the user rejected. */
  denyPush: (uuid: string, at: string, user: string) => oktaEvent({
    uuid, published: at, eventType: 'user.mfa.okta_verify.deny_push', user, displayMessage: 'User rejected Okta push verify',
    result: 'FAILURE', reason: 'User rejected Okta push verify', legacyEventType: 'core.user.factor.attempt_fail', factor: 'OKTA_VERIFY_PUSH', ip: '203.0.113.9',
  }),
};

/** An Okta System Log event (LogEvent) as an Event Hook delivers it, `minutes` after `t0`: `actor` acts, on `target` (admin, policy and risk scenarios). */
export const oktaAdmin = (t0: number, minutes: number, o: { uuid: string; eventType: string; displayMessage: string; actor: string; target?: Record<string, unknown>[];
  result?: string; debug?: Record<string, unknown>; isProxy?: boolean; ip?: string }) => ({
  uuid: o.uuid, published: new Date(t0 + minutes * 60_000).toISOString(), eventType: o.eventType, version: '0', severity: 'INFO', displayMessage: o.displayMessage,
  actor: { id: `00u${o.actor.replace(/[^a-z]/g, '').slice(0, 17).padEnd(17, '0')}`, type: 'User', alternateId: o.actor, displayName: o.actor.split('@')[0] },
  client: { ipAddress: o.ip ?? '198.51.100.88', userAgent: { rawUserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', os: 'Windows 10', browser: 'CHROME' }, zone: 'null', device: 'Computer',
    geographicalContext: { city: 'Amsterdam', state: 'North Holland', country: 'Netherlands', postalCode: null, geolocation: { lat: 52.374, lon: 4.8897 } } },
  outcome: { result: o.result ?? 'SUCCESS', reason: null },
  target: o.target ?? [],
  authenticationContext: { authenticationStep: 0, externalSessionId: `102${o.uuid.replace(/[^a-z0-9]/gi, '').slice(-12)}` },
  securityContext: { asNumber: 64500, asOrg: 'example transit', isp: 'example transit', domain: 'example.net', isProxy: o.isProxy ?? false },
  debugContext: { debugData: { requestId: `req${o.uuid}`, ...o.debug } },
  transaction: { type: 'WEB', id: `txn${o.uuid}`, detail: {} },
});
