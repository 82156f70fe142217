/** Synth and deploy use the config file, never the demo config by accident; the shipped example is valid. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../lambdas/core/config.ts';
import { deployConfig } from '../../infra/config.ts';
import { configJsonSchema } from '../../lambdas/core/config-schema.ts';

const example = new URL('../../examples/authtrail.config.json', import.meta.url);

describe('the config cdk synth and deploy use', () => {
  it('refuses to fall back to the demo config, with the fix in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-cfg-'));
    assert.throws(() => deployConfig(undefined, {}, dir), (err: Error) => /refusing to synthesize the demo config/.test(err.message) && /--context demo=true/.test(err.message) && !err.message.includes('\n'));
    assert.equal(deployConfig('true', {}, dir).tenants[0]!.id, 'demo', 'the demo on purpose');
  });
  it('reads authtrail.config.json when it is there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-cfg-'));
    writeFileSync(join(dir, 'authtrail.config.json'), readFileSync(example));
    assert.deepEqual(deployConfig(undefined, {}, dir).tenants.map((t) => t.id), ['northwind', 'contoso', 'fabrikam']);
  });
  it('the three-tenant example in examples/ is a valid config with no inline secret', () => {
    const text = readFileSync(example, 'utf8');
    const c = parseConfig(JSON.parse(text), 'examples/authtrail.config.json');
    assert.deepEqual(c.sources.map((s) => [s.tenant, s.kind]), [['northwind', 'okta'], ['contoso', 'duo'], ['fabrikam', 'entra']]);
    assert.doesNotMatch(text, /"(secret|apiToken|secretKey|clientSecret)"\s*:/);
  });
});

describe('the config\'s JSON Schema', () => {
  it('authtrail.config.schema.json is generated from the zod schema and current (npm run config-schema)', () => {
    const file = readFileSync(new URL('../../authtrail.config.schema.json', import.meta.url), 'utf8');
    assert.equal(file, configJsonSchema());
    const schema = JSON.parse(file) as { properties: Record<string, unknown>; required: string[] };
    assert.ok(schema.properties['tenants'] && schema.properties['sources'] && schema.properties['retention']);
    assert.ok(JSON.stringify(schema).includes('"hmac-sha512"'), 'every auth type is in it');
  });
});
