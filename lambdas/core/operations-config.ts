/**
 * The `operations` part of the config: where alarms go and who receives which alerts. Applied by
 * the CDK app (infra/constructs/operations.ts); the local runtime ignores it.
 */
import { z } from 'zod';

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

export const Operations = z.strictObject({
  /** An existing SNS topic (your on-call's) that every authtrail alarm notifies. */
  alarmTopicArn: Arn('sns').optional(),
  /** Or: an address; authtrail creates a topic for its alarms and subscribes it (confirm the e-mail). */
  alarmEmail: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'expected an e-mail address').optional(),
  /** Subscriptions to the alert topic, applied by the deploy (no manual subscribing). */
  alertSubscriptions: z.array(AlertSubscription).default([]),
}).refine((o) => !(o.alarmTopicArn && o.alarmEmail), { message: 'give alarmTopicArn or alarmEmail, not both', path: ['alarmEmail'] });
export type Operations = z.infer<typeof Operations>;
