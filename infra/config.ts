/**
 * The demo config has one source of every push and EventBridge kind; the pull-only kinds (Duo,
 * JumpCloud) are left out because polling them would reach the vendor's real API.
 *
 * Reads `authtrail.config.json` (or `$AUTHTRAIL_CONFIG`) for the CDK app, the local runtime and
 * the CLI. No file means the demo config, whose secrets the README documents.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseConfig, type Config } from '../lambdas/core/config.ts';

export const DEMO_CONFIG = {
  tenants: [{ id: 'demo', name: 'Demo Tenant' }],
  sources: [
    {
      id: 'demo-okta', tenant: 'demo', kind: 'okta',
      auth: { type: 'shared-secret', header: 'authorization', secret: 'demo-okta-secret' },
      eventbridge: {},
    },
    {
      id: 'demo-entra', tenant: 'demo', kind: 'entra',
      auth: { type: 'shared-secret', header: 'x-authtrail-key', secret: 'demo-entra-secret' },
    },
    {
      id: 'demo-auth0', tenant: 'demo', kind: 'auth0',
      auth: { type: 'shared-secret', header: 'authorization', secret: 'Bearer demo-auth0-secret' },
      eventbridge: {},
    },
    {
      id: 'demo-pingone', tenant: 'demo', kind: 'pingone',
      auth: { type: 'shared-secret', header: 'authorization', secret: 'Basic ZGVtbzpwaW5nb25l' },
    },
    {
      id: 'demo-onelogin', tenant: 'demo', kind: 'onelogin',
      auth: { type: 'shared-secret', header: 'authorization', secret: 'Bearer demo-onelogin-secret' },
    },
    {
      id: 'demo-google', tenant: 'demo', kind: 'google_workspace',
      auth: { type: 'google-channel-token', token: 'demo-google-channel-token' },
    },
    {
      id: 'demo-keycloak', tenant: 'demo', kind: 'keycloak',
      auth: { type: 'hmac-sha256', header: 'x-keycloak-signature', secret: 'demo-keycloak-secret' },
    },
    { id: 'demo-aws', tenant: 'demo', kind: 'aws_signin', eventbridge: {} },
    {
      id: 'demo-generic', tenant: 'demo', kind: 'generic',
      auth: { type: 'shared-secret', header: 'authorization', secret: 'demo-generic-secret' },
    },
  ],
  retention: { hotDays: 90, archiveDays: 2555, infrequentAccessAfterDays: 30, glacierAfterDays: 180 },
  alerts: {},
} as const;

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or null for the demo config. */
  readonly path: string | null;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedConfig {
  const explicit = env.AUTHTRAIL_CONFIG;
  const path = resolve(cwd, explicit ?? 'authtrail.config.json');
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`AUTHTRAIL_CONFIG points to ${path}, which does not exist`);
    return { config: parseConfig(DEMO_CONFIG, 'the demo config'), path: null };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return { config: parseConfig(raw, path), path };
}

/**
 * The config `cdk synth` / `cdk deploy` use: the file, never the demo config by accident. The demo
 * is deployed only when asked for with `--context demo=true`.
 */
export function deployConfig(demoContext: unknown, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const loaded = loadConfig(env, cwd);
  if (loaded.path || demoContext === true || demoContext === 'true') return loaded.config;
  throw new ConfigError(`no ${resolve(cwd, 'authtrail.config.json')} (nor AUTHTRAIL_CONFIG): refusing to synthesize the demo config. Write your config (examples/authtrail.config.json is a start), or add --context demo=true to deploy the demo on purpose.`);
}
