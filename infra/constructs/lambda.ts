/**
 * One way to build every authtrail Lambda function: latest Node.js on arm64, an esbuild ESM
 * bundle with the SDK inside (the version the tests ran), X-Ray, its own log group, and the
 * cdk-nag acknowledgements every such function shares. Source maps only when asked
 * (`-c authtrail:sourceMaps=true`): Node reads a bundle's map at every cold start when they are on
 * (`--enable-source-maps`), about 30 ms more module load (bench/bundles.ts measures it without).
 *
 * The bundle is split (esbuild `splitting`): `index.mjs` and the chunks it imports hold what a cold
 * start loads; what the code reaches only through `import()` (the S3 client of a quarantined body,
 * the SDK's rarely used parts) sits in chunks of its own, read the first time it is needed. The
 * asset holds them all. NodejsFunction's own bundling writes one file (`--outfile`), so the
 * function gets its code from `bundle()` below, with the options NodejsFunction passed esbuild.
 */
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { AssetHashType, DockerImage, Duration, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { SourceKind } from '../../lambdas/core/event.ts';
import { acknowledge } from '../nag.ts';

export interface AuthTrailFunctionProps {
  /** The handler file under lambdas/handlers/, without `.ts`. */
  readonly handler: string;
  readonly description: string;
  readonly environment?: Record<string, string>;
  /** Values compiled into the bundle (esbuild `define`), e.g. the secret-free runtime config. */
  readonly define?: Record<string, string>;
  /** @default 29 seconds (API Gateway gives up on an integration after 30 s) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  readonly logRetention: logs.RetentionDays;
  /** The `service` of its logs and metrics (`metricsService(deploymentName)`). @default 'authtrail' */
  readonly service?: string;
}

export const handlerEntry = (name: string) => fileURLToPath(new URL(`../../lambdas/handlers/${name}.ts`, import.meta.url));

/** In Lambda bundles the SDK's default credential chain is the environment only (lambdas/adapters/lambda-credentials.ts). */
const LAMBDA_CREDENTIALS = fileURLToPath(new URL('../../lambdas/adapters/lambda-credentials.ts', import.meta.url));
/** …and `node:process` is the global `process`, without the module namespace Node builds for it (lambdas/adapters/lambda-process.ts). */
const LAMBDA_PROCESS = fileURLToPath(new URL('../../lambdas/adapters/lambda-process.ts', import.meta.url));

/**
 * Each vendor's modules, for the bundles that carry only their sources' vendors (`#vendors` and
 * `#pullers` mapped per function; lambdas/sources/all-vendors.ts and all-pullers.ts hold every
 * one, and a unit test holds this table equal to them).
 */
export const VENDOR_MODULES: Readonly<Record<SourceKind, { readonly map: readonly [string, string]; readonly pull?: readonly [string, string] }>> = {
  okta: { map: ['okta/map.ts', 'okta'], pull: ['okta/pull.ts', 'oktaPuller'] },
  duo: { map: ['duo/map.ts', 'duo'], pull: ['duo/pull.ts', 'duoPuller'] },
  entra: { map: ['entra/map.ts', 'entra'], pull: ['entra/pull.ts', 'entraPuller'] },
  google_workspace: { map: ['google-workspace/map.ts', 'googleWorkspace'], pull: ['google-workspace/pull.ts', 'googlePuller'] },
  auth0: { map: ['auth0/map.ts', 'auth0'] },
  pingone: { map: ['pingone/map.ts', 'pingone'] },
  onelogin: { map: ['onelogin/map.ts', 'onelogin'] },
  jumpcloud: { map: ['jumpcloud/map.ts', 'jumpcloud'], pull: ['jumpcloud/pull.ts', 'jumpcloudPuller'] },
  keycloak: { map: ['keycloak/map.ts', 'keycloak'] },
  aws_signin: { map: ['aws-signin/map.ts', 'awsSignin'] },
  generic: { map: ['generic/map.ts', 'generic'] },
};

const SOURCES_DIR = fileURLToPath(new URL('../../lambdas/sources/', import.meta.url));

/**
 * The `#vendors` and `#pullers` modules of a bundle whose runtime config names its sources:
 * written next to the build (a directory of their own per content), holding only those sources'
 * vendors, and the esbuild aliases to them. Undefined without a runtime config (every vendor).
 */
export function vendorAliases(define: Record<string, string> | undefined): Record<string, string> | undefined {
  const json = define?.[RUNTIME_CONFIG_DEFINE];
  if (json === undefined) return undefined;
  const sources = (JSON.parse(JSON.parse(json) as string) as { sources?: { kind: SourceKind; pull?: unknown }[] }).sources ?? [];
  const kinds = [...new Set(sources.map((x) => x.kind))].sort();
  const pulled = [...new Set(sources.filter((x) => x.pull).map((x) => x.kind))].sort().filter((k) => VENDOR_MODULES[k].pull);
  const module = (entries: [string, readonly [string, string]][], name: string, type: string) => [
    `import type { SourceKind } from ${JSON.stringify(join(SOURCES_DIR, '../core/event.ts'))};`,
    `import type { ${type} } from ${JSON.stringify(join(SOURCES_DIR, type === 'Normalizer' ? '../core/normalizer.ts' : '../core/pull.ts'))};`,
    ...entries.map(([, [file, ex]]) => `import { ${ex} } from ${JSON.stringify(join(SOURCES_DIR, file))};`),
    `export const ${name}: Partial<Record<SourceKind, ${type === 'Normalizer' ? 'Normalizer' : 'Puller<never>'}>> = { ${entries.map(([k, [, ex]]) => `${k}: ${ex}${type === 'Normalizer' ? '' : ' as Puller<never>'}`).join(', ')} };`,
    '',
  ].join('\n');
  const vendors = module(kinds.map((k) => [k, VENDOR_MODULES[k].map]), 'NORMALIZERS', 'Normalizer');
  const pullers = module(pulled.map((k) => [k, VENDOR_MODULES[k].pull!]), 'PULLERS', 'Puller');
  const dir = join(tmpdir(), 'authtrail-vendors', createHash('sha256').update(vendors + pullers).digest('hex').slice(0, 16));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vendors.ts'), vendors);
  writeFileSync(join(dir, 'pullers.ts'), pullers);
  return { '#vendors': join(dir, 'vendors.ts'), '#pullers': join(dir, 'pullers.ts') };
}

/** Where a handler's runtime config is compiled into its bundle (lambdas/handlers/runtime-config.ts). */
export const RUNTIME_CONFIG_DEFINE = 'process.env.AUTHTRAIL_RUNTIME_CONFIG';

/**
 * The bundle's defines with its runtime config parsed here, at synth, by the same `parseConfig`
 * a cold start ran on it before, and `AUTHTRAIL_CONFIG_PARSED` set: the handler then takes the
 * JSON as it is, and its bundle carries neither the config's zod schemas nor their construction.
 */
export function bundleDefines(define: Record<string, string> | undefined): Record<string, string> | undefined {
  const json = define?.[RUNTIME_CONFIG_DEFINE];
  if (json === undefined) return define;
  const parsed = parseConfig(JSON.parse(JSON.parse(json) as string), 'the runtime config of a Lambda bundle');
  return { ...define, [RUNTIME_CONFIG_DEFINE]: JSON.stringify(JSON.stringify(parsed)), AUTHTRAIL_CONFIG_PARSED: 'true' };
}

/** The CDK context key that turns source maps on (stack traces with the TypeScript lines). */
export const SOURCE_MAPS_CONTEXT = 'authtrail:sourceMaps';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * esbuild run at synth, as NodejsFunction ran it, with splitting. Its fields are what the CDK's
 * asset cache keys the bundle by (two functions with the same handler and defines share one).
 */
class SplitBundling implements ILocalBundling {
  readonly entry: string;
  readonly define: Record<string, string> | undefined;
  constructor(handler: string, readonly sourceMaps: boolean, define: Record<string, string> | undefined) {
    this.entry = handlerEntry(handler);
    this.define = bundleDefines(define);
  }

  tryBundle(outputDir: string): boolean {
    buildSync({
      entryPoints: { index: this.entry },
      outdir: outputDir,
      bundle: true,
      splitting: true,
      format: 'esm',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      platform: 'node',
      target: 'node22',
      minify: true,
      sourcemap: this.sourceMaps,
      mainFields: ['module', 'main'],
      // Nothing is external but Node's built-ins: the bundle runs the SDK version the tests ran, not whatever the Lambda runtime ships.
      banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
      ...(this.define ? { define: this.define } : {}),
      alias: { '@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS, 'node:process': LAMBDA_PROCESS, ...vendorAliases(this.define) },
      absWorkingDir: PROJECT_ROOT,
      logLevel: 'warning',
    });
    return true;
  }
}

/**
 * A handler's code: `index.mjs` and its chunks, hashed by output; built when the stack is bundled
 * (`aws:cdk:bundling-stacks` skips it, as it skipped NodejsFunction's own bundling).
 */
export const bundle = (handler: string, sourceMaps: boolean, define?: Record<string, string>): lambda.Code =>
  lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    // Never used: the local bundling always succeeds or throws esbuild's error.
    bundling: { image: DockerImage.fromRegistry('esbuild-runs-locally'), local: new SplitBundling(handler, sourceMaps, define) },
  });

export function authtrailFunction(scope: Construct, id: string, p: AuthTrailFunctionProps): NodejsFunction {
  const sourceMaps = [true, 'true'].includes(scope.node.tryGetContext(SOURCE_MAPS_CONTEXT) as string | boolean);
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: p.logRetention });
  const fn = new NodejsFunction(scope, id, {
    code: bundle(p.handler, sourceMaps, p.define),
    handler: 'index.handler',
    description: p.description,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: p.memorySize ?? 512,
    timeout: p.timeout ?? Duration.seconds(29),
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    environment: {
      ...p.environment,
      POWERTOOLS_SERVICE_NAME: p.service ?? 'authtrail',
      POWERTOOLS_METRICS_NAMESPACE: 'authtrail',
      ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    },
  });
  acknowledge(fn, 'AWSLambdaBasicExecutionRole only allows writing logs.', 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]');
  acknowledge(fn, 'X-Ray accepts trace segments only on Resource "*".', 'AwsSolutions-IAM5[Resource::*]');
  return fn;
}
