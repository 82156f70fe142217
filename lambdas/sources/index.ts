/** The registry of vendor normalizers: the only place that knows which module serves which kind. */
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

const NORMALIZERS: Partial<Record<SourceKind, Normalizer>> = { okta, duo, entra, google_workspace: googleWorkspace, auth0, pingone, onelogin, keycloak, jumpcloud, aws_signin: awsSignin, generic };

export function normalizerFor(kind: SourceKind): Normalizer | undefined {
  return NORMALIZERS[kind];
}

export const SUPPORTED_KINDS = Object.keys(NORMALIZERS) as SourceKind[];
