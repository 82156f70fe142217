/**
 * The scheduled OCSF export to Security Lake against the local S3 stand-in: two tenants' days
 * archived by the archive writer, the exporter handler run as the schedule runs it with a target
 * pointing at a second local bucket, the output read with DuckDB — the custom-source layout, one
 * object per class per tenant-day, each tenant's rows only in its own objects, every row valid OCSF
 * 1.3.0 — then a re-run that writes nothing, and a late event that rewrites exactly its day.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LOCAL_CREDENTIALS, REGION, startS3, type Running } from '../../local/standins.ts';
import { ensureBucket } from '../../local/resources.ts';
import { runSql } from '../../local/archive-db.ts';
import { archiveWriter } from '../../lambdas/adapters/archive-writer.ts';
import { memoryArchiveState } from '../../lambdas/adapters/archive-state.ts';
import { DEFAULT_SOURCES, lakeKey } from '../../lambdas/core/ocsf-lake.ts';
import { OCSF_CLASSES, type OcsfClass } from '../../lambdas/core/ocsf.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { ev } from '../helpers/events.ts';
import { loadOcsfSubset, validateOcsf } from '../helpers/ocsf-validate.ts';

const subset = loadOcsfSubset();
const ARCHIVE = 'archive';
const LAKE = 'lake';
const TARGET = { bucket: LAKE, prefix: 'ext/', region: 'eu-west-1', accountId: '123456789012', sources: DEFAULT_SOURCES, lookbackDays: 3 };
const DAY = 86_400_000;
const today = Date.parse(new Date().toISOString().slice(0, 10));
const d1 = new Date(today - DAY).toISOString().slice(0, 10);
const d2 = new Date(today - 2 * DAY).toISOString().slice(0, 10);
const at = (d: string, h: number) => `${d}T${String(h).padStart(2, '0')}:00:00.000Z`;

function acmeDay(d: string): AuthEvent[] {
  const u = { user_id: 'u-alice', user_login: 'alice@acme.example' };
  return [
    ev({ event_uid: `${d}-l1`, event_time: at(d, 8), category: 'login', outcome: 'success', is_mfa: true, factor: 'push', src_ip: '198.51.100.7', geo_country: 'DE', ...u }),
    ev({ event_uid: `${d}-l2`, event_time: at(d, 9), category: 'mfa_verify', outcome: 'denied', is_mfa: true, factor: 'push', ...u }),
    ev({ event_uid: `${d}-f1`, event_time: at(d, 10), category: 'factor_enroll', outcome: 'success', factor: 'webauthn', ...u }),
    ev({ event_uid: `${d}-r1`, event_time: at(d, 11), category: 'role_change', change: 'grant', target_type: 'role', target_name: 'Super Admin', actor_login: 'root@acme.example', ...u }),
    ev({ event_uid: `${d}-g1`, event_time: at(d, 12), category: 'admin', change: 'grant', target_type: 'group', target_id: 'g-9', target_name: 'Finance', actor_login: 'root@acme.example', ...u }),
    ev({ event_uid: `${d}-p1`, event_time: at(d, 13), category: 'policy_change', change: 'update', target_type: 'policy', target_name: 'MFA policy', actor_login: 'root@acme.example', user_id: null, user_login: null }),
    ev({ event_uid: `${d}-o1`, event_time: at(d, 14), category: 'other', outcome: 'success', ...u }),
  ];
}
const globexDay = (d: string): AuthEvent[] => [
  ev({ tenant: 'globex', source_id: 'globex-okta', event_uid: `${d}-gx1`, event_time: at(d, 7), category: 'login', outcome: 'failure', reason: 'INVALID_CREDENTIALS', user_login: 'gina@globex.example' }),
];

describe('scheduled OCSF export to Security Lake, on the local S3 stand-in', () => {
  let dir: string;
  let s3srv: Running;
  let s3: S3Client;
  let db: DuckDBInstance;
  let c: DuckDBConnection;
  let seq = 1000;
  const state = memoryArchiveState();
  const saved: Record<string, string | undefined> = {};
  let exportScheduled: (e: unknown) => Promise<{ results: readonly { tenant: string; day: string; status: string }[] }>;

  const archive = async (events: AuthEvent[]) => {
    await archiveWriter({ s3, bucket: ARCHIVE, state }).archive({
      stream: 'arn:aws:dynamodb:us-east-1:000000000000:table/hot/stream/2026-11-01T00:00:00.000',
      records: events.map((event) => ({ seq: String(seq++), pk: `${event.source_id}#${event.event_uid}`, event })),
    });
  };
  /** The lake bucket's objects: key → ETag. */
  const lake = async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: LAKE }));
    return new Map((r.Contents ?? []).map((o) => [o.Key!, o.ETag!]));
  };
  /** A local copy of the lake bucket, for DuckDB (it cannot read s3:// here). */
  const download = async () => {
    const out = mkdtempSync(join(dir, 'lake-'));
    for (const key of (await lake()).keys()) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: LAKE, Key: key }))).Body!.transformToByteArray();
      mkdirSync(join(out, key, '..'), { recursive: true });
      writeFileSync(join(out, key), body);
    }
    return out;
  };
  const rows = async (file: string) => (await runSql(c, `SELECT to_json(t) AS j FROM read_parquet('${file}', hive_partitioning = false) t ORDER BY time`))
    .map((r) => JSON.parse(String(r['j'])) as Record<string, unknown> & { metadata: { uid: string; tenant_uid: string }; class_uid: number });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'authtrail-ocsf-lake-'));
    s3srv = await startS3(join(dir, 's3'));
    s3 = new S3Client({ endpoint: s3srv.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    await ensureBucket(s3, ARCHIVE);
    await ensureBucket(s3, LAKE);
    const env = {
      AUTHTRAIL_S3_ENDPOINT: s3srv.endpoint, AUTHTRAIL_S3_ACCESS_KEY: LOCAL_CREDENTIALS.accessKeyId, AUTHTRAIL_S3_SECRET_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION, AUTHTRAIL_BUCKET: ARCHIVE, AUTHTRAIL_TENANTS: JSON.stringify(['acme', 'globex']), AUTHTRAIL_OCSF_TARGET: JSON.stringify(TARGET),
      POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    for (const [k, v] of Object.entries(env)) { saved[k] = process.env[k]; process.env[k] = v; }
    ({ exportScheduled } = await import('../../lambdas/handlers/ocsf-exporter.ts'));
    db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    c = await db.connect();
    await archive([...acmeDay(d1), ...acmeDay(d2), ...globexDay(d1)]);
  });
  after(async () => {
    c?.closeSync();
    db?.closeSync();
    s3?.destroy();
    await s3srv?.stop();
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one object per class per tenant-day in the custom-source layout; DuckDB reads each tenant\'s own rows, all valid OCSF', async () => {
    const s = await exportScheduled({});
    assert.deepEqual(s.results.filter((r) => r.status === 'written').map((r) => `${r.tenant} ${r.day}`).sort(), [`acme ${d1}`, `acme ${d2}`, `globex ${d1}`].sort());
    const keys = [...(await lake()).keys()].sort();
    const acmeClasses: OcsfClass[] = ['authentication', 'account_change', 'user_access', 'group_management', 'entity_management'];
    const want = [
      ...[d1, d2].flatMap((d) => acmeClasses.map((cls) => lakeKey(TARGET, DEFAULT_SOURCES[cls], d, 'acme'))),
      lakeKey(TARGET, DEFAULT_SOURCES.authentication, d1, 'globex'),
    ].sort();
    assert.deepEqual(keys, want);
    for (const k of keys) assert.match(k, /^ext\/authtrail-[a-z]+\/region=eu-west-1\/accountId=123456789012\/eventDay=\d{8}\/authtrail-(acme|globex)\.parquet$/);

    const out = await download();
    const counts: Record<string, number> = { authentication: 2, account_change: 1, user_access: 1, group_management: 1, entity_management: 1 };
    for (const key of keys) {
      const tenant = /authtrail-(\w+)\.parquet$/.exec(key)![1]!;
      const cls = (Object.keys(OCSF_CLASSES) as OcsfClass[]).find((x) => key.startsWith(`ext/${DEFAULT_SOURCES[x]}/`))!;
      const got = await rows(join(out, key));
      assert.equal(got.length, tenant === 'globex' ? 1 : counts[cls], key);
      for (const r of got) {
        assert.equal(r.class_uid, OCSF_CLASSES[cls].uid, key);
        assert.equal(r.metadata.tenant_uid, tenant, `${key}: another tenant's row`);
        const clean = JSON.parse(JSON.stringify(r, (_k, v) => (v === null ? undefined : v))) as Record<string, unknown>;
        assert.deepEqual(validateOcsf(subset, clean), [], `${key} ${r.metadata.uid}`);
      }
    }
    // The event without an OCSF class is nowhere.
    const all = (await Promise.all(keys.map((k) => rows(join(out, k))))).flat().map((r) => r.metadata.uid);
    assert.ok(!all.some((u) => u.endsWith('-o1')));
    assert.equal(all.length, 2 * 6 + 1);
  });

  it('a re-run writes nothing: the same keys, the same objects', async () => {
    const before = await lake();
    const s = await exportScheduled({});
    assert.deepEqual(s.results.map((r) => r.status).filter((x) => x === 'written'), []);
    assert.deepEqual(await lake(), before);
  });

  it('a late event rewrites exactly its tenant-day, at the same keys, with the event in it', async () => {
    const before = await lake();
    await archive([ev({ event_uid: `${d2}-late`, event_time: at(d2, 23), category: 'login', outcome: 'success', user_login: 'alice@acme.example' })]);
    const s = await exportScheduled({});
    assert.deepEqual(s.results.filter((r) => r.status === 'written').map((r) => `${r.tenant} ${r.day}`), [`acme ${d2}`]);
    const after = await lake();
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no new key');
    const changed = [...after].filter(([k, e]) => before.get(k) !== e).map(([k]) => k);
    assert.ok(changed.includes(lakeKey(TARGET, DEFAULT_SOURCES.authentication, d2, 'acme')));
    assert.ok(changed.every((k) => k.includes(`eventDay=${d2.replace(/-/g, '')}/authtrail-acme`)), changed.join(', '));
    const out = await download();
    const auth = await rows(join(out, lakeKey(TARGET, DEFAULT_SOURCES.authentication, d2, 'acme')));
    assert.deepEqual(auth.map((r) => r.metadata.uid), [`${d2}-l1`, `${d2}-l2`, `${d2}-late`]);
    assert.deepEqual((await exportScheduled({})).results.filter((r) => r.status === 'written'), [], 'and then it is exported');
  });
});
