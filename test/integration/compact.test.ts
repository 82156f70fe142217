/**
 * Archive compaction against the local stand-ins (s3rver, DynamoDB Local) that the real local
 * collector archived into, through several flushes per tenant-day: `authtrail compact` leaves one
 * object per tenant-day with the same rows, `verify` is green before, after, and after a crash at
 * each step of the protocol (in-process compactor with an injected fault, on the same archive and
 * state table), and the project's query path (`authtrail query`, DuckDB over the archive) returns
 * exactly the same answers before and after.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startCollector, type TestCollector } from '../helpers/collector.ts';
import { localTarget, type Target } from '../../cli/target.ts';
import { archiveCompactor, type CompactionStep } from '../../lambdas/adapters/archive-compact.ts';
import { dynamoArchiveState } from '../../lambdas/adapters/archive-state.ts';

const SECRET = 'it-compact-secret-31';
const auth = { type: 'shared-secret', header: 'authorization', secret: SECRET };
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-generic', tenant: 'acme', kind: 'generic', auth },
    { id: 'globex-generic', tenant: 'globex', kind: 'generic', auth },
  ],
};

const STEPS: CompactionStep[] = ['staged', 'checked', 'committed', 'published', 'deleted', 'moved'];
const dayAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
/** One day per crash step, all closed (3 or more days ago), and one more that is compacted cleanly. */
const DAYS = [...STEPS.map((_, i) => dayAgo(3 + i)), dayAgo(3 + STEPS.length)];

describe('archive compaction against the local stand-ins', () => {
  let c: TestCollector;
  let t: Target;
  const SQL = {
    rows: 'SELECT tenant, dt, source_id, event_uid, event_time, user_login, outcome, category FROM events ORDER BY tenant, dt, source_id, event_uid',
    counts: 'SELECT tenant, dt, count(*) AS n, count(DISTINCT event_uid) AS uids, min(event_time) AS first, max(event_time) AS last FROM events GROUP BY tenant, dt ORDER BY tenant, dt',
  };
  const query = async (sql: string) => {
    const r = await c.cli(['query', sql, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const objects = async (tenant: string, dt: string) =>
    ((await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucket, Prefix: `events/tenant=${tenant}/dt=${dt}/` }))).Contents ?? []).map((o) => o.Key!);
  const verify = async () => {
    const r = await c.cli(['verify']);
    assert.equal(r.code, 0, `verify: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /verify: the archive matches its digests/);
  };

  before(async () => {
    c = await startCollector(config);
    t = localTarget(c.endpoints);
    const post = async (source: string, events: unknown[]) => {
      const r = await fetch(`${c.base}/v1/ingest/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body: JSON.stringify(events) });
      assert.equal(r.status, 200, await r.text());
    };
    // Three flushes: three archive objects per tenant-day.
    for (let batch = 0; batch < 3; batch++) {
      for (const tenant of ['acme', 'globex']) {
        const events = DAYS.flatMap((dt, d) => Array.from({ length: 4 }, (_, i) => ({
          event_uid: `${tenant}-${d}-${batch}-${i}`, event_time: `${dt}T${String(20 - batch * 5 - i).padStart(2, '0')}:1${i}:00.000Z`,
          category: 'login', outcome: i % 3 ? 'success' : 'failure', user_login: `user${i}@${tenant}.example.com`,
        })));
        await post(`${tenant}-generic`, events);
      }
      const f = await c.cli(['flush']);
      assert.equal(f.code, 0, f.stderr);
    }
  });
  after(async () => { t?.close(); await c?.stop(); });

  it('crash at every step, verify green throughout, then `authtrail compact` finishes everything: one object per tenant-day, the same query answers', async () => {
    const rowsBefore = await query(SQL.rows);
    const countsBefore = await query(SQL.counts);
    assert.equal(rowsBefore.trim().split('\n').length, 2 * DAYS.length * 12);
    for (const dt of DAYS) assert.equal((await objects('acme', dt)).length, 3, dt);
    await verify();

    const state = dynamoArchiveState({ client: t.ddb, table: t.stateTable });
    for (const [i, step] of STEPS.entries()) {
      const crashing = archiveCompactor({ s3: t.s3, bucket: t.bucket, state, fault: (s, dt) => { if (s === step && dt === DAYS[i]) throw new Error(`power cut after ${s}`); } });
      await assert.rejects(crashing.compactTenant('acme', { day: DAYS[i] }), /power cut/);
      await verify();
      // Never a row twice while a compaction is interrupted.
      const during = JSON.parse(`[${(await query(SQL.counts)).trim().split('\n').join(',')}]`) as { n: number; uids: number }[];
      for (const row of during) assert.equal(row.n, row.uids);
    }

    const r = await c.cli(['compact']);
    assert.equal(r.code, 0, r.stderr);
    // Each run first finishes what the crash before it left; this one finishes the last ("moved").
    assert.match(r.stdout, /acme: finished 1 interrupted compaction\(s\)/);
    assert.match(r.stdout, /compact: \d+ tenant-day\(s\) compacted/);
    await verify();
    for (const tenant of ['acme', 'globex']) for (const dt of DAYS) assert.deepEqual((await objects(tenant, dt)).map((k) => /compacted-/.test(k)), [true], `${tenant} ${dt}`);
    // Left: the staging copies of the two runs cut before their commit — named by no digest, so
    // neither listed nor queried; a run an hour later deletes them (a younger one may be a running compactor's).
    const staging = ((await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucket, Prefix: 'compaction/' }))).Contents ?? []).map((o) => o.Key!);
    assert.deepEqual(staging.map((k) => /dt=([^/]+)/.exec(k)![1]).sort(), [DAYS[0], DAYS[1]].sort());
    assert.equal(await query(SQL.rows), rowsBefore);
    assert.equal(await query(SQL.counts), countsBefore);

    // Nothing left to do.
    const again = await c.cli(['compact']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /compact: nothing to compact/);
  });

  it('the scheduled compactor Lambda (its middy handler, with the environment the construct sets) merges a late event\'s object into its compacted day', async () => {
    const e = c.endpoints;
    const late = [{ event_uid: 'late-1', event_time: `${DAYS[6]}T23:59:00.000Z`, category: 'login', outcome: 'success', user_login: 'late@acme.example.com' }];
    const r = await fetch(`${c.base}/v1/ingest/acme-generic`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body: JSON.stringify(late) });
    assert.equal(r.status, 200);
    assert.equal((await c.cli(['flush'])).code, 0);
    assert.equal((await objects('acme', DAYS[6]!)).length, 2);
    const countsBefore = await query(SQL.counts);
    Object.assign(process.env, {
      AUTHTRAIL_BUCKET: e.bucket, AUTHTRAIL_STATE_TABLE: e.stateTable, AUTHTRAIL_TENANTS: JSON.stringify(config.tenants.map((x) => x.id)),
      AUTHTRAIL_S3_ENDPOINT: e.s3, AUTHTRAIL_S3_ACCESS_KEY: e.credentials.accessKeyId, AUTHTRAIL_S3_SECRET_KEY: e.credentials.secretAccessKey,
      AUTHTRAIL_DYNAMODB_ENDPOINT: e.dynamodb, AUTHTRAIL_DYNAMODB_ACCESS_KEY: e.credentials.accessKeyId, AUTHTRAIL_DYNAMODB_SECRET_KEY: e.credentials.secretAccessKey,
      AWS_REGION: e.region, POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_SERVICE_NAME: 'authtrail', POWERTOOLS_METRICS_NAMESPACE: 'authtrail',
    });
    const h = await import('../../lambdas/handlers/compactor.ts');
    const lines: string[] = [];
    const saved = console.log;
    const savedInfo = console.info;
    console.log = console.info = (...a: unknown[]) => { lines.push(a.map(String).join(' ')); };
    let summary;
    try {
      summary = await h.handler({}, { getRemainingTimeInMillis: () => 900_000, functionName: 'compactor', awsRequestId: 'r1' } as never) as Awaited<ReturnType<typeof h.compactScheduled>>;
    } finally { console.log = saved; console.info = savedInfo; }
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(summary.tenants.flatMap((t) => t.days.map((d) => [t.tenant, d.dt, d.objectsBefore, d.objectsAfter, d.rows])), [['acme', DAYS[6], 2, 1, 13]]);
    const emf = lines.filter((l) => l.includes('"ArchiveObjectsCompacted"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(emf.map((m) => [m['ArchiveObjectsCompacted'], m['ArchiveCompactionOutputs'], m['ArchiveCompactionErrors']]), [[2, 1, 0]]);
    await verify();
    assert.equal(await query(SQL.counts), countsBefore);
  });

  it('user errors are one line: today, an unknown tenant, a malformed day', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const r1 = await c.cli(['compact', '--day', today]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, new RegExp(`^authtrail: compact: --day ${today} is not over yet`));
    const r2 = await c.cli(['compact', '--tenant', 'nope']);
    assert.equal(r2.code, 1);
    assert.equal(r2.stderr.trim().split('\n').length, 1);
    assert.match(r2.stderr, /unknown tenant "nope"/);
    const r3 = await c.cli(['compact', '--day', '2026-13-01']);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /--day takes a date YYYY-MM-DD/);
  });
});
