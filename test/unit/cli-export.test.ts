/**
 * `export ocsf` flags: strict, each mistake one line naming the fix (exit 2), and the command
 * registered in the CLI and its help.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { existsSync, readdirSync } from 'node:fs';
import { downloadTenantArchive, parseExportArgs } from '../../cli/export.ts';
import { main, USAGE, UsageError } from '../../cli/main.ts';

// As bin/authtrail.mjs does: the SDK's Node-version notice is not the CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const OK = ['ocsf', '--tenant', 'acme', '--from', '2026-11-01', '--to', '2026-11-30', '--account-id', '123456789012'];

describe('export ocsf: arguments', () => {
  it('parses a complete command; the region comes from the flag or AWS_REGION, the directory defaults to ocsf', () => {
    assert.deepEqual(parseExportArgs([...OK, '--region', 'eu-west-1', '--out', 'x'], {}), { tenant: 'acme', from: '2026-11-01', to: '2026-11-30', out: 'x', region: 'eu-west-1', accountId: '123456789012', outputs: undefined });
    assert.equal(parseExportArgs([...OK, '--outputs', 'o.json'], { AWS_REGION: 'eu-west-1' }).outputs, 'o.json');
    assert.equal(parseExportArgs(OK, { AWS_REGION: 'us-east-2' }).region, 'us-east-2');
    assert.equal(parseExportArgs(OK, { AWS_DEFAULT_REGION: 'ap-southeast-2' }).region, 'ap-southeast-2');
    assert.equal(parseExportArgs([...OK, '--region', 'eu-central-1'], { AWS_REGION: 'us-east-2' }).region, 'eu-central-1');
    assert.equal(parseExportArgs(OK, { AWS_REGION: 'us-east-2' }).out, 'ocsf');
  });
  const bad: [string, string[], Record<string, string>, string][] = [
    ['no format', [], {}, 'export needs a format: export ocsf --tenant <t> --from YYYY-MM-DD --to YYYY-MM-DD'],
    ['an unknown format', ['csv'], {}, 'export: unknown format "csv" (formats: ocsf)'],
    ['no tenant', ['ocsf', '--from', '2026-11-01', '--to', '2026-11-30'], {}, 'export ocsf needs --tenant <t>'],
    ['no period', ['ocsf', '--tenant', 'acme'], {}, 'export ocsf needs --from YYYY-MM-DD and --to YYYY-MM-DD (the period to export, whole UTC days)'],
    ['a date that is no day', [...OK.slice(0, 3), '--from', '2026-02-30', '--to', '2026-03-01'], {}, 'export ocsf: --from takes a date YYYY-MM-DD, not "2026-02-30"'],
    ['from after to', ['ocsf', '--tenant', 'acme', '--from', '2026-12-01', '--to', '2026-11-30'], {}, 'export ocsf: --from 2026-12-01 is after --to 2026-11-30'],
    ['no region anywhere', OK, {}, 'export ocsf needs --region <r> (the Security Lake region; or set AWS_REGION)'],
    ['a malformed region', [...OK, '--region', 'Europe'], {}, 'export ocsf: --region takes an AWS region such as eu-west-1, not "Europe"'],
    ['no account', ['ocsf', '--tenant', 'acme', '--from', '2026-11-01', '--to', '2026-11-30'], { AWS_REGION: 'eu-west-1' }, 'export ocsf needs --account-id <12 digits> (the AWS account of the Security Lake custom source)'],
    ['a malformed account', [...OK.slice(0, -1), '1234'], { AWS_REGION: 'eu-west-1' }, 'export ocsf: --account-id takes a 12-digit AWS account id, not "1234"'],
    ['an unknown flag', [...OK, '--athena'], { AWS_REGION: 'eu-west-1' }, 'export ocsf: unknown option --athena (it takes --tenant, --from, --to, --out, --region, --account-id, --outputs)'],
    ['a flag twice', [...OK, '--tenant', 'globex'], { AWS_REGION: 'eu-west-1' }, 'export ocsf: --tenant given 2 times'],
    ['a surplus argument', [...OK, 'extra'], { AWS_REGION: 'eu-west-1' }, 'export ocsf: unexpected argument "extra"'],
  ];
  for (const [name, args, env, message] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => parseExportArgs(args, env), (e: unknown) => e instanceof UsageError && e.message === message));
  }
});

describe('export ocsf --outputs: the tenant\'s archive objects of the period, from the deployed bucket', () => {
  // The one method of the SDK's body stream the download uses.
  const body = (s: string) => ({ transformToByteArray: async () => new TextEncoder().encode(s) });
  const key = (dt: string, n = 1) => `events/tenant=acme/dt=${dt}/part-${n}.parquet`;

  it('lists once from the first day, fetches only the period\'s objects and stops after its last day', async () => {
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command, { Prefix: 'events/tenant=acme/', StartAfter: 'events/tenant=acme/dt=2026-11-02' }).resolvesOnce({
      Contents: [{ Key: key('2026-11-02') }, { Key: key('2026-11-02', 2) }, { Key: 'events/tenant=acme/dt=2026-11-02/notes.txt' }], NextContinuationToken: 't1',
    }).resolvesOnce({ Contents: [{ Key: key('2026-11-03') }, { Key: key('2026-11-04') }, { Key: key('2026-11-05') }], NextContinuationToken: 't2' });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: body(input.Key) }) as never);
    const dir = mkdtempSync(join(tmpdir(), 'export-dl-'));
    const client = new S3Client({ region: 'eu-west-1' });
    const r = await downloadTenantArchive(client, 'archive-bucket', 'acme', '2026-11-02', '2026-11-03', dir);
    assert.deepEqual(r, { inPeriod: 3, any: true });
    assert.deepEqual(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key), [key('2026-11-02'), key('2026-11-02', 2), key('2026-11-03')]);
    assert.equal(s3.commandCalls(ListObjectsV2Command).length, 2, 'no third page once past the period');
    assert.deepEqual(readdirSync(join(dir, 'events', 'tenant=acme')).sort(), ['dt=2026-11-02', 'dt=2026-11-03']);
    assert.ok(existsSync(join(dir, ...key('2026-11-03').split('/'))));
    s3.restore();
  });

  it('tells a tenant with nothing in the period from one with nothing at all', async () => {
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command, { Prefix: 'events/tenant=acme/', MaxKeys: 1 }).resolves({ Contents: [{ Key: key('2025-01-01') }] });
    s3.on(ListObjectsV2Command, { Prefix: 'events/tenant=acme/', StartAfter: 'events/tenant=acme/dt=2026-11-02' }).resolves({ Contents: [] });
    s3.on(ListObjectsV2Command, { Prefix: 'events/tenant=nosuch/' }).resolves({});
    const client = new S3Client({ region: 'eu-west-1' });
    const dir = mkdtempSync(join(tmpdir(), 'export-dl-'));
    assert.deepEqual(await downloadTenantArchive(client, 'b', 'acme', '2026-11-02', '2026-11-03', dir), { inPeriod: 0, any: true });
    assert.deepEqual(await downloadTenantArchive(client, 'b', 'nosuch', '2026-11-02', '2026-11-03', dir), { inPeriod: 0, any: false });
    s3.restore();
  });
});

describe('export ocsf: in the CLI', () => {
  it('is in the help', () => assert.match(USAGE, /\n  export ocsf --tenant t --from YYYY-MM-DD --to YYYY-MM-DD --account-id <12 digits>\n/));

  it('without a running collector: one line saying how to start one (exit 1)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'export-nohome-'));
    const saved = { h: process.env['AUTHTRAIL_HOME'], r: process.env['AWS_REGION'] };
    process.env['AUTHTRAIL_HOME'] = home;
    process.env['AWS_REGION'] = 'eu-west-1';
    let err = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    try {
      assert.equal(await main(['export', ...OK]), 1);
    } finally {
      process.stderr.write = write;
      for (const [k, v] of [['AUTHTRAIL_HOME', saved.h], ['AWS_REGION', saved.r]] as const) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    assert.equal(err.split('\n').filter(Boolean).length, 1, err);
    assert.match(err, /^authtrail: no running collector: .*endpoints\.json does not exist \(start one with npm start/);
  });
});
