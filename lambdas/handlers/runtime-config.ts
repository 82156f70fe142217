/**
 * The deployed config, parsed once per process. In AWS the bundler inlines the (secret-free)
 * config at this exact expression; locally the runtime sets the variable. Keep it a literal
 * `process.env.X` so esbuild's define can replace it.
 */
import { parseConfig } from '../core/config.ts';

const runtimeConfigJson = process.env.AUTHTRAIL_RUNTIME_CONFIG;
if (!runtimeConfigJson) throw new Error('environment variable AUTHTRAIL_RUNTIME_CONFIG is not set');
export const config = parseConfig(JSON.parse(runtimeConfigJson), 'AUTHTRAIL_RUNTIME_CONFIG');

/** The previous layout's hot table while a deployment upgrades: from the config in AWS, from the local runtime when it found one. */
export const legacyHotTable = () => config.upgrade?.legacyHotTable ?? (process.env.AUTHTRAIL_LEGACY_TABLE || undefined);
