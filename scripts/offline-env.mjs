// The environment every SDK- or CDK-running process of this project gets: nothing may leave loopback.
export const OFFLINE_ENV = {
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: '1',
  DDB_LOCAL_TELEMETRY: '0',
  POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'false',
};
