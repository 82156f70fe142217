/**
 * `report --outputs <cdk-outputs.json>`: every query runs in Athena in the tenant's own workgroup
 * and the deployment's Glue database, the integrity check reads the deployed archive and chain
 * head, the retention comes from the bucket; Athena's all-string answers become report.json's
 * numbers. (Athena, S3 and DynamoDB mocked: no stand-in runs Athena.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetBucketLifecycleConfigurationCommand, GetObjectLockConfigurationCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { report } from '../../cli/report.ts';

const OUTPUTS = {
  ClientBStateful: { ArchiveBucketName: 'client-b-archive', StateTableName: 'state', HotTableName: 'hot', GlueDatabaseName: 'client_b', OperatorWorkGroup: 'client-b', AuditorWorkGroupacme: 'client-b-acme' },
  ClientBStateless: {},
};

describe('report --outputs', () => {
  it('runs in the tenant\'s workgroup and database, reads the deployed archive, and writes both files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-report-aws-'));
    writeFileSync(join(dir, 'cdk-outputs.json'), JSON.stringify(OUTPUTS));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [], operations: { deploymentName: 'client-b' } }));
    const athena = mockClient(AthenaClient);
    const s3 = mockClient(S3Client);
    const ddb = mockClient(DynamoDBDocumentClient);
    let n = 0;
    athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++n}` }));
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const results = (cols: string[], rows: string[][]) => ({ ResultSet: { ResultSetMetadata: { ColumnInfo: cols.map((Name) => ({ Name })) }, Rows: [{ Data: cols.map((c) => ({ VarCharValue: c })) }, ...rows.map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) }))] } });
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
      // The coverage query (the first the report runs) answers with Athena's strings.
      if (input.QueryExecutionId === 'q-1') return results(['tenant', 'user_name', 'sign_ins', 'with_mfa', 'mfa_percent', 'without_mfa', 'mfa_at_idp', 'mfa_unknown'], [['acme', 'alice@example.com', '10', '7', '70.0', '3', '0', '0']]);
      return results(['tenant'], []);
    });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: [{ ID: 'tier-events', Status: 'Enabled', Filter: { Prefix: 'events/' }, Expiration: { Days: 2555 }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 180, StorageClass: 'GLACIER_IR' }] }] });
    s3.on(GetObjectLockConfigurationCommand).rejects(Object.assign(new Error('none'), { name: 'ObjectLockConfigurationNotFoundError' }));
    ddb.on(GetCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    const saved = { config: process.env.AUTHTRAIL_CONFIG, region: process.env.AWS_REGION, key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AUTHTRAIL_CONFIG = join(dir, 'config.json');
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLEOPERATOR1';
    process.env.AWS_SECRET_ACCESS_KEY = 'example';
    const log = console.log;
    const printed: string[] = [];
    console.log = (...a: unknown[]) => { printed.push(a.join(' ')); };
    try {
      assert.equal(await report(['--tenant', 'acme', '--from', '2026-11-01', '--to', '2026-11-27', '--out', join(dir, 'out'), '--outputs', join(dir, 'cdk-outputs.json')]), 0);
    } finally {
      console.log = log;
      for (const [k, v] of Object.entries({ AUTHTRAIL_CONFIG: saved.config, AWS_REGION: saved.region, AWS_ACCESS_KEY_ID: saved.key, AWS_SECRET_ACCESS_KEY: saved.secret })) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      athena.restore(); s3.restore(); ddb.restore();
    }
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    assert.ok(starts.length >= 15);
    assert.deepEqual([...new Set(starts.map((x) => x.WorkGroup))], ['client-b-acme']);
    assert.deepEqual([...new Set(starts.map((x) => x.QueryExecutionContext?.Database))], ['client_b']);
    assert.ok(starts.every((x) => /tenant = 'acme'/.test(x.QueryString!)), 'every query filters on the tenant');
    assert.deepEqual(s3.commandCalls(ListObjectsV2Command).map((c) => [c.args[0].input.Bucket, c.args[0].input.Prefix]).sort(), [['client-b-archive', 'digests/tenant=acme/'], ['client-b-archive', 'events/tenant=acme/']]);
    // The report is in the deployment's access log before it is written: who, tenant, what.
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    assert.equal(puts.length, 1);
    assert.match(puts[0]!.Key!, /^access\/tenant=acme\/dt=\d{4}-\d{2}-\d{2}\/.+\.json$/);
    assert.deepEqual((({ tenant, who, action, what }) => ({ tenant, who, action, what }))(JSON.parse(String(puts[0]!.Body)) as Record<string, string>),
      { tenant: 'acme', who: 'aws:AKIAEXAMPLEOPERATOR1', action: 'report', what: 'evidence report 2026-11-01 … 2026-11-27' });
    const r = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([r['sign_ins'], r['sign_ins_with_mfa'], r['mfa_coverage_percent']], [10, 7, 70]);
    assert.deepEqual(r['retention'], { source: 'bucket', hot_days: 90, archive_days: 2555, infrequent_access_after_days: 30, glacier_after_days: 180, object_lock: null });
    assert.deepEqual(r['integrity'], { status: 'ok', objects_checked: 0, digests: 0, findings: [] });
    assert.match(printed.at(-1)!, /acme, 2026-11-01 to 2026-11-27: 10 sign-in\(s\), MFA coverage 70 %, integrity ok/);
  });
});
