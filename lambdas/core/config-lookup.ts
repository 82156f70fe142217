/**
 * The config helpers the Lambda handlers use at run time, without the config's zod schemas: a
 * bundle carries its config already parsed (lambdas/handlers/runtime-config.ts), so it needs these
 * and not the schemas, whose construction would cost every cold start. lambdas/core/config.ts
 * re-exports them.
 */
import type * as z from 'zod';
import type { Config, ForwardDestination, Source } from './config.ts';

/** Formats zod issues as `path.to.field: message`, one per line (the same line once). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return [...new Set(issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`))].join('\n');
}

/** A forward destination's id: its `id`, else its type. */
export const forwardId = (d: Pick<ForwardDestination, 'id' | 'type'>) => d.id ?? d.type;

export function findSource(cfg: Config, sourceId: string): Source | undefined {
  return cfg.sources.find((s) => s.id === sourceId);
}
