/**
 * A Lambda bundle carries its runtime config already parsed at synth (infra/constructs/lambda.ts),
 * and lambdas/handlers/runtime-config.ts takes it as it is instead of parsing it at every cold
 * start. That is the same config only if the JSON of a parsed config reads back as exactly that
 * config: checked here on every config the tests and the demo deploy, as each function gets it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { build } from 'esbuild';
import { ConfigError, parseConfig, runtimeConfig, withoutForward, type Config } from '../../lambdas/core/config.ts';
import { PULL_CREDENTIALS } from '../../lambdas/sources/pullers.ts';
import { servedConfig } from '../../infra/constructs/collector.ts';
import { bundleDefines, RUNTIME_CONFIG_DEFINE } from '../../infra/constructs/lambda.ts';
import { DEMO_CONFIG } from '../../infra/config.ts';
import { TEST_CONFIG } from '../helpers/cdk.ts';

const define = (cfg: unknown) => ({ [RUNTIME_CONFIG_DEFINE]: JSON.stringify(JSON.stringify(cfg)) });
const bundled = (cfg: unknown): unknown => JSON.parse(JSON.parse(bundleDefines(define(cfg))![RUNTIME_CONFIG_DEFINE]!) as string);

// Every shape of runtime config the CDK app compiles into a bundle (collector/intakes/pollers, forwarder, backfill, investigation API).
function deployedShapes(input: unknown): unknown[] {
  const cfg = parseConfig(input, 'test');
  const deployed = runtimeConfig(cfg, (s, f) => `authtrail/${s}/${f ?? 'secret'}`, (k) => PULL_CREDENTIALS[k] ?? [], (t, d) => `authtrail/forward/${t}/${d}`);
  const webhook = (s: Config['sources'][number]) => s.auth !== undefined;
  const minimal = { tenants: cfg.tenants.map(({ id, name }) => ({ id, name })), sources: [], alerts: cfg.alerts, retention: cfg.retention };
  return [
    input, cfg, deployed, withoutForward(deployed), servedConfig(withoutForward(deployed), null, webhook),
    ...cfg.tenants.map((t) => servedConfig(withoutForward(deployed), t.id, webhook)),
    ...cfg.tenants.map((t) => servedConfig(withoutForward(deployed), t.id, (s) => !!s.pull)),
    { tenants: deployed.tenants, sources: [] }, minimal,
  ];
}
const inputs: [string, unknown][] = [
  ['the test config', TEST_CONFIG],
  ['the demo config', DEMO_CONFIG],
  ['the example config', JSON.parse(readFileSync(new URL('../../examples/authtrail.config.json', import.meta.url), 'utf8'))],
  ['a config with forwarding and per-tenant alert rules', {
    ...TEST_CONFIG,
    tenants: TEST_CONFIG.tenants.map((t, i) => (i ? t : { ...t, forward: [{ type: 'splunk-hec', url: 'https://splunk.example.com:8088', token: 'tok-123456', index: 'auth' }, { type: 'https', id: 'lake', url: 'https://in.example.com/x', tokenHeader: 'X-Key', token: 'k-123456', headers: { 'x-env': 'prod' } }] })),
    alerts: { rules: { mfa_fatigue: { threshold: 4 } }, tenants: { acme: { rules: { brute_force: { enabled: false } } } } },
  }],
];

describe('the runtime config a bundle carries', () => {
  for (const [name, input] of inputs) {
    it(`is what a cold start would parse, for every function of ${name}`, () => {
      for (const shape of deployedShapes(input)) {
        const atColdStart = parseConfig(JSON.parse(JSON.stringify(shape)), 'AUTHTRAIL_RUNTIME_CONFIG');
        assert.ok(isDeepStrictEqual(bundled(shape), atColdStart), JSON.stringify(shape).slice(0, 300));
      }
    });
  }

  it('marks the bundle, and leaves functions without a config alone', () => {
    assert.equal(bundleDefines(define(TEST_CONFIG))!['AUTHTRAIL_CONFIG_PARSED'], 'true');
    assert.equal(bundleDefines(undefined), undefined);
    const other = { 'process.env.X': '"y"' };
    assert.deepEqual(bundleDefines(other), other);
  });

  it('fails the synth, naming the field, when the config is invalid', () => {
    assert.throws(() => bundleDefines(define({ tenants: [], sources: [] })), (e: Error) => e instanceof ConfigError && /tenants: at least one tenant is needed/.test(e.message));
  });

  it('is read without zod by the handlers: their config module bundles to a JSON.parse', async () => {
    const d = bundleDefines(define(TEST_CONFIG))!;
    const r = await build({
      entryPoints: [new URL('../../lambdas/handlers/runtime-config.ts', import.meta.url).pathname], bundle: true, write: false,
      platform: 'node', format: 'esm', target: 'node22', minify: true, define: d, logLevel: 'silent',
    });
    const code = r.outputFiles[0]!.text;
    assert.ok(!code.includes('parseConfig') && !code.includes('zod'), code.slice(0, 400));
    const m = await import(`data:text/javascript,${encodeURIComponent(code)}`) as { config: Config };
    assert.deepEqual(m.config, parseConfig(TEST_CONFIG));
  });
});

describe('per-function vendor bundles', () => {
  it('the table of vendor modules the bundler picks from names exactly the registries\' modules and exports', async () => {
    const { VENDOR_MODULES } = await import('../../infra/constructs/lambda.ts');
    const { NORMALIZERS } = await import('../../lambdas/sources/all-vendors.ts');
    const { PULLERS } = await import('../../lambdas/sources/all-pullers.ts');
    assert.deepEqual(Object.keys(VENDOR_MODULES).sort(), Object.keys(NORMALIZERS).sort());
    for (const [kind, m] of Object.entries(VENDOR_MODULES)) {
      const map = (await import(`../../lambdas/sources/${m.map[0]}`) as Record<string, unknown>)[m.map[1]];
      assert.equal(map, NORMALIZERS[kind as keyof typeof NORMALIZERS], `${kind} mapping`);
      const pull = m.pull ? (await import(`../../lambdas/sources/${m.pull[0]}`) as Record<string, unknown>)[m.pull[1]] : undefined;
      assert.equal(pull, PULLERS[kind as keyof typeof PULLERS], `${kind} puller`);
    }
  });
});
