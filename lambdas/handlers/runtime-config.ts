/**
 * The deployed config, once per process. In AWS the bundler inlines it at this exact expression,
 * already parsed by `parseConfig` when the CDK app built the bundle (infra/constructs/lambda.ts
 * defines `AUTHTRAIL_CONFIG_PARSED` then), so that a cold start neither builds the config's zod
 * schemas nor validates it a second time: the bundle does not even carry them. Locally the runtime
 * sets the variable and it is parsed here. Keep it a literal `process.env.X` so esbuild's define
 * can replace it.
 */
import type { Config } from '../core/config.ts';

declare const AUTHTRAIL_CONFIG_PARSED: boolean | undefined;

const runtimeConfigJson = process.env.AUTHTRAIL_RUNTIME_CONFIG;
if (!runtimeConfigJson) throw new Error('environment variable AUTHTRAIL_RUNTIME_CONFIG is not set');
export const config: Config = typeof AUTHTRAIL_CONFIG_PARSED !== 'undefined' && AUTHTRAIL_CONFIG_PARSED
  ? (JSON.parse(runtimeConfigJson) as Config)
  : (await import('../core/config.ts')).parseConfig(JSON.parse(runtimeConfigJson), 'AUTHTRAIL_RUNTIME_CONFIG');

/** The previous layout's hot table while a deployment upgrades: from the config in AWS, from the local runtime when it found one. */
export const legacyHotTable = () => config.upgrade?.legacyHotTable ?? (process.env.AUTHTRAIL_LEGACY_TABLE || undefined);
