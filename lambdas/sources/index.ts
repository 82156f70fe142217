/** The registry of vendor normalizers: the only place that knows which module serves which kind. */
import type { SourceKind } from '../core/event.ts';
import type { Normalizer } from '../core/normalizer.ts';
// Every vendor (lambdas/sources/all-vendors.ts); a Lambda bundle maps this to its own sources' vendors only (infra/constructs/lambda.ts).
import { NORMALIZERS } from '#vendors';

export function normalizerFor(kind: SourceKind): Normalizer | undefined {
  return NORMALIZERS[kind];
}

export const SUPPORTED_KINDS = Object.keys(NORMALIZERS) as SourceKind[];
