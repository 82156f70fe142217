/**
 * The `ocsf` part of the config: an optional scheduled export of every tenant's events as OCSF
 * 1.3.0 Parquet into an Amazon Security Lake bucket, with the custom sources registered by the
 * CDK app (infra/constructs/security-lake.ts). The local runtime ignores it; `authtrail export
 * ocsf` writes the same layout on demand.
 */
import * as z from 'zod';
import { DEFAULT_SOURCES } from './ocsf-lake.ts';

/** Security Lake names the provider role `AmazonSecurityLake-Provider-<source>-<region>`: at most 20 characters. */
const SourceName = z.string().regex(/^[A-Za-z0-9][\w.-]{0,19}$/, 'use 1-20 letters, digits, "_", "." or "-", starting with a letter or digit');
/** A custom source name for the class, or `false` not to export the class. */
const SourceSetting = z.union([SourceName, z.literal(false)]);

export const SecurityLakeTarget = z.strictObject({
  /** The Security Lake bucket (`aws-security-data-lake-<region>-<id>`). */
  bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
  /** The bucket's and the data lake's region; default: the deployment's region. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1').optional(),
  /** The `accountId=` partition (the account the events come from); default: the deployment's account. */
  accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id').optional(),
  /** What precedes `<source>/` in the keys. */
  prefix: z.string().regex(/^([A-Za-z0-9._-]+\/)*$/, 'a key prefix ending with "/" (or empty)').default('ext/'),
  /** The customer managed KMS key of the Security Lake bucket, if it has one (the exporter then may encrypt with it). */
  kmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'expected a KMS key ARN').optional(),
  /** Per OCSF class: its custom source name, or false to leave the class out. */
  sources: z.strictObject({
    authentication: SourceSetting.default(DEFAULT_SOURCES.authentication),
    account_change: SourceSetting.default(DEFAULT_SOURCES.account_change),
    entity_management: SourceSetting.default(DEFAULT_SOURCES.entity_management),
    user_access: SourceSetting.default(DEFAULT_SOURCES.user_access),
    group_management: SourceSetting.default(DEFAULT_SOURCES.group_management),
  }).default({
    authentication: DEFAULT_SOURCES.authentication, account_change: DEFAULT_SOURCES.account_change, entity_management: DEFAULT_SOURCES.entity_management,
    user_access: DEFAULT_SOURCES.user_access, group_management: DEFAULT_SOURCES.group_management,
  }),
  /** Register the custom sources with Security Lake (CreateCustomLogSource); false when they are registered already. */
  register: z.boolean().default(true),
  /** The external id of the provider identity Security Lake lets write each source; default `authtrail-<deploymentName>`. */
  externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'use 2-1224 characters of letters, digits and +=,.@:/-_').optional(),
  /** Days before today each daily run looks at (late events within them are exported again). */
  lookbackDays: z.number().int().min(1).max(90).default(7),
}).refine((t) => Object.values(t.sources).some((s) => s !== false), { message: 'every class is turned off: name at least one source, or remove ocsf.securityLake', path: ['sources'] })
  .refine((t) => new Set(Object.values(t.sources).filter((s) => s !== false)).size === Object.values(t.sources).filter((s) => s !== false).length, { message: 'each class needs its own source name (Security Lake wants one event class per source)', path: ['sources'] });
export type SecurityLakeTarget = z.infer<typeof SecurityLakeTarget>;

export const OcsfConfig = z.strictObject({
  /** A daily export of every tenant's events into an Amazon Security Lake bucket (CDK app only). */
  securityLake: SecurityLakeTarget.optional(),
});
export type OcsfConfig = z.infer<typeof OcsfConfig>;
