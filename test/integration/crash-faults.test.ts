/**
 * Power cuts and outages against the real local collector: whatever instant it dies at, and
 * however long the S3 stand-in is away, every acknowledged event ends up in the hot table and in
 * the archive exactly once, and `verify` is green.
 */
import { describe, it } from 'node:test';
import { hotEvents } from '../helpers/hot.ts';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fixture } from '../helpers/fixtures.ts';
import { cli, startCrashable, type CrashableCollector } from '../helpers/crashable.ts';

const SECRETS = { 'acme-okta': 'crash-acme-secret', 'globex-okta': 'crash-globex-secret' } as const;
type SourceId = keyof typeof SECRETS;
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  sources: (Object.keys(SECRETS) as SourceId[]).map((id) => ({ id, tenant: id.split('-')[0], kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRETS[id] } })),
};
const pool = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events;
// Fast archiver batches, so a test run sees many of them.
const FAST = { AUTHTRAIL_LOCAL_BATCH_WINDOW_MS: '300' };

interface Body { source: SourceId; text: string; uids: string[] }

/** `count` hook bodies of `size` events, alternating sources, spanning two event days. */
function bodies(tag: string, count: number, size: number): Body[] {
  return Array.from({ length: count }, (_, b) => {
    const source: SourceId = b % 2 ? 'globex-okta' : 'acme-okta';
    const events = Array.from({ length: size }, (_, i) => ({
      ...pool[(b + i) % pool.length]!, uuid: `${tag}-${b}-${i}`,
      published: new Date(Date.UTC(2026, 10, 20, 23, 50) + (b * size + i) * 997).toISOString(),
    }));
    return { source, text: JSON.stringify({ eventType: 'com.okta.event_hook', data: { events } }), uids: events.map((e) => `${source}#${e.uuid}`) };
  });
}

/** Posts bodies from `senders` concurrent senders; returns the bodies that got no 200 (to resend). */
async function send(c: CrashableCollector, list: Body[], senders = 2): Promise<Body[]> {
  const unanswered: Body[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: senders }, async () => {
    while (next < list.length) {
      const b = list[next++]!;
      try {
        const r = await fetch(`${c.base}/v1/ingest/${b.source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRETS[b.source] }, body: b.text });
        if (r.status !== 200) { unanswered.push(b); continue; }
        const j = await r.json() as { accepted: number; duplicates: number; quarantined: number };
        assert.equal(j.accepted + j.duplicates, b.uids.length, 'every event of an acknowledged body is stored');
        assert.equal(j.quarantined, 0);
      } catch {
        unanswered.push(b); // the connection died with the collector
      }
    }
  }));
  return unanswered;
}

/** Resends until every body is acknowledged, flushes, and checks the exactly-once promise. */
async function settleAndCheck(home: string, all: Body[], pending: Body[], running?: CrashableCollector): Promise<void> {
  const c = running ?? await startCrashable(home, config, FAST);
  try {
    for (let round = 0; pending.length && round < 5; round++) pending = await send(c, pending);
    assert.equal(pending.length, 0, 'every body is acknowledged in the end');
    const f = await cli(home, ['flush']);
    assert.equal(f.code, 0, f.stderr);
    const expected = new Set(all.flatMap((b) => b.uids));
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: c.endpoints.dynamodb, region: c.endpoints.region, credentials: c.endpoints.credentials }));
    const hot = (await hotEvents(ddb, c.endpoints.table)).map((e) => `${e.source_id}#${e.event_uid}`);
    ddb.destroy();
    assert.equal(hot.length, expected.size, 'the hot table holds every event once');
    assert.deepEqual(new Set(hot), expected);
    const q = await cli(home, ['query', "SELECT count(*) AS n, count(DISTINCT source_id || '#' || event_uid) AS d FROM events", '--json']);
    assert.equal(q.code, 0, q.stderr);
    const { n, d } = JSON.parse(q.stdout.trim()) as { n: number; d: number };
    assert.deepEqual({ n: Number(n), d: Number(d) }, { n: expected.size, d: expected.size }, 'the archive holds every event exactly once');
    const v = await cli(home, ['verify']);
    assert.equal(v.code, 0, `verify: ${v.stdout}${v.stderr}`);
  } finally {
    if (!running) await c.stop();
  }
}

describe('exactly once under power cuts and outages (real local collector)', { timeout: 600_000 }, () => {
  it('kill -9 of the whole collector right after an archive object is written', async () => {
    const home = mkdtempSync(join(tmpdir(), 'authtrail-crash-put-'));
    const all = bodies('put', 40, 50);
    const c = await startCrashable(home, config, { ...FAST, AUTHTRAIL_LOCAL_FAILPOINTS: 'kill-after-put:events/:2' });
    const pending = await send(c, all);
    // If the senders finished first, the flush's archive write trips the failpoint.
    if (!(await Promise.race([c.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]))) await cli(home, ['flush']);
    await Promise.race([c.exited, new Promise((_, rej) => setTimeout(() => rej(new Error(`the failpoint never fired:\n${c.output()}`)), 30_000))]);
    await c.crash();
    await settleAndCheck(home, all, pending);
  });

  it('kill -9 at random instants while two senders load it', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 100_000);
    let x = seed;
    const random = () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const home = mkdtempSync(join(tmpdir(), 'authtrail-crash-random-'));
    const all = bodies('rnd', 48, 50);
    let pending: Body[] = [];
    const rounds = 3;
    for (let r = 0; r < rounds; r++) {
      const c = await startCrashable(home, config, FAST);
      const share = [...pending, ...all.slice((r * all.length) / rounds, ((r + 1) * all.length) / rounds)];
      const sending = send(c, share);
      await new Promise((res) => setTimeout(res, 400 + random() * 3000));
      await c.crash();
      pending = await sending;
    }
    await settleAndCheck(home, all, pending).catch((err) => { throw Object.assign(err as Error, { message: `${(err as Error).message} (FUZZ_SEED=${seed})` }); });
  });

  it('the S3 stand-in away for a while: the archiver retries and nothing is lost', async () => {
    const home = mkdtempSync(join(tmpdir(), 'authtrail-s3-outage-'));
    const all = bodies('s3', 20, 50);
    const c = await startCrashable(home, config, { ...FAST, AUTHTRAIL_LOCAL_FAILPOINTS: 's3-outage:0:8000' });
    try {
      const failed = await send(c, all);
      assert.equal(failed.length, 0, 'ingest does not need S3');
      assert.match(c.output(), /archiver: batch failed/, 'the archiver met the outage');
      // The flush waits out the archiver's backoff and lands everything once S3 is back.
      await settleAndCheck(home, all, failed, c);
    } finally {
      await c.stop();
    }
  });
});
