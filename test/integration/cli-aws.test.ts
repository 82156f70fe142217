/**
 * The AWS mode of the operator commands (`--outputs <cdk-outputs.json>`) against the local
 * stand-ins: the same code path as against a deployed stack, reached through the standard SDK
 * configuration (AWS_ENDPOINT_URL_<SERVICE>, AWS_ACCESS_KEY_ID, AWS_REGION) and the outputs
 * file `authtrail dev` writes. Every command must print and exit exactly as in local mode.
 * (The stand-ins have no Lambda functions and no SQS queues: `poll` and `redrive` in AWS mode
 * are unit-tested with aws-sdk-client-mock instead.)
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fixtureText } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'authtrail.mjs');
const SECRET = 'it-cli-aws-secret-31';
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } },
    { id: 'globex-okta', tenant: 'globex', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } },
  ],
};
/** The fix an operator deploys before replaying: a source for the Auth0 events no source claimed. */
const fixed = { ...config, sources: [...config.sources, { id: 'acme-auth0', tenant: 'acme', kind: 'auth0', eventbridge: {} }] };

interface Run { code: number; stdout: string; stderr: string }

describe('operator commands in AWS mode (--outputs) give the same results as local mode', () => {
  let c: TestCollector;
  let s3: S3Client;
  let outputs: string;
  /** The environment of an operator's shell: standard SDK settings only, no endpoints.json. */
  let awsEnv: NodeJS.ProcessEnv;
  const aws = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> => new Promise((resolve) => execFile(process.execPath, [BIN, ...args, '--outputs', outputs],
    { cwd: ROOT, env: Object.fromEntries(Object.entries({ ...awsEnv, ...env }).filter(([, v]) => v !== undefined)), encoding: 'utf8' },
    (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
  const post = (source: string, body: string) =>
    fetch(`${c.base}/v1/ingest/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body }).then((r) => r.json());
  const same = async (args: string[]) => {
    const [local, remote] = [await c.cli(args), await aws(args)];
    assert.deepEqual(remote, local, `authtrail ${args.join(' ')}: AWS mode differs from local mode`);
    return local;
  };

  before(async () => {
    c = await startCollector(config);
    outputs = join(c.home, 'cdk-outputs.json');
    const e = c.endpoints;
    awsEnv = Object.fromEntries(Object.entries(c.env).filter(([k]) => !k.startsWith('AWS_')));
    Object.assign(awsEnv, {
      // Not where the collector's state lives: AWS mode must not need endpoints.json.
      AUTHTRAIL_HOME: join(c.home, 'elsewhere'),
      AWS_ENDPOINT_URL_S3: e.s3, AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
      AWS_ACCESS_KEY_ID: e.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: e.credentials.secretAccessKey, AWS_REGION: e.region,
      // No profile or instance metadata on a test machine; only the variables above.
      AWS_CONFIG_FILE: join(c.home, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(c.home, 'no-aws-credentials'), AWS_EC2_METADATA_DISABLED: 'true',
    });
    s3 = new S3Client({ endpoint: e.s3, region: e.region, credentials: e.credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });

    assert.deepEqual(await post('acme-okta', fixtureText('okta/event-hook.json')), { accepted: 7, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await post('globex-okta', fixtureText('okta/api-page.json')), { accepted: 2, duplicates: 0, quarantined: 0 });
    const bad = await fetch(`${c.base}/v1/ingest/acme-okta`, { method: 'POST', headers: { authorization: SECRET }, body: 'still {not json' });
    assert.equal(bad.status, 400);
    const eb = await fetch(`${c.base}/v1/eventbridge`, { method: 'POST', headers: c.localHeaders(), body: fixtureText('auth0/eventbridge.json') });
    assert.deepEqual(await eb.json(), { accepted: 0, duplicates: 0, quarantined: 1 }, 'no auth0 source yet');
    const f = await c.cli(['flush']);
    assert.equal(f.code, 0, f.stderr);
  });
  after(async () => { s3?.destroy(); await c?.stop(); });

  it('authtrail dev wrote cdk-outputs.json in the shape of a deploy\'s outputs file', () => {
    const o = JSON.parse(readFileSync(outputs, 'utf8')) as Record<string, Record<string, string>>;
    assert.deepEqual(o['AuthTrailStateful'], { ArchiveBucketName: c.endpoints.bucket, HotTableName: c.endpoints.table, StateTableName: c.endpoints.stateTable });
    assert.equal(o['AuthTrailStateless']!['ApiUrl'], c.base);
  });

  it('verify: the same report and exit code; an unknown tenant fails in both', async () => {
    const ok = await same(['verify']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /acme: \d+ digest\(s\) in the chain, 1 object\(s\) checked, 0 finding/);
    assert.match(ok.stdout, /globex: \d+ digest\(s\) in the chain, 1 object\(s\) checked, 0 finding/);
    const unknown = await same(['verify', '--tenant', 'nosuch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^authtrail: unknown tenant "nosuch"/);
  });

  it('quarantine: the same list', async () => {
    const r = await same(['quarantine', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { source_id: string }).source_id).sort(), ['_unrouted', 'acme-okta']);
    assert.equal((await same(['quarantine'])).code, 0);
  });

  it('quarantine replay: what fails again keeps its id and first-received time; the fix is stored through the pipeline', async () => {
    const list = async () => (await aws(['quarantine', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; source_id: string; received_time: string; key: string });
    const before = await list();
    const notJson = before.find((x) => x.source_id === 'acme-okta')!;
    // Nothing fixed yet: both stay, unchanged, in either mode.
    const kept = { objects: 2, entries: 2, accepted: 0, duplicates: 0, quarantined: 2 };
    const local = await c.cli(['quarantine', 'replay']);
    assert.deepEqual(JSON.parse(local.stdout), kept);
    const remote = await aws(['quarantine', 'replay']);
    assert.equal(remote.code, 0, remote.stderr);
    assert.deepEqual(JSON.parse(remote.stdout), kept);
    assert.deepEqual(await list(), before, 'same ids, same first-received times, same objects');

    // The operator's fix: the config gains the Auth0 source. The replay runs here, in AWS mode.
    const fixedFile = join(c.home, 'fixed-config.json');
    writeFileSync(fixedFile, JSON.stringify(fixed));
    const unrouted = before.find((x) => x.source_id === '_unrouted')!;
    const one = await aws(['quarantine', 'replay', unrouted.id], { AUTHTRAIL_CONFIG: fixedFile });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), { objects: 1, entries: 1, accepted: 1, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await list(), [notJson], 'the body that is still not JSON stays as it was');
    // Stored in the hot table: the running collector's stream consumers archive it.
    const f = await c.cli(['flush']);
    assert.deepEqual(JSON.parse(f.stdout), { delivered: 1 });
    const q = await c.cli(['query', "SELECT source_id FROM events WHERE source_id = 'acme-auth0'", '--json']);
    assert.deepEqual(q.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown), [{ source_id: 'acme-auth0' }]);

    const missing = await same(['quarantine', 'replay', 'no-such-id']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'authtrail: replay failed: no quarantined object with id no-such-id\n');
  });

  it('unknown tenants are errors, not "(no rows)"', async () => {
    const r = await c.cli(['query', '--named', 'push_denials', '--param', 'tenant=nosuch']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'authtrail: unknown tenant "nosuch" in --param tenant (tenants: acme, globex)\n');
    const ok = await c.cli(['query', '--named', 'push_denials', '--param', 'tenant=globex']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('verify catches an altered object exactly as local mode does', async () => {
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: c.endpoints.bucket, Prefix: 'events/tenant=acme/' }))).Contents ?? []).map((o) => o.Key!).sort();
    const altered = keys[0]!;
    await s3.send(new PutObjectCommand({ Bucket: c.endpoints.bucket, Key: altered, Body: 'not the archived bytes' }));
    const r = await same(['verify']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`ALTERED  ${altered.replace(/[.]/g, '\\.')}`));
    assert.match(r.stdout, /verify: FAILED, 1 finding/);
    assert.equal((await same(['verify', '--tenant', 'globex'])).code, 0, 'the other tenant is unaffected');
    // A query over the damaged archive says so in one line and points at verify.
    const q = await c.cli(['query', 'SELECT count(*) n FROM events']);
    assert.equal(q.code, 1);
    assert.match(q.stderr, /^authtrail: the query failed: .* an archive object is damaged or was replaced: run npx authtrail verify\n$/);
  });

  it('user errors in AWS mode are one line naming the fix', async () => {
    const noRegion = await aws(['verify'], { AWS_REGION: undefined });
    assert.equal(noRegion.code, 1);
    assert.equal(noRegion.stderr, 'authtrail: no AWS region is set: set AWS_REGION (or a region in your AWS profile)\n');
    const noFile = await new Promise<Run>((resolve) => execFile(process.execPath, [BIN, 'quarantine', '--outputs', join(c.home, 'nope.json')], { cwd: ROOT, env: awsEnv, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr })));
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /^authtrail: --outputs .*nope\.json does not exist: write it with npx cdk deploy --all --outputs-file/);
    const noDlqs = await aws(['redrive', 'archiver']);
    assert.equal(noDlqs.code, 1);
    assert.match(noDlqs.stderr, /^authtrail: --outputs .* has no ArchiverDlqUrl \(the archiver dead-letter queue\)/);
  });
});
