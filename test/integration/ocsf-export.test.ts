/**
 * `authtrail export ocsf` end to end: vendor events through the local collector into the archive,
 * exported as OCSF Parquet in the Security Lake custom-source layout, read back with DuckDB —
 * partitions, row counts per class, nested fields, and every row valid OCSF 1.3.0.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { OCSF_CLASSES } from '../../lambdas/core/ocsf.ts';
import { runSql } from '../../local/archive-db.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';
import { loadOcsfSubset, validateOcsf } from '../helpers/ocsf-validate.ts';

const SECRET = 'it-ocsf-secret-31';
const auth = { type: 'shared-secret', header: 'authorization', secret: SECRET };
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth },
    { id: 'acme-app', tenant: 'acme', kind: 'generic', auth },
    { id: 'globex-okta', tenant: 'globex', kind: 'okta', auth },
  ],
};
/** Canonical events from an in-house app: a group change on the next day, one event with no OCSF class, one after the window. */
const APP_EVENTS = [
  { event_uid: 'app-1', event_time: '2026-11-21T09:00:00.000Z', category: 'admin', outcome: 'success', change: 'grant', target_type: 'group', target_id: 'g-42', target_name: 'Finance', user_login: 'bob@example.com', actor_login: 'admin@example.com' },
  { event_uid: 'app-2', event_time: '2026-11-21T09:05:00.000Z', category: 'other', outcome: 'success', user_login: 'bob@example.com' },
  { event_uid: 'app-3', event_time: '2026-11-22T00:00:00.000Z', category: 'login', outcome: 'success', user_login: 'bob@example.com' },
];

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile()).map((f) => relative(dir, join(dir, f))).sort();
}
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)]));
  return v;
}

describe('export ocsf, end to end', () => {
  let c: TestCollector;
  let out: string;
  let db: DuckDBInstance;
  let con: DuckDBConnection;
  const post = (source: string, body: string) =>
    fetch(`${c.base}/v1/ingest/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body }).then((r) => r.json());
  const exportArgs = () => ['export', 'ocsf', '--tenant', 'acme', '--from', '2026-11-20', '--to', '2026-11-21', '--out', out, '--region', 'eu-west-1', '--account-id', '123456789012'];

  before(async () => {
    c = await startCollector(config);
    out = mkdtempSync(join(tmpdir(), 'ocsf-export-'));
    db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    con = await db.connect();
  });
  after(async () => {
    con?.closeSync();
    db?.closeSync();
    if (out) rmSync(out, { recursive: true, force: true });
    await c?.stop();
  });

  it('writes one Parquet object per OCSF class and event day under ext/<source>/region=/accountId=/eventDay=', async () => {
    assert.deepEqual(await post('acme-okta', fixtureText('okta/event-hook.json')), { accepted: 7, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await post('acme-okta', fixtureText('okta/event-hook-admin.json')), { accepted: 16, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await post('acme-okta', fixtureText('okta/event-hook-idp.json')), { accepted: 1, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await post('acme-app', JSON.stringify(APP_EVENTS)), { accepted: 3, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await post('globex-okta', fixtureText('okta/event-hook.json')), { accepted: 7, duplicates: 0, quarantined: 0 });
    const f = await c.cli(['flush']);
    assert.equal(f.code, 0, f.stderr);

    const r = await c.cli(exportArgs());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /export ocsf: 24 event\(s\) of acme from 2026-11-20 to 2026-11-21 in 5 file\(s\) under .* \(2 not exported: category other has no OCSF class\)/);
    const p = (source: string, day: string) => `ext/${source}/region=eu-west-1/accountId=123456789012/eventDay=${day}/authtrail-acme.parquet`;
    assert.deepEqual(files(out), [
      p('authtrail-access', '20261120'),
      p('authtrail-account', '20261120'),
      p('authtrail-auth', '20261120'),
      p('authtrail-entity', '20261120'),
      p('authtrail-group', '20261121'),
    ]);
  });

  it('holds the right rows per class, with the partition columns as Security Lake reads them', async () => {
    const rows = await runSql(con, `SELECT class_uid, class_name, region, accountId, eventDay, count(*) n, min(metadata.tenant_uid) tenant, max(metadata.tenant_uid) tenant2
      FROM read_parquet('${join(out, 'ext', '*', '*', '*', '*', '*.parquet')}', hive_partitioning = true, hive_types = {'region': VARCHAR, 'accountId': VARCHAR, 'eventDay': VARCHAR}, union_by_name = true)
      GROUP BY ALL ORDER BY class_uid`);
    assert.deepEqual(rows.map((x) => [x['class_uid'], x['class_name'], x['region'], x['accountId'], x['eventDay'], x['n'], x['tenant'], x['tenant2']]), [
      [3001, 'Account Change', 'eu-west-1', '123456789012', '20261120', 5, 'acme', 'acme'],
      [3002, 'Authentication', 'eu-west-1', '123456789012', '20261120', 8, 'acme', 'acme'],
      [3004, 'Entity Management', 'eu-west-1', '123456789012', '20261120', 9, 'acme', 'acme'],
      [3005, 'User Access Management', 'eu-west-1', '123456789012', '20261120', 1, 'acme', 'acme'],
      [3006, 'Group Management', 'eu-west-1', '123456789012', '20261121', 1, 'acme', 'acme'],
    ]);
  });

  it('keeps the OCSF objects as nested structs', async () => {
    const auth = join(out, 'ext', OCSF_CLASSES.authentication.source, '*', '*', '*', '*.parquet');
    const [alice] = await runSql(con, `SELECT "user".name AS u, src_endpoint.ip AS ip, src_endpoint.location.city AS city, service.name AS app, is_mfa, activity_id, status_id, type_uid,
      metadata.product.name AS product, metadata.version AS v, unmapped['factor'] AS factor, typeof(src_endpoint) AS t
      FROM read_parquet('${auth}', hive_partitioning = false) WHERE metadata.uid = 'a0f3b1c2-1111-11f1-9a4b-000000000001'`);
    assert.deepEqual(alice, {
      u: 'Alice.Example@example.com', ip: '198.51.100.23', city: 'Berlin', app: 'Payroll', is_mfa: true, activity_id: 1, status_id: 1, type_uid: 300201,
      product: 'authtrail', v: '1.3.0', factor: 'push', t: 'STRUCT(ip VARCHAR, "location" STRUCT(country VARCHAR, region VARCHAR, city VARCHAR, lat DOUBLE, long DOUBLE))',
    });
    const group = join(out, 'ext', OCSF_CLASSES.group_management.source, '*', '*', '*', '*.parquet');
    assert.deepEqual(await runSql(con, `SELECT "group".name AS g, "group".uid AS gid, "user".name AS u, actor."user".name AS admin, activity_name FROM read_parquet('${group}', hive_partitioning = false)`),
      [{ g: 'Finance', gid: 'g-42', u: 'bob@example.com', admin: 'admin@example.com', activity_name: 'Add User' }]);
  });

  it('every row read back from Parquet is valid OCSF 1.3.0', async () => {
    const subset = loadOcsfSubset();
    let n = 0;
    for (const file of files(out)) {
      for (const row of await runSql(con, `SELECT to_json(t) AS j FROM read_parquet('${join(out, file)}', hive_partitioning = false) t`)) {
        const e = stripNulls(JSON.parse(String(row['j']))) as Record<string, unknown>;
        assert.deepEqual(validateOcsf(subset, e), [], `${file}: ${JSON.stringify(e)}`);
        n++;
      }
    }
    assert.equal(n, 24);
  });

  it('a second export of the same period replaces the objects, it does not add to them', async () => {
    const before = files(out);
    const r = await c.cli(exportArgs());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(files(out), before);
    const [{ n }] = await runSql(con, `SELECT count(*) n FROM read_parquet('${join(out, 'ext', '*', '*', '*', '*', '*.parquet')}', union_by_name = true)`) as [{ n: number }];
    assert.equal(n, 24);
  });

  it('with --outputs reads the deployed archive bucket (here the local one, through the standard SDK settings) and writes the same events', async () => {
    const e = c.endpoints;
    const env = Object.fromEntries(Object.entries({
      ...Object.fromEntries(Object.entries(c.env).filter(([k]) => !k.startsWith('AWS_'))),
      // Not where the collector's state lives: AWS mode must not need endpoints.json.
      AUTHTRAIL_HOME: join(c.home, 'elsewhere'),
      AWS_ENDPOINT_URL_S3: e.s3, AWS_ACCESS_KEY_ID: e.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: e.credentials.secretAccessKey, AWS_REGION: e.region,
      AWS_CONFIG_FILE: join(c.home, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(c.home, 'no-aws-credentials'), AWS_EC2_METADATA_DISABLED: 'true',
    }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
    const awsOut = mkdtempSync(join(tmpdir(), 'ocsf-export-aws-'));
    const bin = fileURLToPath(new URL('../../bin/authtrail.mjs', import.meta.url));
    const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => execFile(process.execPath, [bin, ...args, '--outputs', join(c.home, 'cdk-outputs.json')], { env, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
    try {
      const r = await run(['export', 'ocsf', '--tenant', 'acme', '--from', '2026-11-20', '--to', '2026-11-21', '--out', awsOut, '--account-id', '123456789012']);
      assert.equal(r.code, 0, r.stderr);
      // The region of the partition comes from AWS_REGION when --region is not given.
      const region = `region=${e.region}`;
      assert.deepEqual(files(awsOut), files(out).map((f) => f.replace('region=eu-west-1', region)));
      for (const f of files(out)) {
        const rows = async (file: string) => (await runSql(con, `SELECT to_json(t) AS j FROM read_parquet('${file}', hive_partitioning = false) t ORDER BY metadata.log_name, metadata.uid`)).map((x) => x['j']);
        assert.deepEqual(await rows(join(awsOut, f.replace('region=eu-west-1', region))), await rows(join(out, f)), f);
      }
      const unknown = await run(['export', 'ocsf', '--tenant', 'nosuch', '--from', '2026-11-20', '--to', '2026-11-21', '--out', awsOut, '--account-id', '123456789012']);
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr, 'authtrail: unknown tenant "nosuch": it is not in the config and has no events in the archive (tenants: acme, globex)\n');
    } finally {
      rmSync(awsOut, { recursive: true, force: true });
    }
  });

  it('refuses an unknown tenant and bad flags in one line', async () => {
    const t = await c.cli(['export', 'ocsf', '--tenant', 'acmee', '--from', '2026-11-20', '--to', '2026-11-21', '--out', out, '--region', 'eu-west-1', '--account-id', '123456789012']);
    assert.equal(t.code, 1);
    assert.equal(t.stderr.trim(), 'authtrail: unknown tenant "acmee": it is not in the config and has no events in the archive (tenants: acme, globex)');
    const a = await c.cli(['export', 'ocsf', '--tenant', 'acme', '--from', '2026-11-20', '--to', '2026-11-21', '--region', 'eu-west-1', '--account-id', '12345']);
    assert.equal(a.code, 2);
    assert.equal(a.stderr.split('\n')[0], 'authtrail: export ocsf: --account-id takes a 12-digit AWS account id, not "12345"');
  });
});
