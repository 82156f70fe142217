/**
 * `authtrail.config.json` (CONTRACT §2): one file, read by the CDK app and the local runtime,
 * validated here so that a bad field is named at start-up, not discovered at the first webhook.
 */
import { z } from 'zod';
import { Operations } from './operations-config.ts';
import { SourceKind } from './event.ts';
import { AlertsConfig } from './detect/settings.ts';

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use 1-63 lower-case letters, digits, "-" or "_"');
const SecretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'expected a Secrets Manager secret ARN');

export const SharedSecretAuth = z.strictObject({
  type: z.literal('shared-secret'),
  header: z.string().min(1).default('authorization').transform((h) => h.toLowerCase()),
  secret: z.string().min(8, 'a secret needs at least 8 characters').optional(),
  secretArn: SecretArn.optional(),
  /** Set by the CDK app for secrets it generates in Secrets Manager (by name). */
  secretName: z.string().min(1).optional(),
});
const hmacOptions = {
  header: z.string().min(1).transform((h) => h.toLowerCase()),
  secret: z.string().min(8, 'a secret needs at least 8 characters').optional(),
  secretArn: SecretArn.optional(),
  secretName: z.string().min(1).optional(),
  timestampHeader: z.string().min(1).transform((h) => h.toLowerCase()).optional(),
  toleranceSeconds: z.number().int().positive().max(86_400).default(300),
};
/** HMAC of the raw body; `hmac-sha512` takes the same options (Keycloak event hooks sign with either). */
export const HmacAuth = z.strictObject({ type: z.literal('hmac-sha256'), ...hmacOptions });
export const HmacSha512Auth = z.strictObject({ type: z.literal('hmac-sha512'), ...hmacOptions });
export const GoogleChannelAuth = z.strictObject({
  type: z.literal('google-channel-token'),
  token: z.string().min(8, 'a token needs at least 8 characters').optional(),
  tokenArn: SecretArn.optional(),
  tokenName: z.string().min(1).optional(),
});
export const NoAuth = z.strictObject({ type: z.literal('none') });
export const SourceAuth = z.discriminatedUnion('type', [SharedSecretAuth, HmacAuth, HmacSha512Auth, GoogleChannelAuth, NoAuth]);
export type SourceAuth = z.infer<typeof SourceAuth>;

/** Auth types whose value is a `secret` (inline, `secretArn` or a generated `secretName`). */
export type SecretAuth = Extract<SourceAuth, { type: 'shared-secret' | 'hmac-sha256' | 'hmac-sha512' }>;
export const usesSecret = (a: SourceAuth | undefined): a is SecretAuth =>
  a?.type === 'shared-secret' || a?.type === 'hmac-sha256' || a?.type === 'hmac-sha512';

export const Source = z.strictObject({
  id: Id,
  tenant: Id,
  kind: SourceKind,
  name: z.string().optional(),
  auth: SourceAuth.optional(),
  allowUnauthenticated: z.boolean().default(false),
  eventbridge: z.strictObject({ bus: z.string().min(1).optional(), source: z.string().min(1).optional() }).optional(),
  // Pull settings are vendor-specific (credentials differ per vendor); the pollers validate their own part.
  pull: z.looseObject({ baseUrl: z.url().optional(), intervalSeconds: z.number().int().min(30).max(86_400).default(60) }).optional(),
});
export type Source = z.infer<typeof Source>;

export const Retention = z.strictObject({
  hotDays: z.number().int().min(1).max(3650).default(90),
  archiveDays: z.number().int().min(1).max(36_500).default(2555),
  infrequentAccessAfterDays: z.number().int().min(30).default(30),
  glacierAfterDays: z.number().int().min(1).default(180),
  quarantineDays: z.number().int().min(1).default(400),
  objectLock: z.enum(['governance', 'compliance']).optional(),
});
export type Retention = z.infer<typeof Retention>;

export const Config = z
  .strictObject({
    $schema: z.string().optional(),
    tenants: z.array(z.strictObject({ id: Id, name: z.string().min(1) })).min(1, 'at least one tenant is needed'),
    sources: z.array(Source),
    retention: Retention.default(Retention.parse({})),
    // Detector rule thresholds and suppression, with documented defaults (detect/settings.ts).
    alerts: AlertsConfig.default(AlertsConfig.parse({})),
    // Where alarms go and who receives which alerts (applied by the CDK app; ignored locally).
    operations: Operations.optional(),
  })
  .superRefine((cfg, ctx) => {
    const tenants = new Set<string>();
    cfg.tenants.forEach((t, i) => {
      if (tenants.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `duplicate tenant id "${t.id}"` });
      tenants.add(t.id);
    });
    const ids = new Set<string>();
    cfg.sources.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id "${s.id}"` });
      ids.add(s.id);
      if (!tenants.has(s.tenant)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'tenant'], message: `unknown tenant "${s.tenant}"` });
      const a = s.auth;
      if (a?.type === 'none' && !s.allowUnauthenticated)
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'auth', 'type'], message: '"none" needs "allowUnauthenticated": true on the source' });
      const given = (...xs: unknown[]) => xs.filter((x) => x !== undefined).length;
      if (usesSecret(a) && given(a.secret, a.secretArn, a.secretName) !== 1)
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'auth', 'secret'], message: 'give exactly one of "secret" or "secretArn"' });
      if (a?.type === 'google-channel-token' && given(a.token, a.tokenArn, a.tokenName) !== 1)
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'auth', 'token'], message: 'give exactly one of "token" or "tokenArn"' });
    });
    cfg.sources.forEach((s, i) => {
      if (s.eventbridge && !s.eventbridge.source && (cfg.sources.filter((o) => o.kind === s.kind && o.eventbridge).length > 1))
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'eventbridge', 'source'], message: `several ${s.kind} sources use EventBridge: each needs its own "source" to route by` });
    });
    for (const t of Object.keys(cfg.alerts.tenants))
      if (!tenants.has(t)) ctx.addIssue({ code: 'custom', path: ['alerts', 'tenants', t], message: `unknown tenant "${t}"` });
    cfg.operations?.alertSubscriptions.forEach((sub, i) => sub.tenants?.forEach((t, j) => {
      if (!tenants.has(t)) ctx.addIssue({ code: 'custom', path: ['operations', 'alertSubscriptions', i, 'tenants', j], message: `unknown tenant "${t}"` });
    }));
    const feedSources = [['alerts', 'rules'], ...Object.keys(cfg.alerts.tenants).map((t) => ['alerts', 'tenants', t, 'rules'])];
    for (const path of feedSources) {
      const feed = path.length === 2 ? cfg.alerts.rules.feed_silence : cfg.alerts.tenants[path[2]!]?.rules?.feed_silence;
      for (const id of Object.keys(feed?.sources ?? {}))
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: [...path, 'feed_silence', 'sources', id], message: `unknown source "${id}"` });
    }
  });
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Formats zod issues as `path.to.field: message`, one per line. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}

export function parseConfig(input: unknown, origin = 'authtrail.config.json'): Config {
  const r = Config.safeParse(input);
  if (!r.success) throw new ConfigError(`${origin} is invalid:\n${describeIssues(r.error.issues)}`, { cause: r.error });
  return r.data;
}

/**
 * The config the deployed Lambdas carry. Inline secrets never reach a template or a bundle:
 * `generatedSecretName(sourceId, field)` names the Secrets Manager secret the CDK app creates
 * instead, for webhook secrets and for the pull credentials `pullCredentials(kind)` lists.
 */
export function runtimeConfig(cfg: Config, generatedSecretName: (sourceId: string, field?: string) => string, pullCredentials: (kind: Source['kind']) => readonly string[] = () => []): Config {
  return {
    ...cfg,
    sources: cfg.sources.map((src) => {
      let s = src;
      const a = s.auth;
      if (usesSecret(a) && a.secret !== undefined) {
        const { secret: _s, ...rest } = a;
        s = { ...s, auth: { ...rest, secretName: generatedSecretName(s.id) } };
      } else if (a?.type === 'google-channel-token' && a.token !== undefined) {
        const { token: _t, ...rest } = a;
        s = { ...s, auth: { ...rest, tokenName: generatedSecretName(s.id) } };
      }
      if (s.pull) {
        const pull: Record<string, unknown> = { ...s.pull };
        for (const field of pullCredentials(s.kind)) {
          if (pull[field] === undefined) continue;
          delete pull[field];
          pull[`${field}SecretName`] = generatedSecretName(s.id, field);
        }
        s = { ...s, pull: pull as Source['pull'] };
      }
      return s;
    }),
  };
}

/** Inline pull credentials of a source (local mode only; replaced by Secrets Manager in AWS). */
export const inlinePullCredentials = (s: Source, pullCredentials: (kind: Source['kind']) => readonly string[]) =>
  s.pull ? pullCredentials(s.kind).filter((f) => s.pull![f] !== undefined) : [];

/** Sources whose inline secret the CDK app replaces with a generated Secrets Manager secret. */
export const hasInlineSecret = (s: Source) =>
  usesSecret(s.auth) ? s.auth.secret !== undefined
    : s.auth?.type === 'google-channel-token' ? s.auth.token !== undefined : false;

export function findSource(cfg: Config, sourceId: string): Source | undefined {
  return cfg.sources.find((s) => s.id === sourceId);
}
