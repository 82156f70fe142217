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

/** A tenant's hot days: its own `retention.hotDays`, else the deployment's. */
export function tenantHotDays(cfg: Config, tenant: string): number {
  return cfg.tenants.find((t) => t.id === tenant)?.retention?.hotDays ?? cfg.retention.hotDays;
}

/** A tenant's archive days: its own `retention.archiveDays`, else the deployment's. */
export function tenantArchiveDays(cfg: Config, tenant: string): number {
  return cfg.tenants.find((t) => t.id === tenant)?.retention?.archiveDays ?? cfg.retention.archiveDays;
}
