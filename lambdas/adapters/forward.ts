/**
 * SIEM forwarding, the I/O part: a batch of new events → each tenant's destinations, through the
 * shared retrying HTTP client (adapters/http.ts: a timeout per request, 429 with Retry-After, 5xx
 * and network errors retried with backoff and jitter). Each event goes only to its own tenant's
 * destinations. Destinations are sent to in parallel, each one's batches in order, so that a
 * failure says exactly how far that destination got: the stream consumer resumes from the
 * earliest event any destination still lacks (at least once; what another destination already
 * took is sent to it again).
 */
import { randomUUID } from 'node:crypto';
import type { Config, ForwardDestination } from '../core/config.ts';
import { forwardId } from '../core/config-lookup.ts';
import type { AuthEvent } from '../core/event.ts';
import { batches, forwardRequest, prepare, verdict } from '../core/forward.ts';
import type { HttpFetch } from '../core/pull.ts';

export class ForwardError extends Error {
  override name = 'ForwardError';
}

/** A token's value (inline locally, Secrets Manager in AWS), and a fresh read after a 401/403. */
export interface TokenSource {
  (ref: { value?: string | undefined; arn?: string | undefined }): Promise<string>;
  refresh?(ref: { arn?: string | undefined }): Promise<readonly string[] | null>;
}

export interface ForwarderDeps {
  readonly config: Pick<Config, 'tenants'>;
  readonly http: HttpFetch;
  readonly tokens: TokenSource;
  /** HEC's request channel (one per process: see core/forward.ts). */
  readonly channel?: string;
}

export interface DestinationResult {
  readonly tenant: string;
  readonly destination: string;
  readonly events: number;
  readonly sent: number;
  readonly requests: number;
  readonly skipped: Record<string, number>;
  readonly trimmed: number;
  /** Set when the destination failed: the index (into the input) of the first event it still lacks, and why. */
  readonly failedAt?: number;
  readonly error?: string;
}

export interface ForwardResult {
  readonly destinations: DestinationResult[];
  /** The earliest input index some destination still lacks; undefined when every destination took everything. */
  readonly failedAt?: number;
}

const tokenRef = (d: ForwardDestination) => ({ value: d.token, arn: d.tokenSecretArn ?? d.tokenSecretName });
const hasToken = (d: ForwardDestination) => d.token !== undefined || d.tokenSecretArn !== undefined || d.tokenSecretName !== undefined;

export function forwarder(deps: ForwarderDeps) {
  const channel = deps.channel ?? randomUUID();
  const byTenant = new Map(deps.config.tenants.filter((t) => t.forward?.length).map((t) => [t.id, t.forward!]));

  async function post(d: ForwardDestination, token: string | undefined, body: string) {
    const req = forwardRequest(d, token, channel);
    const res = await deps.http(req.url, { method: 'POST', headers: req.headers, body });
    return verdict(d, res.status, await res.text());
  }

  /** One destination: its tenant's events (`positions` maps them back to the input), batch after batch. */
  async function toDestination(tenant: string, d: ForwardDestination, events: AuthEvent[], positions: number[]): Promise<DestinationResult> {
    const p = prepare(events, d);
    const base = { tenant, destination: forwardId(d), events: events.length, skipped: p.skipped, trimmed: p.trimmed };
    let sent = 0;
    let requests = 0;
    const plan = batches(p.records, d);
    for (const b of plan) {
      try {
        let token = hasToken(d) ? await deps.tokens(tokenRef(d)) : undefined;
        let v = await post(d, token, b.body);
        requests++;
        if (v.kind === 'auth' && d.token === undefined && deps.tokens.refresh) {
          // The operator may have just put the right token into Secrets Manager: read it again once.
          const fresh = await deps.tokens.refresh({ arn: tokenRef(d).arn });
          if (fresh?.[0] !== undefined && fresh[0] !== token) {
            token = fresh[0];
            v = await post(d, token, b.body);
            requests++;
          }
        }
        if (v.kind !== 'ok') throw new ForwardError(v.message);
        sent += b.records.length;
      } catch (err) {
        // `positions` of the batch's first record: everything before it reached this destination.
        return { ...base, sent, requests, failedAt: positions[b.records[0]!.index]!, error: err instanceof ForwardError ? err.message : `forward to ${forwardId(d)} (${new URL(d.url).host}): ${(err as Error).message}` };
      }
    }
    return { ...base, sent, requests };
  }

  return {
    /** Whether a tenant forwards anywhere (the stream filter and the local consumer take only those). */
    forwards: (tenant: string) => byTenant.has(tenant),
    async forward(events: readonly AuthEvent[]): Promise<ForwardResult> {
      const perTenant = new Map<string, { events: AuthEvent[]; positions: number[] }>();
      events.forEach((e, i) => {
        if (!byTenant.has(e.tenant)) return;
        const g = perTenant.get(e.tenant) ?? { events: [], positions: [] };
        g.events.push(e);
        g.positions.push(i);
        perTenant.set(e.tenant, g);
      });
      const jobs = [...perTenant].flatMap(([tenant, g]) => byTenant.get(tenant)!.map((d) => toDestination(tenant, d, g.events, g.positions)));
      const destinations = await Promise.all(jobs);
      const failed = destinations.flatMap((r) => (r.failedAt !== undefined ? [r.failedAt] : []));
      return { destinations, ...(failed.length ? { failedAt: Math.min(...failed) } : {}) };
    },
  };
}
