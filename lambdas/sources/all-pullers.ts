/**
 * Every vendor's puller, by source kind: what `#pullers` (package.json `imports`) names in Node
 * and the tests; a Lambda bundle maps it to its own pull sources' vendors (infra/constructs/lambda.ts).
 */
import type { SourceKind } from '../core/event.ts';
import type { Puller } from '../core/pull.ts';
import { duoPuller } from './duo/pull.ts';
import { entraPuller } from './entra/pull.ts';
import { googlePuller } from './google-workspace/pull.ts';
import { jumpcloudPuller } from './jumpcloud/pull.ts';
import { oktaPuller } from './okta/pull.ts';

export const PULLERS: Partial<Record<SourceKind, Puller<never>>> = {
  duo: duoPuller as Puller<never>,
  okta: oktaPuller as Puller<never>,
  jumpcloud: jumpcloudPuller as Puller<never>,
  entra: entraPuller as Puller<never>,
  google_workspace: googlePuller as Puller<never>,
};
