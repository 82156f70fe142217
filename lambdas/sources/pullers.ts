/** Which kinds can be polled, and by which module. */
import type { SourceKind } from '../core/event.ts';
import type { Puller } from '../core/pull.ts';
// Every puller (lambdas/sources/all-pullers.ts); a Lambda bundle maps this to its own pull sources' vendors only.
import { PULLERS } from '#pullers';


export function pullerFor(kind: SourceKind): Puller<unknown> | undefined {
  return PULLERS[kind] as Puller<unknown> | undefined;
}

/** Credential fields per kind: never deployed inline (the CDK app moves them to Secrets Manager). */
export const PULL_CREDENTIALS: Partial<Record<SourceKind, readonly string[]>> = {
  duo: ['secretKey'],
  okta: ['apiToken'],
  jumpcloud: ['apiKey'],
  entra: ['clientSecret'],
  google_workspace: ['serviceAccountKey'],
};
