/**
 * The `console` part of the config: whether the CDK app deploys the web console (its page on the
 * collector's HTTP API, the analysts' Cognito user pool with one group per tenant) and the prefix
 * of the user pool's sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`. Applied
 * by the CDK app (infra/constructs/console.ts); `npm start` always serves the console, signed in
 * with the local token.
 */
import * as z from 'zod';

/** Words Cognito refuses in a prefix domain. */
export const COGNITO_RESERVED_WORDS = ['aws', 'amazon', 'cognito'] as const;
export const reservedWordIn = (prefix: string) => COGNITO_RESERVED_WORDS.find((w) => prefix.includes(w));

/**
 * A Cognito prefix domain: 1-63 lower-case letters, digits and `-`, neither first nor last, and
 * none of the reserved words. Prefixes are unique per region across every AWS account: CloudFormation
 * says so at deploy if another account holds the one chosen.
 */
export const DomainPrefix = z.string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'use 1-63 lower-case letters, digits and "-", not starting or ending with "-"')
  .refine((p) => !reservedWordIn(p), { error: (iss) => `Cognito refuses a domain prefix that contains "${reservedWordIn(String(iss.input))}" (no "aws", "amazon" or "cognito" anywhere in it)` });

export const ConsoleConfig = z.strictObject({
  /** Deploy the web console and its user pool. */
  enabled: z.boolean().default(true),
  /** The sign-in domain's prefix; default `<deploymentName>-<account id>`. */
  domainPrefix: DomainPrefix.optional(),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

/** Whether the CDK app deploys the console (yes unless `console.enabled` is false). */
export const consoleEnabled = (cfg: { readonly console?: { readonly enabled: boolean } | undefined }) => cfg.console?.enabled ?? true;

/** The default prefix: the deployment name and the account id, so unique per deployment and account. */
export const defaultDomainPrefix = (deploymentName: string, accountId: string) => `${deploymentName}-${accountId}`;
