/**
 * `authtrail.config.json` (CONTRACT §2): one file, read by the CDK app and the local runtime,
 * validated here so that a bad field is named at start-up, not discovered at the first webhook.
 */
import * as z from 'zod';
import { DEFAULT_DEPLOYMENT_NAME, Operations } from './operations-config.ts';
import { OcsfConfig } from './ocsf-config.ts';
import { ConsoleConfig, defaultDomainPrefix, reservedWordIn } from './console-config.ts';
import { SourceKind } from './event-schema.ts';
import { AlertsConfig } from './detect/settings.ts';
import { PULL_CREDENTIALS, pullerFor } from '../sources/pullers.ts';
import { describeIssues, findSource, forwardId } from './config-lookup.ts';
import { PSEUDONYMIZABLE_FIELDS } from './privacy.ts';

export { describeIssues, findSource, forwardId };

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use 1-63 lower-case letters, digits, "-" or "_"');
const SecretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'expected a Secrets Manager secret ARN');

export const SharedSecretAuth = z.strictObject({
  type: z.literal('shared-secret'),
  header: z.string().min(1).default('authorization').transform((h) => h.toLowerCase()),
  secret: z.string().min(8, 'a secret needs at least 8 characters').optional(),
  secretArn: SecretArn.optional(),
  /** Set by the CDK app for secrets it generates in Secrets Manager (by name). */
  secretName: z.string().min(1).optional(),
  /** During a rotation: the secret being replaced, accepted too until it is removed. */
  previousSecretArn: SecretArn.optional(),
});
const hmacOptions = {
  header: z.string().min(1).transform((h) => h.toLowerCase()),
  secret: z.string().min(8, 'a secret needs at least 8 characters').optional(),
  secretArn: SecretArn.optional(),
  secretName: z.string().min(1).optional(),
  previousSecretArn: SecretArn.optional(),
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
  previousTokenArn: SecretArn.optional(),
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

/**
 * Where a tenant's events are forwarded as they arrive (SIEM forwarding, lambdas/core/forward.ts):
 * a Splunk HTTP Event Collector or any HTTPS endpoint. The token is inline only locally; the CDK
 * app replaces an inline token with a Secrets Manager secret (`tokenSecretName`) whose value the
 * operator puts in, as for pull credentials: a HEC token is issued by Splunk, not generated.
 */
export const ForwardDestination = z.strictObject({
  type: z.enum(['splunk-hec', 'https']),
  /** Names the destination in metrics, logs and its generated secret; unique per tenant. @default the type */
  id: Id.optional(),
  /**
   * HTTPS only, so that events and the token never cross a network in clear; `http://` only to
   * a loopback address (local tests and a forwarder on the same host). A HEC URL without a path
   * gets `/services/collector/event`.
   */
  url: z.url({ protocol: /^https?$/, error: 'expected an https:// URL' }).refine((u) => {
    const x = new URL(u);
    return x.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(x.hostname);
  }, 'use https:// (http:// is allowed only for 127.0.0.1 or localhost)'),
  token: z.string().min(1).optional(),
  tokenSecretArn: SecretArn.optional(),
  /** Set by the CDK app for the secret it creates in place of an inline `token`. */
  tokenSecretName: z.string().min(1).optional(),
  format: z.enum(['canonical', 'ocsf']).default('canonical'),
  /** splunk-hec: the index (default: the token's default index), sourcetype, source and host of each event. */
  index: z.string().min(1).optional(),
  sourcetype: z.string().min(1).optional(),
  source: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  /** https: the body, one JSON object per line (NDJSON) or one JSON array. */
  encoding: z.enum(['ndjson', 'json-array']).optional(),
  /** https: the header the token goes in (`authorization` sends `Bearer <token>`, any other the token alone). */
  tokenHeader: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name').transform((h) => h.toLowerCase()).optional(),
  /** Events per request. */
  batchSize: z.number().int().min(1).max(10_000).default(500),
  /** Bytes per request body: under the 1 MB per request HEC commonly accepts (its max_content_length). */
  maxBatchBytes: z.number().int().min(16_384).max(10_000_000).default(900_000),
  /** Send the vendor's original event (`raw`) with canonical events. */
  includeRaw: z.boolean().default(true),
  /** Extra request headers (not secret: they are part of the deployed template). */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name'), z.string().regex(/^[^\r\n]*$/, 'a header value is one line')).optional(),
});
export type ForwardDestination = z.infer<typeof ForwardDestination>;

export const Retention = z.strictObject({
  hotDays: z.number().int().min(1).max(3650).default(90),
  archiveDays: z.number().int().min(1).max(36_500).default(2555),
  infrequentAccessAfterDays: z.number().int().min(30).default(30),
  glacierAfterDays: z.number().int().min(1).default(180),
  quarantineDays: z.number().int().min(1).default(400),
  objectLock: z.enum(['governance', 'compliance']).optional(),
});
export type Retention = z.infer<typeof Retention>;

/**
 * How the DynamoDB tables are billed (applied by the CDK app). On-demand (the default) bills each
 * request and absorbs bursts up to the table's quota; provisioned bills capacity by the hour,
 * autoscaled to 70 % use between the bounds — about a third of on-demand for steady traffic, but
 * a sudden burst beyond the capacity throttles until autoscaling catches up (minutes).
 */
export const Capacity = z.strictObject({
  billing: z.enum(['on-demand', 'provisioned']).default('on-demand'),
  /** Provisioned: bounds of each table's (and its index's) autoscaled units per second. */
  minWriteUnits: z.number().int().min(1).max(40_000).default(5),
  maxWriteUnits: z.number().int().min(1).max(40_000).default(4000),
  minReadUnits: z.number().int().min(1).max(40_000).default(5),
  maxReadUnits: z.number().int().min(1).max(40_000).default(4000),
  /** The hot table's class: Standard-IA stores for 40 % of the price and bills requests 25 % more. */
  hotTableClass: z.enum(['standard', 'standard-ia']).default('standard'),
}).refine((c) => c.minWriteUnits <= c.maxWriteUnits && c.minReadUnits <= c.maxReadUnits, 'capacity: a minimum is above its maximum');
export type Capacity = z.infer<typeof Capacity>;

/**
 * A tenant's privacy policy (README, "Privacy"), applied at normalization before anything is
 * stored: fields replaced by a keyed pseudonym (HMAC-SHA256 with the tenant's own key), the
 * vendor's raw payload kept, redacted or dropped, and source addresses cut to a network.
 */
export const Privacy = z.strictObject({
  pseudonymize: z.array(z.enum(PSEUDONYMIZABLE_FIELDS)).default([]),
  /** `redact` (the default when a field is pseudonymized or addresses are cut) replaces those values wherever they sit in the raw payload, and blanks the vendors' name and phone fields. */
  raw: z.enum(['keep', 'redact', 'drop']).optional(),
  /** Keep only the network of a source address: /24 or /16 for IPv4, /48 or /32 for IPv6. */
  ipTruncate: z.union([z.literal(24), z.literal(16), z.null()]).default(null),
}).transform((p) => ({ ...p, raw: p.raw ?? (p.pseudonymize.length || p.ipTruncate ? 'redact' as const : 'keep' as const) }));
export type Privacy = z.infer<typeof Privacy>;

/** A tenant's own retention: its hot days (the items' TTL) and its archive days (lifecycle rules on its prefixes). */
export const TenantRetention = z.strictObject({
  hotDays: z.number().int().min(1).max(3650).optional(),
  archiveDays: z.number().int().min(1).max(36_500).optional(),
});

export const Config = z
  .strictObject({
    $schema: z.string().optional(),
    tenants: z.array(z.strictObject({ id: Id, name: z.string().min(1),
      forward: z.array(ForwardDestination).min(1).optional(),
      privacy: Privacy.optional(),
      retention: TenantRetention.optional() })).min(1, 'at least one tenant is needed'),
    sources: z.array(Source),
    retention: Retention.default(Retention.parse({})),
    // DynamoDB billing of the hot and state tables (applied by the CDK app; ignored locally).
    capacity: Capacity.default(Capacity.parse({})),
    // Detector rule thresholds and suppression, with documented defaults (detect/settings.ts).
    alerts: AlertsConfig.default(AlertsConfig.parse({})),
    // Where alarms go and who receives which alerts (applied by the CDK app; ignored locally).
    operations: Operations.optional(),
    // The scheduled OCSF export to Amazon Security Lake (applied by the CDK app; ignored locally).
    ocsf: OcsfConfig.optional(),
    // The web console in AWS: its analysts' user pool and sign-in domain (applied by the CDK app).
    console: ConsoleConfig.optional(),
    // Upgrading from the previous hot-table layout (README, Upgrading): the old table's name, read
    // for `retention.hotDays` by the intake's redelivery check and by backfill.
    upgrade: z.strictObject({
      legacyHotTable: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'expected a DynamoDB table name (the previous HotTableName output)'),
    }).optional(),
  })
  // Run even when fields are malformed, so that every error is reported in one pass (the
  // references are checked over whatever parsed; see `references`).
  .superRefine((cfg, ctx) => references(cfg, ctx.addIssue.bind(ctx)), { when: () => true });
export type Config = z.infer<typeof Config>;

type Issue = { code: 'custom'; path: PropertyKey[]; message: string };
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/**
 * Cross-field and cross-reference checks: unknown tenants and sources, duplicate ids, routing
 * conflicts, exactly one secret, pull settings by the vendor's own schema. They read the config
 * defensively (a field may still be malformed: its format error is reported beside these).
 */
function references(input: unknown, addIssue: (i: Issue) => void): void {
  if (!isObject(input)) return;
  const issue = (path: PropertyKey[], message: string) => addIssue({ code: 'custom', path, message });
  const tenants = new Set<string>();
  list(input['tenants']).forEach((t, i) => {
    const id = isObject(t) ? str(t['id']) : undefined;
    if (id === undefined) return;
    if (tenants.has(id)) issue(['tenants', i, 'id'], `duplicate tenant id "${id}"`);
    tenants.add(id);
  });
  list(input['tenants']).forEach((t, i) => list(isObject(t) ? t['forward'] : undefined).forEach((d, j, all) => forwardIssues(d, j, all).forEach((p) => issue(['tenants', i, 'forward', j, ...p.path], p.message))));
  const sources = list(input['sources']).map((s) => (isObject(s) ? s : {}));
  const ids = new Set<string>();
  sources.forEach((s, i) => {
    const id = str(s['id']);
    if (id !== undefined && ids.has(id)) issue(['sources', i, 'id'], `duplicate source id "${id}"`);
    if (id !== undefined) ids.add(id);
    const tenant = str(s['tenant']);
    if (tenant !== undefined && !tenants.has(tenant)) issue(['sources', i, 'tenant'], `unknown tenant "${tenant}"`);
    const a = isObject(s['auth']) ? s['auth'] : undefined;
    if (a?.['type'] === 'none' && s['allowUnauthenticated'] !== true)
      issue(['sources', i, 'auth', 'type'], '"none" needs "allowUnauthenticated": true on the source');
    const given = (...keys: string[]) => keys.filter((k) => a?.[k] !== undefined).length;
    const secretType = a?.['type'] === 'shared-secret' || a?.['type'] === 'hmac-sha256' || a?.['type'] === 'hmac-sha512';
    if (secretType && given('secret', 'secretArn', 'secretName') !== 1)
      issue(['sources', i, 'auth', 'secret'], 'give exactly one of "secret" or "secretArn"');
    if (a?.['type'] === 'google-channel-token' && given('token', 'tokenArn', 'tokenName') !== 1)
      issue(['sources', i, 'auth', 'token'], 'give exactly one of "token" or "tokenArn"');
    for (const [current, previous] of [['secretArn', 'previousSecretArn'], ['tokenArn', 'previousTokenArn']] as const)
      if (a?.[previous] !== undefined && a[previous] === a[current])
        issue(['sources', i, 'auth', previous], `"${previous}" is the same secret as "${current}": name the secret being replaced, or remove it`);
    const kind = str(s['kind']);
    if (isObject(s['pull']) && kind !== undefined) pullIssues(s['pull'], kind).forEach((p) => issue(['sources', i, 'pull', ...p.path], p.message));
  });
  sources.forEach((s, i) => {
    const kind = s['kind'];
    if (isObject(s['eventbridge']) && s['eventbridge']['source'] === undefined && sources.filter((o) => o['kind'] === kind && isObject(o['eventbridge'])).length > 1)
      issue(['sources', i, 'eventbridge', 'source'], `several ${String(kind)} sources use EventBridge: each needs its own "source" to route by`);
  });
  const alerts = isObject(input['alerts']) ? input['alerts'] : {};
  const perTenant = isObject(alerts['tenants']) ? alerts['tenants'] : {};
  for (const t of Object.keys(perTenant)) if (!tenants.has(t)) issue(['alerts', 'tenants', t], `unknown tenant "${t}"`);
  const operations = isObject(input['operations']) ? input['operations'] : {};
  list(operations['alertSubscriptions']).forEach((sub, i) => list(isObject(sub) ? sub['tenants'] : undefined).forEach((t, j) => {
    if (typeof t === 'string' && !tenants.has(t)) issue(['operations', 'alertSubscriptions', i, 'tenants', j], `unknown tenant "${t}"`);
  }));
  // The default sign-in domain prefix is built from the deployment name: Cognito refuses some words in it.
  const consoleCfg = isObject(input['console']) ? input['console'] : {};
  const name = str(operations['deploymentName']) ?? DEFAULT_DEPLOYMENT_NAME;
  const word = reservedWordIn(name);
  if (consoleCfg['enabled'] !== false && consoleCfg['domainPrefix'] === undefined && word)
    issue(['console', 'domainPrefix'], `the default sign-in domain prefix "${defaultDomainPrefix(name, '<account>')}" contains "${word}", which Cognito refuses: set console.domainPrefix`);
  const rulesAt: [PropertyKey[], unknown][] = [[['alerts', 'rules'], alerts['rules']],
    ...Object.entries(perTenant).map(([t, v]): [PropertyKey[], unknown] => [['alerts', 'tenants', t, 'rules'], isObject(v) ? v['rules'] : undefined])];
  for (const [path, rules] of rulesAt) {
    const feed = isObject(rules) && isObject(rules['feed_silence']) ? rules['feed_silence'] : {};
    for (const id of Object.keys(isObject(feed['sources']) ? feed['sources'] : {}))
      if (!ids.has(id)) issue([...path, 'feed_silence', 'sources', id], `unknown source "${id}"`);
  }
}

/** A forward destination's cross-field rules: one token for HEC, options of the other type refused, ids unique in the tenant. */
function forwardIssues(d: unknown, j: number, all: unknown[]): { path: PropertyKey[]; message: string }[] {
  if (!isObject(d)) return [];
  const out: { path: PropertyKey[]; message: string }[] = [];
  const type = str(d['type']);
  const given = ['token', 'tokenSecretArn', 'tokenSecretName'].filter((k) => d[k] !== undefined).length;
  if (type === 'splunk-hec' && given !== 1) out.push({ path: ['token'], message: 'a Splunk HEC destination needs exactly one of "token" or "tokenSecretArn"' });
  if (type === 'https' && given > 1) out.push({ path: ['token'], message: 'give "token" or "tokenSecretArn", not both' });
  const only = type === 'splunk-hec' ? ['encoding', 'tokenHeader'] : type === 'https' ? ['index', 'sourcetype', 'source', 'host'] : [];
  for (const k of only) if (d[k] !== undefined) out.push({ path: [k], message: `"${k}" applies to ${type === 'https' ? 'splunk-hec' : 'https'} destinations only; remove it` });
  const headers = isObject(d['headers']) ? Object.keys(d['headers']).map((h) => h.toLowerCase()) : [];
  const tokenHeader = type === 'splunk-hec' ? 'authorization' : (str(d['tokenHeader'])?.toLowerCase() ?? 'authorization');
  if (given && headers.includes(tokenHeader)) out.push({ path: ['headers'], message: `the token goes in "${tokenHeader}": remove it from "headers"` });
  if (headers.some((h) => h === 'content-type' || h === 'content-length')) out.push({ path: ['headers'], message: 'content-type and content-length are set by authtrail; remove them from "headers"' });
  const idOf = (x: unknown) => (isObject(x) ? str(x['id']) ?? str(x['type']) : undefined);
  const id = idOf(d);
  if (id !== undefined && all.slice(0, j).some((x) => idOf(x) === id)) out.push({ path: ['id'], message: `two destinations of this tenant are named "${id}": give each its own "id"` });
  return out;
}

/** A credential field's Secrets Manager reference: `<field>SecretArn`, or the CDK app's `<field>SecretName`. */
const SECRET_REF = /^(.+)Secret(Arn|Name)$/;

/**
 * What is wrong with a pull source's settings, by the vendor's own schema (`Puller.settings`).
 * A credential held in Secrets Manager counts as present (only its ARN can be checked before it is
 * read); `resolved` gives the values read from there, checked then like inline ones.
 */
export function pullIssues(pull: Readonly<Record<string, unknown>>, kind: string, resolved: Readonly<Record<string, unknown>> = {}): { path: PropertyKey[]; message: string }[] {
  const puller = pullerFor(kind as SourceKind);
  if (!puller) return [{ path: [], message: `${kind} sources cannot be polled (pull sources: ${Object.keys(PULL_CREDENTIALS).sort().join(', ')}); remove "pull"` }];
  const settings: Record<string, unknown> = {};
  const unread = new Set<string>();
  for (const [k, v] of Object.entries(pull)) {
    const field = SECRET_REF.exec(k)?.[1];
    if (field === undefined) { settings[k] = v; continue; }
    if (pull[field] !== undefined) return [{ path: [k], message: `give "${field}" or "${k}", not both` }];
    const ref = (k.endsWith('Arn') ? SecretArn : z.string().min(1)).safeParse(v);
    if (!ref.success) return [{ path: [k], message: ref.error.issues[0]!.message }];
    if (field in resolved) settings[field] = resolved[field];
    else unread.add(field);
  }
  const r = puller.settings.safeParse(settings);
  if (r.success) return [];
  return r.error.issues
    .filter((i) => !unread.has(String(i.path[0])))
    .map((i) => {
      const field = String(i.path[0] ?? '');
      const missing = i.path.length === 1 && settings[field] === undefined;
      return { path: i.path, message: missing ? `missing: give "${field}"${(PULL_CREDENTIALS[kind as SourceKind] ?? []).includes(field) ? ` (or "${field}SecretArn")` : ''}` : i.message };
    });
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}


/** Config order: each source's errors together, format and reference errors side by side. */
function byPath(a: { path: PropertyKey[] }, b: { path: PropertyKey[] }): number {
  for (let i = 0; i < Math.min(a.path.length, b.path.length); i++) {
    const x = a.path[i], y = b.path[i];
    if (x === y) continue;
    return typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
  }
  return a.path.length - b.path.length;
}

export function parseConfig(input: unknown, origin = 'authtrail.config.json'): Config {
  const r = Config.safeParse(input);
  if (!r.success) throw new ConfigError(`${origin} is invalid:\n${describeIssues([...r.error.issues].sort(byPath))}`, { cause: r.error });
  return r.data;
}

/**
 * The config the deployed Lambdas carry. Inline secrets never reach a template or a bundle:
 * `generatedSecretName(sourceId, field)` names the Secrets Manager secret the CDK app creates
 * instead, for webhook secrets and for the pull credentials `pullCredentials(kind)` lists.
 */
export function runtimeConfig(cfg: Config, generatedSecretName: (sourceId: string, field?: string) => string, pullCredentials: (kind: Source['kind']) => readonly string[] = () => [],
  forwardSecretName?: (tenant: string, destinationId: string) => string): Config {
  return {
    ...cfg,
    // Forward destinations reach only the forwarder's bundle (which passes `forwardSecretName`),
    // and there with an inline token replaced by the name of its Secrets Manager secret.
    tenants: cfg.tenants.map(({ forward, ...t }) => (forward && forwardSecretName
      ? { ...t, forward: forward.map(({ token, ...d }) => (token === undefined ? d : { ...d, tokenSecretName: forwardSecretName(t.id, forwardId(d)) })) }
      : t)),
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

/** The config without forward destinations: for every function but the forwarder. */
export const withoutForward = (cfg: Config): Config => ({ ...cfg, tenants: cfg.tenants.map(({ forward: _forward, ...t }) => t) });


/** Inline pull credentials of a source (local mode only; replaced by Secrets Manager in AWS). */
export const inlinePullCredentials = (s: Source, pullCredentials: (kind: Source['kind']) => readonly string[]) =>
  s.pull ? pullCredentials(s.kind).filter((f) => s.pull![f] !== undefined) : [];

/** Sources whose inline secret the CDK app replaces with a generated Secrets Manager secret. */
export const hasInlineSecret = (s: Source) =>
  usesSecret(s.auth) ? s.auth.secret !== undefined
    : s.auth?.type === 'google-channel-token' ? s.auth.token !== undefined : false;
