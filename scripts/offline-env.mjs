// The environment every SDK- or CDK-running process of this project gets: nothing may leave loopback.
export const OFFLINE_ENV = {
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: '1',
  DDB_LOCAL_TELEMETRY: '0',
  POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'false',
};

/** Switches that only keep tools quiet (no telemetry, no version check): safe when talking to AWS. */
export const QUIET_ENV = { CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: '1' };

/**
 * The environment for `npm run cdk -- <command>`: `synth` needs no AWS and runs fully offline;
 * anything else (deploy, diff, bootstrap, destroy) talks to AWS with the caller's own settings —
 * an instance role on EC2, SSO, a profile — and only telemetry and the version check are off.
 */
export function cdkEnv(args, env = process.env) {
  return args[0] === 'synth' ? { ...env, ...OFFLINE_ENV } : { ...env, ...QUIET_ENV };
}
