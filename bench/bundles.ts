/**
 * DESIGN targets for the Lambda bundles: each ≤ 1 MB, and its module load ≤ 3× a bare `node`.
 * Measured side by side in one run on the real bundles: the CDK app is synthesized with bundling
 * (as `cdk deploy` builds them: `index.mjs` and the chunks esbuild splits off; the size is all of
 * them, "at init" what `index.mjs` imports statically, which a cold start reads), then each
 * function's `index.mjs` is imported the way the Lambda
 * runtime imports a handler (`await import(file)`) in a fresh Node process, on this machine's Node
 * and on Node 24, the Lambda runtime's. A bare `node` (the same command importing nothing) is
 * measured in the same rounds: every round runs each process once — bare and every bundle, both
 * Nodes — in an order that rotates from round to round, so that the machine's other load falls
 * on all of them alike. One warm-up round (file cache) is discarded. Printed: the median over the
 * rounds and its spread (25th–75th percentile) per process, and the ratio of the medians.
 *
 * The processes get a Lambda function's environment: no NODE_OPTIONS, no compile cache (a cold
 * start has none), no extra CA certificates (Lambda's Node 20+ runtimes load none by default).
 * Figures go to bench/figures.json (`bundles`).
 *
 *   node --import tsx bench/bundles.ts [rounds=21]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../lambdas/core/config.ts';
import { synth, TEST_CONFIG } from '../test/helpers/cdk.ts';
import { recordFigures } from './figures.ts';
// @ts-expect-error a plain .mjs script without types
import { ensureNode24 } from '../scripts/ensure-node24.mjs';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const ROUNDS = Number(process.argv[2] ?? 21);
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
// Each function's bundle, named after its description: its files, and those a cold start reads (index.mjs and what it imports statically).
const STATIC_IMPORT = /(?:\bfrom\s*|\bimport\s*)"\.\/([\w-]+\.mjs)"/g;
const initFiles = (index: string) => {
  const seen = new Set([index]);
  for (const f of seen) for (const m of readFileSync(f, 'utf8').matchAll(STATIC_IMPORT)) seen.add(join(dirname(index), m[1]!));
  return [...seen];
};
const size = (files: string[]) => files.reduce((n, f) => n + statSync(f).size, 0);
const bundles: { name: string; file: string; bytes: number; initBytes: number; init: string[] }[] = [];
for (const r of Object.values(template.Resources)) {
  if (r.Type !== 'AWS::Lambda::Function') continue;
  const key = (r.Properties.Code?.S3Key as unknown as string | undefined);
  if (typeof key !== 'string' || !r.Properties.Description) continue;
  const file = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
  if (bundles.some((b) => b.file === file)) continue;
  const init = initFiles(file);
  const all = readdirSync(dirname(file)).filter((f) => f.endsWith('.mjs')).map((f) => join(dirname(file), f));
  bundles.push({ name: r.Properties.Description.split(/[:(,]/)[0]!.trim().slice(0, 40), file, bytes: size(all), initBytes: size(init), init });
}
// The floor under the largest bundle's load: a module that imports only the `node:` built-ins its cold start imports.
const largest = bundles.reduce((a, b) => (b.initBytes > a.initBytes ? b : a));
const builtins = [...new Set(largest.init.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bfrom\s*"(node:[\w/]+)"/g)].map((m) => m[1]!)))].sort();
const builtinsFile = join(outdir, 'bench-builtins-only.mjs');
writeFileSync(builtinsFile, builtins.map((b) => `import ${JSON.stringify(b)};\n`).join(''));

// A Lambda function's environment (names only: no AWS call happens at load).
const env: NodeJS.ProcessEnv = {
  ...process.env, AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench', AUTHTRAIL_TABLE: 't', AUTHTRAIL_STATE_TABLE: 's', AUTHTRAIL_BUCKET: 'b',
  AUTHTRAIL_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:t', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT',
  AUTHTRAIL_CONSOLE_SETTINGS: '{"auth":"local"}', NODE_DISABLE_COMPILE_CACHE: '1',
};
for (const k of ['NODE_OPTIONS', 'NODE_COMPILE_CACHE', 'NODE_EXTRA_CA_CERTS']) delete env[k];

const load = (node: string, file: string | null) => {
  const t = performance.now();
  execFileSync(node, ['--input-type=module', '-e', file ? `await import(${JSON.stringify(file)})` : ''], { env, stdio: 'ignore' });
  return performance.now() - t;
};
const NODES: [string, string][] = [[`node ${process.versions.node.split('.')[0]}`, process.execPath], ['node 24', (ensureNode24 as () => string)()]];
const targets: (string | null)[] = [null, builtinsFile, ...bundles.map((b) => b.file)];
const jobs = NODES.flatMap(([, node], n) => targets.map((file, t) => ({ n, t, node, file })));
const times = jobs.map(() => [] as number[]);
const loadBefore = loadavg()[0]!;
for (let round = -1; round < ROUNDS; round++) {
  for (let i = 0; i < jobs.length; i++) {
    const j = (i + Math.max(round, 0) * 7) % jobs.length; // rotate the order from round to round
    const ms = load(jobs[j]!.node, jobs[j]!.file);
    if (round >= 0) times[j]!.push(ms);
  }
}
const quantile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.round((s.length - 1) * q)]!; };
const stat = (n: number, t: number) => { const xs = times[n * targets.length + t]!; return { median: quantile(xs, 0.5), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75) }; };
const fmt = (x: { median: number; p25: number; p75: number }) => `${x.median.toFixed(0).padStart(4)} ms [${x.p25.toFixed(0)}–${x.p75.toFixed(0)}]`.padEnd(19);

// Other processes on the machine slow the loads down, the larger ones more: say how busy it was.
const load1 = Math.max(loadBefore, loadavg()[0]!);
const busy = load1 >= availableParallelism();
console.log(`Lambda bundles (${bundles.length}, as cdk deploy builds them). Module load of a fresh process: median of ${ROUNDS} interleaved rounds [25th–75th percentile], ÷ a bare node's in the same rounds:`);
const bare = NODES.map((_, n) => stat(n, 0));
const floor = NODES.map((_, n) => stat(n, 1));
console.log(`  ${'bare node (imports nothing)'.padEnd(40)} ${''.padStart(6)}        ${''.padStart(16)}${NODES.map(([label], n) => `${label} ${fmt(bare[n]!)}`).join('   ')}`);
console.log(`  ${`only the ${builtins.length} node: built-ins of the largest`.padEnd(40)} ${''.padStart(6)}        ${''.padStart(16)}${NODES.map(([label], n) => `${label} ${fmt(floor[n]!)} = ${(floor[n]!.median / bare[n]!.median).toFixed(2)}`).join('  ')}`);
console.log(`  machine load ${load1.toFixed(1)} on ${availableParallelism()} CPUs during the rounds${busy ? ': BUSY — other processes share the CPUs; these figures are high and spread wide, measure again when it is idle' : ''}`);
let worstSize = 0;
const worstRatio = NODES.map(() => 0);
const perBundle: Record<string, unknown>[] = [];
bundles.forEach((b, i) => {
  worstSize = Math.max(worstSize, b.bytes);
  const cells = NODES.map(([label], n) => {
    const x = stat(n, i + 2);
    const ratio = x.median / bare[n]!.median;
    worstRatio[n] = Math.max(worstRatio[n]!, ratio);
    return { label, x, ratio };
  });
  perBundle.push({ name: b.name, kb: Math.round(b.bytes / 1024), init_kb: Math.round(b.initBytes / 1024), ...Object.fromEntries(cells.flatMap((c) => [[`${c.label.replace(' ', '')}_ms`, Math.round(c.x.median)], [`${c.label.replace(' ', '')}_ratio`, Number(c.ratio.toFixed(2))]])) });
  console.log(`  ${b.name.padEnd(40)} ${(b.bytes / 1024).toFixed(0).padStart(6)} KB${b.bytes > MAX_BYTES ? ' OVER' : '     '} ${(b.initBytes / 1024).toFixed(0).padStart(4)} KB at init  ${cells.map((c) => `${c.label} ${fmt(c.x)} = ${c.ratio.toFixed(2)}${c.ratio > MAX_RATIO ? ' OVER' : '     '}`).join('  ')}`);
});
console.log(`  largest bundle ${(worstSize / 1024).toFixed(0)} KB (target ≤ ${MAX_BYTES / 1024} KB: ${worstSize <= MAX_BYTES ? 'met' : 'MISSED'}); highest load ratio ${NODES.map(([label], n) => `${label} ${worstRatio[n]!.toFixed(2)}`).join(', ')} (target ≤ ${MAX_RATIO}: ${worstRatio.every((r) => r <= MAX_RATIO) ? 'met' : 'MISSED'})`);
recordFigures('bundles', {
  rounds: ROUNDS,
  load_average: Number(load1.toFixed(1)),
  largest_kb: Math.round(worstSize / 1024),
  largest_init_kb: Math.round(largest.initBytes / 1024),
  ...Object.fromEntries(NODES.flatMap(([label], n) => {
    const k = label.replace(' ', '');
    return [[`${k}_version`, execFileSync(NODES[n]![1], ['--version'], { encoding: 'utf8' }).trim()], [`${k}_bare_ms`, Math.round(bare[n]!.median)], [`${k}_builtins_only_ms`, Math.round(floor[n]!.median)], [`${k}_highest_ratio`, Number(worstRatio[n]!.toFixed(2))]];
  })),
  bundles: perBundle,
});
