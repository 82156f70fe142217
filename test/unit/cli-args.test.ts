import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseCommand, dateFlag } from '../../cli/args.ts';
import { CliError, explain, UsageError } from '../../cli/errors.ts';
import { main } from '../../cli/main.ts';
import { parseVerifyArgs, verifyFrom, verifyTarget } from '../../cli/verify.ts';
import { checkTenantParam, parseQueryArgs } from '../../cli/query.ts';
import { pullSource } from '../../cli/poll.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { Target } from '../../cli/target.ts';

// As bin/authtrail.mjs does: the SDK's Node-version notice is not the CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * Runs the CLI's main with its output (console.log) and stderr captured. process.stdout itself is
 * left alone: node:test reports through it.
 */
async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  let out = '';
  let err = '';
  const e = process.stderr.write.bind(process.stderr);
  const log = console.log;
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  console.log = (...a: unknown[]) => { out += `${a.join(' ')}\n`; };
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    process.stderr.write = e;
    console.log = log;
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

describe('CLI flags (node:util parseArgs, strict)', () => {
  const opts = { tenant: { type: 'string' }, json: { type: 'boolean' } } as const;
  it('parses known flags and positionals', () => {
    const r = parseCommand('x', ['--tenant', 'a', '--json', 'p'], opts, ['[p]']);
    assert.deepEqual({ ...r.values }, { tenant: 'a', json: true });
    assert.deepEqual(r.positionals, ['p']);
  });
  for (const [args, msg] of [
    [['--nosuch'], /x: unknown option --nosuch \(it takes --tenant, --json\)/],
    [['--tenant'], /x: --tenant needs a value/],
    [['--tenant', '--json'], /x: --tenant needs a value/],
    [['--json=yes'], /x: --json takes no value/],
    [['a', 'b'], /x: unexpected argument "b"/],
    [['--tenant', 'a', '--tenant', 'b'], /x: --tenant given 2 times/],
  ] as const) {
    it(`rejects ${args.join(' ')}`, () => assert.throws(() => parseCommand('x', [...args], opts, ['[p]']), (e: Error) => e instanceof UsageError && msg.test(e.message) && !e.message.includes('\n')));
  }
  it('requires required positionals', () => {
    assert.throws(() => parseCommand('send', ['s'], {}, ['<sourceId>', '<file>']), /send needs <file>/);
  });
  it('dates are real calendar days', () => {
    assert.equal(dateFlag('v', '--from', '2024-02-29'), '2024-02-29');
    assert.throws(() => dateFlag('v', '--from', '2023-02-29'), /takes a date YYYY-MM-DD/);
    assert.throws(() => dateFlag('v', '--from', '2023-2-1'), /takes a date/);
    for (const impossible of ['2026-13-01', '2026-00-10', '2026-11-32', '2026-11-00']) assert.throws(() => dateFlag('v', '--from', impossible), (e: Error) => e.name === 'UsageError' && /takes a date YYYY-MM-DD/.test(e.message), impossible);
  });
  it('verify: --outputs, dates in order', () => {
    assert.deepEqual(parseVerifyArgs(['--tenant', 't', '--outputs', 'o.json']), { tenant: 't', from: undefined, to: undefined, outputs: 'o.json' });
    assert.throws(() => parseVerifyArgs(['--from', '2024-02-02', '--to', '2024-02-01']), /after --to/);
    assert.throws(() => parseVerifyArgs(['--tenant=']), /--tenant needs a tenant id/);
  });
  it('verify: objects of the last archiveDays unless --from says otherwise; every day when the retention is unknown', () => {
    const loaded = { path: '/x/authtrail.config.json', config: { retention: { archiveDays: 30 } } };
    const now = Date.parse('2026-11-28T12:00:00Z');
    assert.equal(verifyFrom({}, loaded, now), '2026-10-29');
    assert.equal(verifyFrom({ from: '2020-01-01' }, loaded, now), '2020-01-01');
    assert.equal(verifyFrom({ outputs: 'o.json' }, loaded, now), '2026-10-29');
    assert.equal(verifyFrom({ outputs: 'o.json' }, { ...loaded, path: null }, now), undefined);
  });
  it('query: --param repeats, each key once, key=value', () => {
    assert.deepEqual(parseQueryArgs(['--named', 'q', '--param', 'a=1', '--param', 'b=2']).params, { a: '1', b: '2' });
    assert.throws(() => parseQueryArgs(['--named', 'q', '--param', 'a=1', '--param', 'a=2']), /--param a given twice/);
    assert.throws(() => parseQueryArgs(['--named', 'q', '--param', '=1']), /key=value/);
    assert.throws(() => parseQueryArgs(['--named', 'q', '--bogus']), /unknown option --bogus/);
  });
});

describe('unknown tenants, sources and query parameters are errors', () => {
  it('query --param tenant=<unknown>', () => {
    assert.throws(() => checkTenantParam({ tenant: 'nosuch' }, ['acme', 'globex']), (e: Error) => e instanceof CliError && /unknown tenant "nosuch".*acme, globex/.test(e.message));
    assert.doesNotThrow(() => checkTenantParam({ tenant: 'acme' }, ['acme']));
    assert.doesNotThrow(() => checkTenantParam({ tenant: '' }, ['acme']));
  });
  it('query --named <q> --param nosuch=1 names the parameters it takes', async () => {
    const r = await run(['query', '--named', 'lockouts', '--param', 'nosuch=1']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^authtrail: query lockouts has no parameter "nosuch" \(it takes: .*tenant.*\)\n$/);
  });
  it('query --named <unknown>', async () => {
    const r = await run(['query', '--named', 'nosuch']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^authtrail: unknown named query "nosuch" \(the shipped ones: .*lockouts.*\)\n$/);
  });
  const config = parseConfig({
    tenants: [{ id: 'acme', name: 'Acme' }],
    sources: [
      { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 's'.repeat(32) } },
      { id: 'acme-duo', tenant: 'acme', kind: 'duo', pull: { baseUrl: 'http://127.0.0.1:1', integrationKey: 'DIXXXXXXXXXXXXXXXXXX', secretKey: 'k'.repeat(40) } },
    ],
  }, 'test');
  it('poll <unknown source> and poll <a webhook source>', () => {
    assert.throws(() => pullSource('nosuch', config), /unknown source: no source "nosuch" is configured \(pull sources: acme-duo\)/);
    assert.throws(() => pullSource('acme-okta', config), /source acme-okta \(okta\) is not a pull source/);
    assert.equal(pullSource('acme-duo', config).id, 'acme-duo');
  });
  it('verify --tenant <unknown> fails, whatever the archive holds', async () => {
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(s3);
    mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'events/tenant=acme/dt=2026-01-01/a.parquet' }] });
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
    const t: Target = { mode: 'aws', bucket: 'b', table: 't', stateTable: 's', s3, ddb, close() {} };
    await assert.rejects(verifyTarget(t, { tenant: 'nosuch' }, ['globex']), (e: Error) => e instanceof CliError && /unknown tenant "nosuch".*acme, globex/.test(e.message));
    mock.restore();
  });
});

describe('user errors are one line with the fix, no stack trace', () => {
  it('unknown command and flags: exit 2, one line and the usage', async () => {
    for (const argv of [['nosuch'], ['verify', '--nosuch'], ['quarantine', 'replay', 'a', 'b'], ['flush', 'x']]) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      const [first, blank, usage] = r.err.split('\n');
      assert.match(first!, /^authtrail: /);
      assert.equal(blank, '');
      assert.match(usage!, /^usage: authtrail <command>/);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
  });
  it('no running collector names npm start, AUTHTRAIL_HOME and --outputs', async () => {
    const r = await run(['quarantine'], { AUTHTRAIL_HOME: '/nonexistent/authtrail-home' });
    assert.equal(r.code, 1);
    assert.match(r.err, /^authtrail: no running collector: .*npm start.*AUTHTRAIL_HOME.*--outputs/);
    assert.equal(r.err.split('\n').length, 2);
  });
  it('a missing outputs file says how to write it', async () => {
    const r = await run(['verify', '--outputs', '/nonexistent/out.json']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^authtrail: --outputs \/nonexistent\/out\.json does not exist: write it with npx cdk deploy --all --outputs-file/);
  });
  it('explains missing region, missing credentials and nothing listening', () => {
    const region = new Error('Region is missing');
    assert.match(explain(region)!, /set AWS_REGION/);
    const creds = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    assert.match(explain(creds)!, /no AWS credentials found/);
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    assert.match(explain(refused, 'the local collector at http://127.0.0.1:1')!, /cannot reach the local collector at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\): start the collector with npm start/);
    assert.match(explain(refused)!, /^cannot reach the local collector \(ECONNREFUSED\): start the collector with npm start/);
    assert.match(explain(refused, undefined, true)!, /^cannot reach the AWS endpoint \(ECONNREFUSED\): check AWS_ENDPOINT_URL/);
    const noBucket = Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
    assert.match(explain(noBucket, undefined, true)!, /does not match this account and region/);
    assert.equal(explain(noBucket), undefined, 'locally a missing bucket is not about --outputs');
    assert.equal(explain(new RangeError('a bug')), undefined);
  });
  it('main prints a missing or bad region and missing credentials as one line (no stack)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-cli-'));
    const file = join(dir, 'cdk-outputs.json');
    writeFileSync(file, JSON.stringify({ AuthTrailStateful: { ArchiveBucketName: 'b', HotTableName: 't', StateTableName: 's' } }));
    const none = { AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    for (const [region, expected] of [[undefined, /^authtrail: no AWS region is set: set AWS_REGION/], ['', /^authtrail: no valid AWS region is set \(region=""\): set AWS_REGION/]] as const) {
      const r = await run(['verify', '--outputs', file], { ...none, AWS_REGION: region });
      assert.equal(r.code, 1);
      assert.match(r.err, expected);
      assert.equal(r.err.split('\n').length, 2, r.err);
    }
    // A region but no credentials anywhere (metadata disabled, as in every test).
    const r = await run(['verify', '--outputs', file], { ...none, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined, AWS_WEB_IDENTITY_TOKEN_FILE: undefined });
    assert.equal(r.code, 1);
    assert.match(r.err, /^authtrail: no AWS credentials found: configure them/);
    assert.equal(r.err.split('\n').length, 2, r.err);
  });
});
