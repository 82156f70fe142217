/**
 * The Lambda bundles as `cdk deploy` ships them (infra/constructs/lambda.ts: esbuild with
 * splitting): each function's asset holds its index.mjs and every chunk those files import,
 * statically or through `import()`; every handler loads from its built bundle, on this Node and on
 * Node 24 (the Lambda runtime's); the S3 client is off the intakes' cold-start path, and the path
 * that needs it still runs from the bundle: an intake quarantines a body into S3 (stand-ins on
 * loopback).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { StatelessStack } from '../../infra/stacks/stateless.ts';
import { synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
// @ts-expect-error a plain .mjs script without types
import { NODE24 } from '../../scripts/ensure-node24.mjs';

// Every optional function on (SIEM forwarding, the Security Lake export), as bench/bundles.ts builds them.
const config = parseConfig({
  ...TEST_CONFIG,
  tenants: TEST_CONFIG.tenants.map((t, i) => (i ? t : { ...t, forward: [{ type: 'splunk-hec', url: 'https://splunk.example.com:8088', token: 'bundle-test-token', index: 'auth' }] })),
  ocsf: { securityLake: { bucketName: 'aws-security-data-lake-us-east-1-test' } },
}, 'test');

const CHUNK_REF = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'](\.[^"']+)["']/g;
const refs = (text: string) => [...text.matchAll(CHUNK_REF)].map((m) => m[1]!);
const STATIC_REF = /(?:\bfrom\s*|\bimport\s*)["'](\.[^"']+)["']/g;
/** The files a cold start reads: index.mjs and, transitively, what they import statically. */
function initFiles(dir: string): string[] {
  const seen = new Set<string>(['index.mjs']);
  for (const f of seen) for (const m of readFileSync(join(dir, f), 'utf8').matchAll(STATIC_REF)) seen.add(m[1]!.replace(/^\.\//, ''));
  return [...seen];
}

const ENV = {
  PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_LAMBDA_FUNCTION_NAME: 'bundle-test', AUTHTRAIL_TABLE: 't', AUTHTRAIL_STATE_TABLE: 's', AUTHTRAIL_BUCKET: 'b',
  AUTHTRAIL_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:t', AUTHTRAIL_CONSOLE_SETTINGS: '{"auth":"local"}', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT',
};
const run = (node: string, script: string, env: Record<string, string | undefined>) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = execFile(node, ['--input-type=module', '-e', script], { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }));
    child.stdin?.end();
  });

describe('Lambda bundles (index.mjs and its chunks)', () => {
  let b: Synth;
  let outdir: string;
  let assets: { name: string; dir: string }[];
  before(() => {
    b = synth(config, { bundle: true });
    outdir = b.app.synth().directory;
    const fns = b.templates.stateless.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    // authtrail's functions (each has a description), not the CDK's own custom-resource provider.
    assets = [...new Map(Object.values(fns).flatMap((f) => {
      const p = f.Properties as { Description?: string; Code: { S3Key: string } };
      return p.Description ? [[p.Code.S3Key, { name: p.Description.slice(0, 40), dir: join(outdir, `asset.${p.Code.S3Key.replace(/\.zip$/, '')}`) }] as const] : [];
    })).values()];
  });

  it('each asset holds every chunk its files import, and nothing outside it', () => {
    assert.equal(assets.length, 17);
    let split = 0;
    for (const { name, dir } of assets) {
      const files = readdirSync(dir).filter((f) => f.endsWith('.mjs'));
      assert.ok(files.includes('index.mjs'), `${name}: no index.mjs`);
      for (const f of files) {
        for (const r of refs(readFileSync(join(dir, f), 'utf8'))) {
          assert.match(r, /^\.\/[\w-]+\.mjs$/, `${name}: ${f} imports ${r}, outside its asset`);
          assert.ok(existsSync(join(dir, r)), `${name}: ${f} imports ${r}, which the asset lacks`);
        }
      }
      if (files.length > 1) split++;
    }
    assert.ok(split >= 10, 'the SDK-using bundles are split into chunks');
  });

  it('the intakes and pollers load no S3 client at cold start (it is in a chunk read on the first quarantined body)', () => {
    const c = (b.stateless as StatelessStack).collector;
    const fnDir = (fn: { node: { defaultChild?: unknown } }) => {
      const id = b.stateless.getLogicalId(fn.node.defaultChild as CfnElement);
      const key = String(b.templates.stateless.toJSON().Resources[id].Properties.Code.S3Key);
      return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    };
    const intakes = [c.ingestFunction, c.eventBridgeFunction, ...Object.values(c.tenantFunctions).flatMap((t) => [t.intake, t.poller].filter((f) => f !== undefined))];
    assert.ok(intakes.length >= 6);
    for (const fn of intakes) {
      const dir = fnDir(fn);
      const atInit = initFiles(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      const all = readdirSync(dir).filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      assert.ok(all.includes('"PutObject"'), `${fn.node.id}: the S3 quarantine writer is in the asset`);
      assert.ok(!atInit.includes('"PutObject"'), `${fn.node.id}: the S3 client is loaded at cold start`);
      assert.ok(atInit.includes('"PutItem"') || atInit.includes('PutItem'), `${fn.node.id}: DynamoDB is loaded at cold start`);
    }
  });

  for (const [label, node] of [[`Node ${process.versions.node.split('.')[0]}`, process.execPath], ['Node 24 (the Lambda runtime)', NODE24 as string]] as const) {
    it(`every handler loads from its built bundle on ${label}`, { skip: !existsSync(node) && `no Node 24 at ${node as string}: run node scripts/ensure-node24.mjs` }, async () => {
      for (const { name, dir } of assets) {
        const r = await run(node, `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); if (typeof m.handler !== 'function') { console.log('no handler'); process.exit(3); } console.log('ok');`, ENV);
        assert.equal(r.code, 0, `${name}: ${r.out.slice(0, 600)}`);
        assert.match(r.out, /^ok$/m, name);
      }
    });
  }

  describe('an intake quarantines from its bundle (the S3 client comes from a chunk then)', () => {
    let server: Server;
    const seen: { method: string; url: string; target: string; body: string }[] = [];
    before(async () => {
      // One loopback stand-in for Secrets Manager (the webhook secret) and S3 (the quarantine object).
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const target = String(req.headers['x-amz-target'] ?? '');
          seen.push({ method: req.method!, url: req.url!, target, body: Buffer.concat(chunks).toString('utf8') });
          if (target === 'secretsmanager.GetSecretValue') {
            res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x', Name: 'x', SecretString: 'bundle-test-secret', VersionId: 'v1', VersionStages: ['AWSCURRENT'] }));
          } else if (req.method === 'PUT') {
            res.writeHead(200, { etag: '"0"' }).end();
          } else {
            res.writeHead(400).end();
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    });
    after(() => server.close());

    const node = existsSync(NODE24 as string) ? (NODE24 as string) : process.execPath;
    it(`a body that is not JSON is answered 400 and written to S3 under quarantine/ (on ${node === process.execPath ? 'this Node' : 'Node 24'})`, async () => {
      const c = (b.stateless as StatelessStack).collector;
      const fn = c.tenantFunctions['acme']!.intake!;
      const id = b.stateless.getLogicalId(fn.node.defaultChild as CfnElement);
      const key = String(b.templates.stateless.toJSON().Resources[id].Properties.Code.S3Key);
      const file = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
      const source = TEST_CONFIG.sources.find((x) => x.tenant === 'acme' && x.auth?.type === 'shared-secret')!;
      const header = (source.auth as { header: string }).header;
      const event = { version: '2.0', rawPath: `/v1/ingest/${source.id}`, rawQueryString: '', headers: { 'content-type': 'application/json', [header]: 'bundle-test-secret' }, pathParameters: { sourceId: source.id }, body: '{"not json', isBase64Encoded: false, requestContext: { http: { method: 'POST', path: `/v1/ingest/${source.id}`, sourceIp: '192.0.2.1' }, requestId: 'r', timeEpoch: Date.now() } };
      const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const r = await run(node, `const m = await import(${JSON.stringify(file)}); const r = await m.handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 10000, awsRequestId: 'r', functionName: 'bundle-test' }); console.log(JSON.stringify(r));`,
        { ...ENV, AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint, AWS_ENDPOINT_URL_S3: endpoint });
      assert.equal(r.code, 0, r.out.slice(0, 800));
      const res = JSON.parse(r.out.split('\n').find((l) => l.startsWith('{"statusCode"')) ?? '{}') as { statusCode: number; body: string };
      assert.equal(res.statusCode, 400, r.out.slice(0, 800));
      assert.match(res.body, /quarantined/);
      const put = seen.find((s) => s.method === 'PUT');
      assert.ok(put, `S3 got no PUT: ${JSON.stringify(seen.map((s) => [s.method, s.url, s.target]))}`);
      assert.match(decodeURIComponent(put.url), /quarantine\/tenant=acme\/dt=\d{4}-\d{2}-\d{2}\/[^/]+\.json/);
      const stored = JSON.parse(put.body) as { source_id: string; body: string; reasons: { reason: string }[] };
      assert.equal(stored.source_id, source.id);
      assert.equal(stored.body, '{"not json');
      assert.match(stored.reasons[0]!.reason, /invalid_body/);
    });
  });
});
