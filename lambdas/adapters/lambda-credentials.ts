/**
 * What the AWS SDK's default credential chain is inside authtrail's Lambda bundles: the
 * environment only. Lambda gives every function its role's credentials in `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`; the rest of the default chain (SSO, shared
 * files, credential processes, web identity, instance metadata, with their own STS and SSO
 * clients) never applies there and costs about 110 KB and a sixth of an intake's module load at
 * every cold start (bench/bundles.ts). The CDK build substitutes this module for
 * `@aws-sdk/credential-provider-node` in Lambda bundles only (infra/constructs/lambda.ts); the
 * CLI and the local runtime keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type Init = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init: Init = {}) => fromEnv(init);
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
