/**
 * Synthetic Okta traffic for the archive and compaction benches: the Okta fixtures (event hook
 * and System Log page) normalized, with ids, users, addresses, transactions and sessions varied
 * per event, so every `event_uid` is unique and the Parquet compresses like real traffic. A
 * deterministic PRNG keeps runs comparable.
 */
import type { AuthEvent } from '../lambdas/core/event.ts';
import { normalizerFor } from '../lambdas/sources/index.ts';
import { fixture } from '../test/helpers/fixtures.ts';

/** A maker of the `i`-th synthetic event, published at `publishedMs`, stored for `tenant` 1.5 s later (null: it did not normalize). */
export function oktaEventMaker(): (i: number, publishedMs: number, tenant: string) => AuthEvent | null {
  const okta = normalizerFor('okta')!;
  const pool = [...fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events, ...fixture<Record<string, unknown>[]>('okta/api-page.json')];
  // Real events differ in their ids (transactions, sessions).
  let seed = 42;
  const rand = (len: number) => Array.from({ length: len }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 36).toString(36)).join('');
  return (i, publishedMs, tenant) => {
    const base = structuredClone(pool[i % pool.length]!);
    base['uuid'] = `bench-${i.toString(36)}-${(i * 7919).toString(36)}`;
    base['published'] = new Date(publishedMs).toISOString();
    (base['actor'] as Record<string, unknown>)['alternateId'] = `user${i % 997}@example.com`;
    (base['actor'] as Record<string, unknown>)['id'] = `00u${(i % 997).toString(36).padStart(17, '0')}`;
    (base['client'] as Record<string, unknown>)['ipAddress'] = `198.51.100.${i % 250}`;
    base['transaction'] = { type: 'WEB', id: rand(20), detail: {} };
    base['authenticationContext'] = { ...(base['authenticationContext'] as object ?? {}), externalSessionId: `102${rand(21)}` };
    const r = okta.normalize(base);
    return r.kind === 'event' ? { ...r.event, tenant, source_id: `${tenant}-okta`, source: 'okta', ingest_time: new Date(publishedMs + 1500).toISOString() } : null;
  };
}
