import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig, runtimeConfig } from '../../lambdas/core/config.ts';
import { DEMO_CONFIG, loadConfig } from '../../infra/config.ts';

const valid = () => ({
  tenants: [{ id: 'acme', name: 'Acme Corp' }],
  sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'Authorization', secret: 'a-long-secret' } }],
});

describe('config', () => {
  it('accepts the contract example and fills defaults', () => {
    const c = parseConfig(valid());
    assert.equal(c.retention.hotDays, 90);
    assert.equal(c.retention.archiveDays, 2555);
    assert.equal(c.sources[0]!.auth!.type === 'shared-secret' && c.sources[0]!.auth!.header, 'authorization');
  });

  const bad: [string, (c: ReturnType<typeof valid>) => void, RegExp][] = [
    ['an unknown tenant', (c) => { c.sources[0]!.tenant = 'nope'; }, /sources\.0\.tenant: unknown tenant "nope"/],
    ['an unknown kind', (c) => { c.sources[0]!.kind = 'myidp'; }, /sources\.0\.kind/],
    ['auth none without allowUnauthenticated', (c) => { (c.sources[0] as Record<string, unknown>)['auth'] = { type: 'none' }; }, /sources\.0\.auth\.type: "none" needs "allowUnauthenticated": true/],
    ['a duplicate source id', (c) => { c.sources.push({ ...c.sources[0]! }); }, /sources\.1\.id: duplicate source id/],
    ['no secret', (c) => { delete (c.sources[0]!.auth as Record<string, unknown>)['secret']; }, /sources\.0\.auth\.secret: give exactly one/],
    ['a short secret', (c) => { c.sources[0]!.auth.secret = 'short'; }, /sources\.0\.auth\.secret: a secret needs at least 8/],
    ['a bad secret ARN', (c) => { (c.sources[0]!.auth as Record<string, unknown>)['secretArn'] = 'arn:nope'; }, /sources\.0\.auth\.secretArn/],
    ['an unknown field', (c) => { (c as Record<string, unknown>)['tenant'] = 'x'; }, /tenant/],
    ['a tenant id with capitals', (c) => { c.tenants[0]!.id = 'Acme'; }, /tenants\.0\.id/],
    ['alert overrides for an unknown tenant', (c) => { (c as Record<string, unknown>)['alerts'] = { tenants: { nope: { rules: { mfa_fatigue: { threshold: 5 } } } } }; }, /alerts\.tenants\.nope: unknown tenant "nope"/],
    ['a feed gap for an unknown source', (c) => { (c as Record<string, unknown>)['alerts'] = { rules: { feed_silence: { sources: { 'no-such-source': 60 } } } }; }, /alerts\.rules\.feed_silence\.sources\.no-such-source: unknown source/],
    ['a rule threshold of the wrong type', (c) => { (c as Record<string, unknown>)['alerts'] = { rules: { brute_force: { threshold: '10' } } }; }, /alerts\.rules\.brute_force\.threshold/],
    ['hotDays of the wrong type', (c) => { (c as Record<string, unknown>)['retention'] = { hotDays: '90' }; }, /retention\.hotDays/],
  ];
  for (const [name, edit, message] of bad) {
    it(`names the field for ${name}`, () => {
      const c = valid();
      edit(c);
      assert.throws(() => parseConfig(c), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('hmac-sha512 takes the options of hmac-sha256, and its inline secret never reaches a deployment', () => {
    const c = valid() as { sources: Record<string, unknown>[] };
    c.sources[0] = { id: 'acme-kc', tenant: 'acme', kind: 'keycloak', auth: { type: 'hmac-sha512', header: 'X-Keycloak-Signature', secret: 'a-long-secret', timestampHeader: 'X-Ts' } };
    const parsed = parseConfig(c);
    assert.deepEqual(parsed.sources[0]!.auth, { type: 'hmac-sha512', header: 'x-keycloak-signature', secret: 'a-long-secret', timestampHeader: 'x-ts', toleranceSeconds: 300 });
    const deployed = runtimeConfig(parsed, (id) => `authtrail/x/source/${id}`);
    assert.doesNotMatch(JSON.stringify(deployed), /a-long-secret/);
    assert.equal(deployed.sources[0]!.auth!.type === 'hmac-sha512' && deployed.sources[0]!.auth!.secretName, 'authtrail/x/source/acme-kc');
    assert.doesNotThrow(() => parseConfig(deployed));
    for (const [auth, message] of [
      [{ type: 'hmac-sha512', header: 'x-keycloak-signature' }, /sources\.0\.auth\.secret: give exactly one/],
      [{ type: 'hmac-sha512', header: 'x-keycloak-signature', secret: 'short' }, /sources\.0\.auth\.secret: a secret needs at least 8/],
      [{ type: 'hmac-sha512', secret: 'a-long-secret' }, /sources\.0\.auth\.header/],
      [{ type: 'hmac-sha384', header: 'x-keycloak-signature', secret: 'a-long-secret' }, /sources\.0\.auth\.type/],
    ] as const) {
      c.sources[0]!['auth'] = auth;
      assert.throws(() => parseConfig(c), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(auth));
    }
  });

  it('deployed config carries no inline secret', () => {
    const c = parseConfig(valid());
    const deployed = runtimeConfig(c, (id) => `authtrail/x/source/${id}`);
    assert.doesNotMatch(JSON.stringify(deployed), /a-long-secret/);
    assert.deepEqual(deployed.sources[0]!.auth, { type: 'shared-secret', header: 'authorization', secretName: 'authtrail/x/source/acme-okta' });
    assert.doesNotThrow(() => parseConfig(deployed));
  });

  it('loads a file, falls back to the demo config, and refuses a missing AUTHTRAIL_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-config-'));
    assert.equal(loadConfig({}, dir).path, null);
    assert.deepEqual(loadConfig({}, dir).config.tenants, DEMO_CONFIG.tenants);
    writeFileSync(join(dir, 'authtrail.config.json'), JSON.stringify(valid()));
    assert.equal(loadConfig({}, dir).config.sources[0]!.id, 'acme-okta');
    assert.throws(() => loadConfig({ AUTHTRAIL_CONFIG: 'missing.json' }, dir), /does not exist/);
    writeFileSync(join(dir, 'broken.json'), '{ nope');
    assert.throws(() => loadConfig({ AUTHTRAIL_CONFIG: 'broken.json' }, dir), /not valid JSON/);
  });
});
