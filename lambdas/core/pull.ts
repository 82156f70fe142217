/**
 * Pull sources (CONTRACT §2 `pull`): a vendor module fetches one page of events after a cursor;
 * the runner stores each page through the same pipeline as a webhook body, then saves the
 * cursor. Storing before saving makes a crash re-fetch a page (deduplicated) rather than skip one.
 */
import type * as z from 'zod';
import type { Source } from './config.ts';
import type { SourceKind } from './event.ts';
import type { IngestResult } from './ingest.ts';

export type Cursor = Record<string, unknown>;

export interface HttpResponse { status: number; headers: Headers; json(): Promise<unknown>; text(): Promise<string> }
export type HttpFetch = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<HttpResponse>;

export interface PullContext<S> {
  readonly source: Source;
  readonly settings: S;
  readonly now: Date;
  readonly http: HttpFetch;
}

export interface PullPage {
  readonly items: unknown[];
  /** Where the next page (or the next run) starts. */
  readonly cursor: Cursor;
  /** True when this window is drained; the next run starts from `cursor`. */
  readonly done: boolean;
}

export interface Puller<S = unknown> {
  readonly kind: SourceKind;
  /** The vendor's `pull` settings (credentials resolved), validated before a run. */
  readonly settings: z.ZodType<S>;
  fetchPage(ctx: PullContext<S>, cursor: Cursor | null): Promise<PullPage>;
}

export interface CursorStore {
  get(sourceId: string): Promise<Cursor | null>;
  put(sourceId: string, cursor: Cursor): Promise<void>;
}

export interface PollResult extends IngestResult { pages: number; events: number; more: boolean }

export interface RunPollOptions<S> {
  readonly source: Source;
  readonly puller: Puller<S>;
  readonly settings: S;
  readonly cursors: CursorStore;
  readonly http: HttpFetch;
  readonly store: (source: Source, items: unknown[]) => Promise<IngestResult>;
  readonly now?: () => Date;
  /** Bounded work per run: a long backlog drains over several runs, never in one timed-out invocation. */
  readonly maxPages?: number;
  readonly deadline?: number;
}

export async function runPoll<S>(o: RunPollOptions<S>): Promise<PollResult> {
  const now = o.now ?? (() => new Date());
  const total: PollResult = { accepted: 0, duplicates: 0, quarantined: 0, pages: 0, events: 0, more: false };
  let cursor = await o.cursors.get(o.source.id);
  const maxPages = o.maxPages ?? 50;
  for (;;) {
    const page = await o.puller.fetchPage({ source: o.source, settings: o.settings, now: now(), http: o.http }, cursor);
    if (page.items.length) {
      const r = await o.store(o.source, page.items);
      total.accepted += r.accepted;
      total.duplicates += r.duplicates;
      total.quarantined += r.quarantined;
      total.events += page.items.length;
    }
    await o.cursors.put(o.source.id, page.cursor);
    cursor = page.cursor;
    total.pages++;
    if (page.done) break;
    if (total.pages >= maxPages || (o.deadline !== undefined && Date.now() > o.deadline)) { total.more = true; break; }
  }
  return total;
}
