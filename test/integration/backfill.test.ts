/**
 * Backfill against DynamoDB Local and the local S3 server: a day whose stream records are gone is
 * re-archived exactly once — after a partial live archive, on a re-run, after a crash at either
 * side of the commit, and with two runs at once — `verify` stays green, recent events are left
 * to the stream, another tenant is untouched, and the detector's re-run raises each missed alert
 * once.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, REGION, startDynamoDbLocal, startS3, type Running } from '../../local/standins.ts';
import { ensureBucket, ensureStateTable, ensureTable } from '../../local/resources.ts';
import { archiveWriter } from '../../lambdas/adapters/archive-writer.ts';
import { dynamoArchiveState, type ArchiveState } from '../../lambdas/adapters/archive-state.ts';
import { archivedEventKeys, backfillDay, listedObjects, type BackfillDeps } from '../../lambdas/adapters/backfill.ts';
import { archiveAlertStore } from '../../lambdas/adapters/alert-sink.ts';
import { toItem } from '../../lambdas/adapters/hot-store.ts';
import { sha256Hex, verifyArchive } from '../../lambdas/core/digest.ts';
import { AlertsConfig } from '../../lambdas/core/detect/settings.ts';
import type { Alert } from '../../lambdas/core/detect/engine.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { ev } from '../helpers/events.ts';

const TABLE = 'hot';
const STATE = 'state';
const BUCKET = 'archive';
const NOW = Date.parse('2026-11-28T12:00:00Z');
const OLD_INGEST = '2026-11-20T23:00:00.000Z';
const RECENT_INGEST = new Date(NOW - 3_600_000).toISOString();

const at = (dt: string, s: number) => new Date(Date.parse(`${dt}T10:00:00Z`) + s * 1000).toISOString();
/** A day of one tenant: sign-ins, plus four push denials of one user within ten minutes (mfa_fatigue). */
function day(tenant: string, dt: string, n: number, ingest = OLD_INGEST): AuthEvent[] {
  const out: AuthEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(ev({ tenant, source_id: `${tenant}-okta`, event_uid: `${dt}-${i}`, event_time: at(dt, i * 60), ingest_time: ingest, category: 'login', outcome: 'success', is_mfa: true, factor: 'push', user_email: `user${i % 5}@example.com` }));
  }
  for (let i = 0; i < 4; i++) {
    out.push(ev({ tenant, source_id: `${tenant}-okta`, event_uid: `${dt}-deny-${i}`, event_time: at(dt, 5_000 + i * 30), ingest_time: ingest, category: 'mfa_verify', outcome: 'denied', is_mfa: true, factor: 'push', user_email: 'nadia@example.com' }));
  }
  return out;
}

describe('backfill from the hot table', () => {
  let ddb: Running;
  let s3srv: Running;
  let dir: string;
  let client: DynamoDBDocumentClient;
  let s3: S3Client;
  let state: ArchiveState;
  const published: Alert[] = [];
  let deps: BackfillDeps;

  const seed = async (events: readonly AuthEvent[]) => {
    for (let i = 0; i < events.length; i += 25) {
      await client.send(new BatchWriteCommand({ RequestItems: { [TABLE]: events.slice(i, i + 25).map((e) => ({ PutRequest: { Item: toItem(e, 90) } })) } }));
    }
  };
  const list = async (prefix: string) => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
      out.push(...(r.Contents ?? []).map((o) => o.Key!));
      token = r.NextContinuationToken;
    } while (token);
    return out;
  };
  /** Every archived copy of every event of the tenant-day, counted (a listed object holds each event once). */
  const copies = async (tenant: string, dt: string) => {
    const listed = (await listedObjects(s3, BUCKET, state, tenant)).get(dt) ?? [];
    const counts = new Map<string, number>();
    for (const key of listed) for (const k of await archivedEventKeys(s3, BUCKET, [key])) counts.set(k, (counts.get(k) ?? 0) + 1);
    return counts;
  };
  const verify = async (tenant: string) => {
    const digests = new Map<string, string>();
    for (const key of await list(`digests/tenant=${tenant}/`)) digests.set(key, await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString());
    const objects = new Map<string, string>();
    for (const key of await list(`events/tenant=${tenant}/`)) objects.set(key, sha256Hex(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray()));
    return verifyArchive({ tenant, head: await state.head(tenant), digests, objects }).findings;
  };
  /** The live archiver's part: some of the day's events, archived from a real stream before it broke. */
  const liveArchive = async (events: readonly AuthEvent[]) => {
    const w = archiveWriter({ s3, bucket: BUCKET, state });
    await w.archive({ stream: 'arn:aws:dynamodb:us-east-1:000000000000:table/hot/stream/2026-11-01T00:00:00.000', records: events.map((event, i) => ({ seq: String(1000 + i), pk: `${event.source_id}#${event.event_uid}`, event })) });
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'authtrail-backfill-'));
    [ddb, s3srv] = await Promise.all([startDynamoDbLocal(join(dir, 'ddb')), startS3(join(dir, 's3'))]);
    const raw = new DynamoDBClient({ endpoint: ddb.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    await ensureTable(raw, TABLE);
    await ensureStateTable(raw, STATE);
    client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    s3 = new S3Client({ endpoint: s3srv.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    await ensureBucket(s3, BUCKET);
    state = dynamoArchiveState({ client, table: STATE });
    deps = {
      ddb: client, table: TABLE, s3, bucket: BUCKET, state, now: () => NOW, segmentRecords: 7,
      alerts: { sink: { async publish(a) { published.push(...a); } }, store: archiveAlertStore({ s3, bucket: BUCKET }), settings: AlertsConfig.parse({}) },
    };
  });
  after(async () => { client?.destroy(); s3?.destroy(); await Promise.all([ddb?.stop(), s3srv?.stop()]); rmSync(dir, { recursive: true, force: true }); });

  it('re-archives exactly the missing events of the day, leaves recent ones to the stream, and re-raises the missed alert once', async () => {
    const acme = day('acme', '2026-11-20', 20);
    const late = [0, 1, 2].map((i) => ev({ tenant: 'acme', source_id: 'acme-okta', event_uid: `late-${i}`, event_time: at('2026-11-20', 9_000 + i), ingest_time: RECENT_INGEST, category: 'login', outcome: 'success', user_email: 'late@example.com' }));
    const globex = day('globex', '2026-11-20', 5);
    await seed([...acme, ...late, ...globex]);
    await liveArchive(acme.slice(0, 10));
    await liveArchive(globex);
    const globexBefore = await list('events/tenant=globex/');

    const dry = await backfillDay(deps, { tenant: 'acme', dt: '2026-11-20', dryRun: true });
    assert.deepEqual(dry, { tenant: 'acme', dt: '2026-11-20', dry_run: true, hot_events: 27, archived_before: 10, archived_now: 14, objects: 0, left_to_stream: 3, alerts_raised: 1 });
    assert.equal((await list('events/tenant=acme/')).length, 1, 'a dry run writes nothing');
    assert.equal(published.length, 0, 'a dry run publishes nothing');

    const r = await backfillDay(deps, { tenant: 'acme', dt: '2026-11-20' });
    assert.deepEqual(r, { ...dry, dry_run: false, objects: 2 });
    const c = await copies('acme', '2026-11-20');
    assert.equal(c.size, 24, 'every settled event of the day is archived');
    assert.deepEqual([...c.values()].filter((n) => n !== 1), [], 'none twice');
    assert.ok(![...c.keys()].some((k) => k.includes('late-')), 'recent events are left to the stream');
    assert.deepEqual(await verify('acme'), []);
    assert.deepEqual(await list('events/tenant=globex/'), globexBefore, 'another tenant is untouched');
    assert.deepEqual(published.map((a) => [a.rule, a.tenant, a.user, a.count]), [['mfa_fatigue', 'acme', 'nadia@example.com', 4]]);
    assert.equal((await list('alerts/tenant=acme/dt=2026-11-20/')).length, 1, 'the alert is archived');

    const again = await backfillDay(deps, { tenant: 'acme', dt: '2026-11-20' });
    assert.deepEqual(again, { ...r, archived_before: 24, archived_now: 0, objects: 0, alerts_raised: 0 }, 'a re-run finds everything archived and the alert known');
    assert.equal(published.length, 1);
    assert.deepEqual(await verify('acme'), []);
  });

  it('a crash before a commit and a crash after it both end with every event archived once and verify green', async () => {
    const dt = '2026-11-21';
    await seed(day('acme', dt, 30));
    // 1. The second segment's commit fails (the process died after writing its object).
    let commits = 0;
    const failingCommit: ArchiveState = { ...state, async commitSegment(c) { if (++commits === 2) throw new Error('killed before the commit'); return state.commitSegment(c); } };
    await assert.rejects(backfillDay({ ...deps, state: failingCommit }, { tenant: 'acme', dt }), /killed before the commit/);
    // 2. The next run commits, then dies before its digest reaches S3.
    let digestPuts = 0;
    const dying = new S3Client({ endpoint: s3srv.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    dying.middlewareStack.add((next, ctx) => async (args) => {
      if (ctx.commandName === 'PutObjectCommand' && (args.input as { Key: string }).Key.startsWith('digests/') && ++digestPuts === 1) throw new Error('killed after the commit');
      return next(args);
    }, { step: 'initialize' });
    await assert.rejects(backfillDay({ ...deps, s3: dying }, { tenant: 'acme', dt }), /killed after the commit/);
    dying.destroy();
    // 3. A clean run finishes the day.
    const r = await backfillDay(deps, { tenant: 'acme', dt });
    assert.equal(r.hot_events, 34);
    const c = await copies('acme', dt);
    assert.equal(c.size, 34);
    assert.deepEqual([...c.values()].filter((n) => n !== 1), [], 'none twice');
    assert.deepEqual(await verify('acme'), [], 'no unlisted leftover, no missing digest');
  });

  it('two backfills of the same day at once archive each event once', async () => {
    const dt = '2026-11-22';
    await seed(day('acme', dt, 40));
    const [a, b] = await Promise.all([backfillDay(deps, { tenant: 'acme', dt, detect: false }), backfillDay(deps, { tenant: 'acme', dt, detect: false })]);
    assert.equal(a.archived_now + b.archived_now >= 44, true, 'both saw the day missing');
    const c = await copies('acme', dt);
    assert.equal(c.size, 44);
    assert.deepEqual([...c.values()].filter((n) => n !== 1), [], 'none twice');
    assert.deepEqual(await verify('acme'), []);
  });
});
