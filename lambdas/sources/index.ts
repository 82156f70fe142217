/** The registry of vendor normalizers: the only place that knows which module serves which kind. */
import type { SourceKind } from '../core/event.ts';
import type { Normalizer } from '../core/normalizer.ts';
import { auth0 } from './auth0.ts';
import { awsSignin } from './aws-signin.ts';
import { duo } from './duo.ts';
import { entra } from './entra.ts';
import { generic } from './generic.ts';
import { googleWorkspace } from './google-workspace.ts';
import { jumpcloud } from './jumpcloud.ts';
import { keycloak } from './keycloak.ts';
import { okta } from './okta.ts';
import { onelogin } from './onelogin.ts';
import { pingone } from './pingone.ts';

const NORMALIZERS: Partial<Record<SourceKind, Normalizer>> = { okta, duo, entra, google_workspace: googleWorkspace, auth0, pingone, onelogin, keycloak, jumpcloud, aws_signin: awsSignin, generic };

export function normalizerFor(kind: SourceKind): Normalizer | undefined {
  return NORMALIZERS[kind];
}

export const SUPPORTED_KINDS = Object.keys(NORMALIZERS) as SourceKind[];
