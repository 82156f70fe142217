/** Which kinds can be polled, and by which module. */
import type { SourceKind } from '../core/event.ts';
import type { Puller } from '../core/pull.ts';
import { duoPuller } from './duo/pull.ts';
import { entraPuller } from './entra/map.ts';
import { googlePuller } from './google-workspace/pull.ts';
import { jumpcloudPuller } from './jumpcloud/pull.ts';
import { oktaPuller } from './okta/pull.ts';

const PULLERS: Partial<Record<SourceKind, Puller<never>>> = {
  duo: duoPuller as Puller<never>,
  okta: oktaPuller as Puller<never>,
  jumpcloud: jumpcloudPuller as Puller<never>,
  entra: entraPuller as Puller<never>,
  google_workspace: googlePuller as Puller<never>,
};

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
