/**
 * The deployed names the AWS mode of the operator commands needs, read only from the file
 * `cdk deploy --outputs-file <file>` wrote (CONTRACT §7): `{"<stack>": {"<OutputKey>": "<value>"}}`.
 * Keys are looked up across the stacks of the file, so the stacks' names do not matter.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './errors.ts';

/** The stack output keys the CLI reads (each is a `CfnOutput` id of the stateful or stateless stack). */
export const OUTPUT_KEYS = {
  bucket: 'ArchiveBucketName',
  table: 'HotTableName',
  stateTable: 'StateTableName',
  /** The archive's KMS key, set on the quarantine objects a replay writes (as the intake Lambdas do). */
  key: 'ArchiveKeyArn',
  /** The Glue database Athena queries run in (`<deploymentName>` with `_` for `-`). */
  glueDatabase: 'GlueDatabaseName',
  /** Per tenant with pull sources: `PollerFunctionName<tenant>` (`pollerOutputKey`). */
  pollerFunction: 'PollerFunctionName',
  eventBridgeFunction: 'EventBridgeFunctionName',
  archiverFunction: 'ArchiverFunctionName',
  detectorFunction: 'DetectorFunctionName',
  feedHealthFunction: 'FeedHealthFunctionName',
  /** The web console's address (`<ApiUrl>/console/`), signed in through the user pool. */
  consoleUrl: 'ConsoleUrl',
} as const;

/**
 * A tenant id as it appears in output names: CloudFormation output names are alphanumeric, so
 * `-` and `_` are left out (`acme-eu` → `acmeeu`; the CDK app refuses two tenants that collide).
 */
export const tenantOutputId = (tenant: string) => tenant.replace(/[^A-Za-z0-9]/g, '');

/** The output naming a tenant's pseudonym key secret (tenants whose privacy policy pseudonymizes). */
export const privacyKeyOutputKey = (tenant: string) => `PrivacyKeySecretArn${tenantOutputId(tenant)}`;

/** The output naming the poller function of a tenant's pull sources. */
export const pollerOutputKey = (tenant: string) => `${OUTPUT_KEYS.pollerFunction}${tenantOutputId(tenant)}`;

/** `authtrail redrive <queue>`: each dead-letter queue's output key and the function it feeds. */
export const DLQS = {
  archiver: { url: 'ArchiverDlqUrl', fn: OUTPUT_KEYS.archiverFunction },
  detector: { url: 'DetectorDlqUrl', fn: OUTPUT_KEYS.detectorFunction },
  eventbridge: { url: 'EventBridgeDlqUrl', fn: OUTPUT_KEYS.eventBridgeFunction },
  'feed-health': { url: 'FeedHealthDlqUrl', fn: OUTPUT_KEYS.feedHealthFunction },
  poller: { url: 'PollerDlqUrl', fn: OUTPUT_KEYS.pollerFunction },
  /** Present when some tenant forwards to a SIEM. */
  forwarder: { url: 'ForwarderDlqUrl', fn: 'ForwarderFunctionName' },
} as const;
export type DlqName = keyof typeof DLQS;

export interface Outputs {
  readonly file: string;
  /** An output's value, or undefined when no stack in the file has it. */
  get(key: string): string | undefined;
  /** An output's value; a one-line error naming the fix when it is missing. */
  need(key: string, what: string): string;
  /** Every output key of the file, in file order. */
  keys(): string[];
}

export function parseOutputs(text: string, file: string): Outputs {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (err) {
    throw new CliError(`--outputs ${file} is not valid JSON (${(err as Error).message}): pass the file cdk deploy --outputs-file wrote`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
    throw new CliError(`--outputs ${file} is not a CDK outputs file ({"<stack>": {"<output>": "<value>"}}): pass the file cdk deploy --outputs-file wrote`);
  }
  const merged = new Map<string, { value: string; stack: string }>();
  for (const [stack, outs] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    for (const [k, v] of Object.entries(outs)) {
      if (typeof v !== 'string') continue;
      const seen = merged.get(k);
      if (seen && seen.value !== v) throw new CliError(`--outputs ${file} holds several deployments (${k} in ${seen.stack} and ${stack}): write one outputs file per deployment`);
      merged.set(k, { value: v, stack });
    }
  }
  return {
    file,
    get: (key) => merged.get(key)?.value,
    keys: () => [...merged.keys()],
    need(key, what) {
      const v = merged.get(key)?.value;
      if (!v) throw new CliError(`--outputs ${file} has no ${key} (${what}): deploy this version (npx cdk deploy --all --outputs-file ${file}) and pass the file it writes`);
      return v;
    },
  };
}

export function readOutputs(path: string): Outputs {
  const file = resolve(path);
  if (!existsSync(file)) throw new CliError(`--outputs ${file} does not exist: write it with npx cdk deploy --all --outputs-file ${path}`);
  return parseOutputs(readFileSync(file, 'utf8'), file);
}
