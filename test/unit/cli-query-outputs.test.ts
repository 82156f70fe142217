/**
 * `query --outputs <cdk-outputs.json>`: the deployed archive is queried in Athena, in the tenant's
 * own workgroup when `--param tenant` names one (the only one its auditors may use), else the operator's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseOutputs } from '../../cli/outputs.ts';
import { parseQueryArgs, query, workGroupFor } from '../../cli/query.ts';

const OUTPUTS = {
  AuthTrailStateful: { OperatorWorkGroup: 'authtrail', AuditorWorkGroupacmeeu: 'authtrail-acme-eu', ArchiveBucketName: 'authtrail-archive', HotTableName: 'hot', StateTableName: 'state' },
  AuthTrailStateless: {},
};

describe('query --outputs', () => {
  it('implies Athena and picks the workgroup: the tenant\'s own, else the operator\'s', () => {
    assert.equal(parseQueryArgs(['--named', 'lockouts', '--outputs', 'x.json']).athena, true);
    const o = parseOutputs(JSON.stringify(OUTPUTS), 'cdk-outputs.json');
    assert.equal(workGroupFor(o, 'acme-eu'), 'authtrail-acme-eu');
    assert.equal(workGroupFor(o, undefined), 'authtrail');
    assert.throws(() => workGroupFor(o, 'globex'), /no AuditorWorkGroupglobex \(the Athena workgroup of tenant globex\)/);
  });

  it('runs the named query with the tenant filled in, in that tenant\'s workgroup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-q-'));
    const file = join(dir, 'cdk-outputs.json');
    writeFileSync(file, JSON.stringify(OUTPUTS));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ tenants: [{ id: 'acme-eu', name: 'Acme EU' }], sources: [] }));
    const mock = mockClient(AthenaClient);
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    mock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] }, Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '3' }] }] } });
    const env = process.env.AUTHTRAIL_CONFIG;
    process.env.AUTHTRAIL_CONFIG = join(dir, 'config.json');
    const log = console.log;
    const printed: string[] = [];
    console.log = (...a: unknown[]) => { printed.push(a.join(' ')); };
    try {
      assert.equal(await query(['--named', 'lockouts', '--param', 'tenant=acme-eu', '--outputs', file, '--json']), 0);
    } finally {
      console.log = log;
      if (env === undefined) delete process.env.AUTHTRAIL_CONFIG; else process.env.AUTHTRAIL_CONFIG = env;
      mock.restore();
      s3.restore();
    }
    // The run is in the deployment's access log first: a new record under the tenant's prefix, never over an old one.
    const put = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    assert.equal(put.length, 1);
    assert.equal(put[0]!.Bucket, 'authtrail-archive');
    assert.match(put[0]!.Key!, /^access\/tenant=acme-eu\//);
    assert.equal(put[0]!.IfNoneMatch, '*');
    assert.deepEqual((({ action, what }) => ({ action, what }))(JSON.parse(String(put[0]!.Body)) as Record<string, string>), { action: 'query', what: 'lockouts {"tenant":"acme-eu"}' });
    const start = mock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    assert.equal(start.WorkGroup, 'authtrail-acme-eu');
    assert.match(start.QueryString!, /tenant = 'acme-eu'/);
    assert.ok(printed.length > 0);
  });
});
