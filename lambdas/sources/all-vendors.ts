/**
 * Every vendor's normalizer, by source kind: what `#vendors` (package.json `imports`) names in
 * Node and the tests. A Lambda bundle maps `#vendors` to a module of the same shape holding only
 * the vendors of the sources its function serves (infra/constructs/lambda.ts), so that a tenant's
 * intake neither carries nor loads the other vendors' mappings.
 */
import type { SourceKind } from '../core/event.ts';
import type { Normalizer } from '../core/normalizer.ts';
import { auth0 } from './auth0/map.ts';
import { awsSignin } from './aws-signin/map.ts';
import { duo } from './duo/map.ts';
import { entra } from './entra/map.ts';
import { generic } from './generic/map.ts';
import { googleWorkspace } from './google-workspace/map.ts';
import { jumpcloud } from './jumpcloud/map.ts';
import { keycloak } from './keycloak/map.ts';
import { okta } from './okta/map.ts';
import { onelogin } from './onelogin/map.ts';
import { pingone } from './pingone/map.ts';

export const NORMALIZERS: Partial<Record<SourceKind, Normalizer>> = { okta, duo, entra, google_workspace: googleWorkspace, auth0, pingone, onelogin, keycloak, jumpcloud, aws_signin: awsSignin, generic };
