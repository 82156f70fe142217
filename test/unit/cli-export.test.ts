/**
 * `export ocsf` flags: strict, each mistake one line naming the fix (exit 2), and the command
 * registered in the CLI and its help.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExportArgs } from '../../cli/export.ts';
import { main, USAGE, UsageError } from '../../cli/main.ts';

const OK = ['ocsf', '--tenant', 'acme', '--from', '2026-11-01', '--to', '2026-11-30', '--account-id', '123456789012'];

describe('export ocsf: arguments', () => {
  it('parses a complete command; the region comes from the flag or AWS_REGION, the directory defaults to ocsf', () => {
    assert.deepEqual(parseExportArgs([...OK, '--region', 'eu-west-1', '--out', 'x'], {}), { tenant: 'acme', from: '2026-11-01', to: '2026-11-30', out: 'x', region: 'eu-west-1', accountId: '123456789012' });
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
    ['an unknown flag (no AWS mode)', [...OK, '--outputs', 'o.json'], { AWS_REGION: 'eu-west-1' }, 'export ocsf: unknown option --outputs (it takes --tenant, --from, --to, --out, --region, --account-id)'],
    ['a flag twice', [...OK, '--tenant', 'globex'], { AWS_REGION: 'eu-west-1' }, 'export ocsf: --tenant given 2 times'],
    ['a surplus argument', [...OK, 'extra'], { AWS_REGION: 'eu-west-1' }, 'export ocsf: unexpected argument "extra"'],
  ];
  for (const [name, args, env, message] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => parseExportArgs(args, env), (e: unknown) => e instanceof UsageError && e.message === message));
  }
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
