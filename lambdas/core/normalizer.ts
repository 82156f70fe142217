/**
 * What every vendor module provides. Like cdk-nag's three-state rule result, each input item
 * ends in exactly one of: a canonical event, a quarantine reason, or "not an auth event".
 */
import type * as z from 'zod';
import { describeIssues } from './config-lookup.ts';
import type { Category, Change, NormalizedFields, SourceKind } from './event.ts';

export type ItemResult =
  | { readonly kind: 'event'; readonly event: NormalizedFields }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'ignore'; readonly reason: string };

export interface Normalizer {
  readonly kind: SourceKind;
  /** Vendor documentation the mapping follows. */
  readonly docs: string;
  /** Splits a parsed body (object, array, or a vendor envelope) into vendor events. */
  unwrap(payload: unknown): unknown[];
  /** One vendor event → one result. Pure and total: it never throws on any input. */
  normalize(item: unknown): ItemResult;
}

/** What an admin, policy or credential change did, as a mapping table row spells it (schema version 2). */
export interface ChangeVerdict {
  category: Category;
  change?: Change | null;
  target_type?: string | null;
  target_id?: string | null;
  target_name?: string | null;
  user_id?: string | null;
}

export const event = (e: NormalizedFields): ItemResult => ({ kind: 'event', event: e });
export const reject = (reason: string): ItemResult => ({ kind: 'reject', reason });
export const ignore = (reason: string): ItemResult => ({ kind: 'ignore', reason });

/** Parses with a vendor schema, turning a schema failure into a quarantine reason naming the field. */
export function parseItem<T extends z.ZodType>(schema: T, item: unknown, vendor: string):
  { ok: true; value: z.infer<T> } | { ok: false; result: ItemResult } {
  const r = schema.safeParse(item);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, result: reject(`${vendor} event does not match the expected shape: ${describeIssues(r.error.issues).replace(/\n/g, '; ')}`) };
}

/** Runs a normalizer so that even a bug in it quarantines the item instead of failing the batch. */
export function safeNormalize(n: Normalizer, item: unknown): ItemResult {
  try {
    return n.normalize(item);
  } catch (err) {
    return reject(`${n.kind} normalizer failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
