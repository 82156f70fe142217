import type { AuthEvent } from '../../lambdas/core/event.ts';
import type { HotStore, QuarantineRecord, QuarantineSink } from '../../lambdas/core/ingest.ts';

/** An in-memory hot store with the same idempotency contract as the DynamoDB adapter. */
export function memoryStore(): HotStore & { items: Map<string, AuthEvent>; failNext?: Error } {
  const items = new Map<string, AuthEvent>();
  const store = {
    items,
    failNext: undefined as Error | undefined,
    async putNew(events: readonly AuthEvent[]) {
      if (store.failNext) { const e = store.failNext; store.failNext = undefined; throw e; }
      let accepted = 0;
      for (const e of events) {
        const k = `${e.source_id}#${e.event_uid}`;
        if (!items.has(k)) { items.set(k, e); accepted++; }
      }
      return { accepted, duplicates: events.length - accepted };
    },
  };
  return store;
}

export function memoryQuarantine(): QuarantineSink & { records: QuarantineRecord[] } {
  const records: QuarantineRecord[] = [];
  return { records, async put(r) { records.push(r); } };
}
