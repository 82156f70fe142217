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

  it('reports every error in one pass: format and reference errors together, one line each naming its field', () => {
    const c = {
      tenants: [{ id: 'acme', name: 'Acme' }, { id: 'acme', name: 'Acme again' }],
      sources: [
        { id: 'a-okta', tenant: 'nope', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'short' } },
        { id: 'a-okta', tenant: 'acme', kind: 'myidp' },
        { id: 'a-duo', tenant: 'acme', kind: 'duo', pull: { baseUrl: 'https://api-x.duosecurity.com', integrationKey: 'DI123' } },
        { id: 'a-kc', tenant: 'acme', kind: 'keycloak', auth: { type: 'none' } },
      ],
      retention: { hotDays: '90' },
      alerts: { tenants: { ghost: {} } },
    };
    let message = '';
    assert.throws(() => parseConfig(c, 'x.json'), (err: unknown) => err instanceof ConfigError && !!(message = err.message));
    const lines = message.split('\n');
    assert.equal(lines[0], 'x.json is invalid:');
    assert.deepEqual(lines.slice(1).map((l) => l.slice(0, l.indexOf(': '))).sort(), [
      'alerts.tenants.ghost', // reference
      'retention.hotDays', // format
      'sources.0.auth.secret', // format
      'sources.0.tenant', // reference
      'sources.1.id', // reference (duplicate)
      'sources.1.kind', // format
      'sources.2.pull.secretKey', // the vendor's schema
      'sources.3.auth.type', // reference
      'tenants.1.id', // reference (duplicate)
    ]);
    assert.match(message, /^sources\.2\.pull\.secretKey: missing: give "secretKey" \(or "secretKeySecretArn"\)$/m);
    assert.match(message, /^sources\.0\.tenant: unknown tenant "nope"$/m);
  });

  it('previousSecretArn / previousTokenArn: accepted beside the current secret, refused when it names the same secret', () => {
    const arn = (n: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:authtrail/${n}`;
    const c = valid() as { sources: Record<string, unknown>[] };
    c.sources[0]!['auth'] = { type: 'hmac-sha256', header: 'x-sig', secretArn: arn('new'), previousSecretArn: arn('old') };
    c.sources.push({ id: 'acme-google', tenant: 'acme', kind: 'google_workspace', auth: { type: 'google-channel-token', tokenArn: arn('t2'), previousTokenArn: arn('t1') } });
    const parsed = parseConfig(c);
    assert.equal(parsed.sources[0]!.auth!.type === 'hmac-sha256' && parsed.sources[0]!.auth!.previousSecretArn, arn('old'));
    assert.equal(parsed.sources[1]!.auth!.type === 'google-channel-token' && parsed.sources[1]!.auth!.previousTokenArn, arn('t1'));
    assert.doesNotThrow(() => parseConfig(runtimeConfig(parsed, (id) => `authtrail/x/source/${id}`)));
    c.sources[0]!['auth'] = { type: 'shared-secret', secretArn: arn('new'), previousSecretArn: arn('new') };
    assert.throws(() => parseConfig(c), /sources\.0\.auth\.previousSecretArn: "previousSecretArn" is the same secret as "secretArn"/);
    c.sources[0]!['auth'] = { type: 'shared-secret', previousSecretArn: arn('old') };
    assert.throws(() => parseConfig(c), /sources\.0\.auth\.secret: give exactly one/);
    c.sources[0]!['auth'] = { type: 'shared-secret', secretArn: arn('new'), previousSecretArn: 'old' };
    assert.throws(() => parseConfig(c), /sources\.0\.auth\.previousSecretArn: expected a Secrets Manager secret ARN/);
  });

  it('pull settings are checked by the vendor\'s schema; a credential in Secrets Manager counts as present', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:authtrail/duo-skey';
    const withPull = (kind: string, pull: Record<string, unknown>) => ({ ...valid(), sources: [{ id: 'acme-x', tenant: 'acme', kind, pull }] });
    assert.doesNotThrow(() => parseConfig(withPull('duo', { baseUrl: 'https://api-x.duosecurity.com', integrationKey: 'DI1', secretKeySecretArn: arn })));
    assert.doesNotThrow(() => parseConfig(withPull('duo', { baseUrl: 'https://api-x.duosecurity.com', integrationKey: 'DI1', secretKey: 'inline' })));
    // The deployed config names the generated secret instead.
    assert.doesNotThrow(() => parseConfig(withPull('duo', { baseUrl: 'https://api-x.duosecurity.com', integrationKey: 'DI1', secretKeySecretName: 'authtrail/x/source/acme-x/secretKey' })));
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['okta', { baseUrl: 'https://x.okta.com' }, /sources\.0\.pull\.apiToken: missing: give "apiToken" \(or "apiTokenSecretArn"\)/],
      ['duo', { integrationKey: 'DI1', secretKeySecretArn: arn }, /sources\.0\.pull\.baseUrl: missing: give "baseUrl"/],
      ['duo', { baseUrl: 'https://api-x.duosecurity.com', integrationKey: 'DI1', secretKey: 'a', secretKeySecretArn: arn }, /sources\.0\.pull\.secretKeySecretArn: give "secretKey" or "secretKeySecretArn", not both/],
      ['okta', { baseUrl: 'https://x.okta.com', apiTokenSecretArn: 'authtrail/okta-token' }, /sources\.0\.pull\.apiTokenSecretArn: expected a Secrets Manager secret ARN/],
      ['entra', { tenantId: 't', clientSecret: 's' }, /sources\.0\.pull\.clientId: missing/],
      ['google_workspace', { subject: 'admin@x.com', serviceAccountKey: { client_email: 'a@b' } }, /sources\.0\.pull\.serviceAccountKey\.private_key/],
      ['jumpcloud', { apiKey: 'k', pageSize: 0 }, /sources\.0\.pull\.pageSize/],
      ['auth0', { baseUrl: 'https://x.auth0.com' }, /sources\.0\.pull: auth0 sources cannot be polled \(pull sources: duo, entra, google_workspace, jumpcloud, okta\); remove "pull"/],
    ];
    for (const [kind, pull, message] of cases)
      assert.throws(() => parseConfig(withPull(kind, pull)), (err: unknown) => err instanceof ConfigError && message.test(err.message), `${kind} ${JSON.stringify(pull)}`);
  });
});
