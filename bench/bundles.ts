/**
 * DESIGN targets for the Lambda bundles: each ≤ 1 MB, and its module load ≤ 3× a bare `node`.
 * Measured side by side in one run on the real bundles: the CDK app is synthesized with bundling
 * (as `cdk deploy` builds them), then each function's `index.mjs` is loaded in a fresh Node
 * process (median of 9 alternating rounds against a process that loads nothing), on this
 * machine's Node and on Node 24, the Lambda runtime's.
 *
 *   node --import tsx bench/bundles.ts [rounds=9]
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../lambdas/core/config.ts';
import { synth, TEST_CONFIG } from '../test/helpers/cdk.ts';
// @ts-expect-error a plain .mjs script without types
import { ensureNode24 } from '../scripts/ensure-node24.mjs';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const ROUNDS = Number(process.argv[2] ?? 9);
const MAX_BYTES = 1024 * 1024;
const MAX_RATIO = 3;

// The test config with every optional function on: SIEM forwarding and the Security Lake export.
const config = parseConfig({
  ...TEST_CONFIG,
  tenants: TEST_CONFIG.tenants.map((t, i) => (i ? t : { ...t, forward: [{ type: 'splunk-hec', url: 'https://splunk.example.com:8088', token: 'bench-token', index: 'auth' }] })),
  ocsf: { securityLake: { bucketName: 'aws-security-data-lake-us-east-1-bench' } },
}, 'bench');
const s = synth(config, { bundle: true });
const outdir = s.app.outdir;
const template = s.templates.stateless.toJSON() as { Resources: Record<string, { Type: string; Properties: { Description?: string; Code?: { S3Key?: string } }; Metadata?: Record<string, string> }> };
// Each function's asset directory, named after its description.
const bundles = new Map<string, string>();
for (const r of Object.values(template.Resources)) {
  if (r.Type !== 'AWS::Lambda::Function') continue;
  const key = (r.Properties.Code?.S3Key as unknown as string | undefined);
  if (typeof key !== 'string' || !r.Properties.Description) continue;
  const asset = `asset.${key.replace(/\.zip$/, '')}`;
  const name = r.Properties.Description.split(/[:(,]/)[0]!.trim().slice(0, 40);
  if (![...bundles.values()].includes(asset)) bundles.set(name, asset);
}

// A loader that imports the bundle with the environment a Lambda function has (names only: no AWS call at load).
const env = {
  ...process.env, AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench', AUTHTRAIL_TABLE: 't', AUTHTRAIL_STATE_TABLE: 's', AUTHTRAIL_BUCKET: 'b',
  AUTHTRAIL_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:t', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT',
  AUTHTRAIL_CONSOLE_SETTINGS: '{"auth":"local"}',
};
const load = (node: string, file: string | null) => {
  const t = performance.now();
  execFileSync(node, ['--input-type=module', '-e', file ? `await import(${JSON.stringify(file)})` : ''], { env, stdio: 'ignore' });
  return performance.now() - t;
};
const NODES: [string, string][] = [[`node ${process.versions.node.split('.')[0]}`, process.execPath], ['node 24', (ensureNode24 as () => string)()]];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`Lambda bundles (${bundles.size}, as cdk deploy builds them; module load: median of ${ROUNDS} fresh processes ÷ a bare node's, alternating, on ${NODES.map(([n]) => n).join(' and ')}):`);
let worstSize = 0;
let worstRatio = 0;
for (const [name, asset] of bundles) {
  const file = join(outdir, asset, 'index.mjs');
  const size = statSync(file).size;
  worstSize = Math.max(worstSize, size);
  const ratios = NODES.map(([label, node]) => {
    const bare: number[] = [];
    const loaded: number[] = [];
    for (let i = 0; i < ROUNDS; i++) { bare.push(load(node, null)); loaded.push(load(node, file)); }
    const ratio = median(loaded) / median(bare);
    worstRatio = Math.max(worstRatio, ratio);
    return `${label} ${median(loaded).toFixed(0).padStart(4)} ms ÷ ${median(bare).toFixed(0).padStart(3)} ms = ${ratio.toFixed(2)}${ratio > MAX_RATIO ? ' OVER' : ''}`;
  });
  console.log(`  ${name.padEnd(40)} ${(size / 1024).toFixed(0).padStart(6)} KB${size > MAX_BYTES ? ' OVER' : '     '}  ${ratios.join('; ')}`);
}
console.log(`  largest bundle ${(worstSize / 1024).toFixed(0)} KB (target ≤ ${MAX_BYTES / 1024} KB: ${worstSize <= MAX_BYTES ? 'met' : 'MISSED'}); highest load ratio ${worstRatio.toFixed(2)} (target ≤ ${MAX_RATIO}: ${worstRatio <= MAX_RATIO ? 'met' : 'MISSED'})`);
