/**
 * The `operations` part of the config: where alarms go, who receives which alerts, and the name of
 * the deployment. Applied by the CDK app (infra/constructs/operations.ts, infra/names.ts); the
 * local runtime ignores it.
 */
import * as z from 'zod';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type MinSeverity = (typeof SEVERITIES)[number];

/** The severities at or above `min`, for an SNS filter policy. */
export const severitiesFrom = (min: MinSeverity): MinSeverity[] => SEVERITIES.slice(SEVERITIES.indexOf(min));

const Arn = (service: string) => z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`), `expected an ${service} ARN`);

export const AlertSubscription = z.strictObject({
  protocol: z.enum(['email', 'https', 'sqs', 'lambda', 'sms']),
  endpoint: z.string().min(1),
  /** Only these tenants' alerts (SNS filter policy on the `tenant` attribute); all when absent. */
  tenants: z.array(z.string().min(1)).min(1).optional(),
  /** Only alerts of this severity or higher (filter policy on `severity`). */
  minSeverity: z.enum(SEVERITIES).optional(),
}).superRefine((s, ctx) => {
  const ok = {
    email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.endpoint),
    https: /^https:\/\/\S+$/.test(s.endpoint),
    sqs: /^arn:aws[a-z-]*:sqs:/.test(s.endpoint),
    lambda: /^arn:aws[a-z-]*:lambda:/.test(s.endpoint),
    sms: /^\+\d{6,15}$/.test(s.endpoint),
  }[s.protocol];
  if (!ok) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `not a valid ${s.protocol} endpoint` });
});

/** The deployment name when none is given: the names every deployment made before it existed carries. */
export const DEFAULT_DEPLOYMENT_NAME = 'authtrail';

/** `client-b` → `ClientB`: the stack name prefix of a deployment. */
export const pascalCase = (name: string) => name.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/** The deployment name of a config (`operations.deploymentName`, else the default). */
export const deploymentNameOf = (cfg: { readonly operations?: { readonly deploymentName: string } | undefined }) =>
  cfg.operations?.deploymentName ?? DEFAULT_DEPLOYMENT_NAME;

/**
 * Names a deployment's physical resources (buckets, Glue database, Athena workgroups, stacks,
 * dashboard, secrets, metrics), so several deployments share an account and region. At most 20
 * characters: the longest name built from it, `<name>-athena-results-<account>-<region>`, must
 * stay within S3's 63 characters in every region.
 */
export const DeploymentName = z.string()
  .regex(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/, 'use 3-20 lower-case letters, digits and "-", starting with a letter and not ending with "-"')
  .refine((n) => !n.includes('--'), 'no "--" in a deployment name')
  // Its stacks would take the default deployment's names (AuthTrailStateful, AuthTrailStateless).
  .refine((n) => n === DEFAULT_DEPLOYMENT_NAME || pascalCase(n) !== 'AuthTrail', 'this name gives the stacks of the default deployment ("authtrail"); choose another');

/**
 * The two stacks of a deployment. The default deployment keeps the names it always had
 * (`AuthTrailStateful`, `AuthTrailStateless`), so upgrading it replaces no stack.
 */
export function stackNames(deploymentName: string = DEFAULT_DEPLOYMENT_NAME): { stateful: string; stateless: string } {
  const prefix = deploymentName === DEFAULT_DEPLOYMENT_NAME ? 'AuthTrail' : pascalCase(deploymentName);
  return { stateful: `${prefix}Stateful`, stateless: `${prefix}Stateless` };
}

export const Operations = z.strictObject({
  /**
   * Several deployments in one account and region: each gets its own name, and every physical
   * name (stacks, buckets, Glue database, workgroups, dashboard, secrets) is derived from it.
   */
  deploymentName: DeploymentName.default(DEFAULT_DEPLOYMENT_NAME),
  /** An existing SNS topic (your on-call's) that every authtrail alarm notifies. */
  alarmTopicArn: Arn('sns').optional(),
  /** Or: an address; authtrail creates a topic for its alarms and subscribes it (confirm the e-mail). */
  alarmEmail: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'expected an e-mail address').optional(),
  /** Subscriptions to the alert topic, applied by the deploy (no manual subscribing). */
  alertSubscriptions: z.array(AlertSubscription).default([]),
}).refine((o) => !(o.alarmTopicArn && o.alarmEmail), { message: 'give alarmTopicArn or alarmEmail, not both', path: ['alarmEmail'] });
export type Operations = z.infer<typeof Operations>;
