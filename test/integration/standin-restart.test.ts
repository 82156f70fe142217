/**
 * Fault injection: DynamoDB Local killed (SIGKILL) mid-load. The collector restarts the JVM on the
 * same port with the same -dbPath; while it is down senders get 5xx (never 4xx, never a hang),
 * afterwards their resends land; every event acknowledged with 200 is in the hot table exactly
 * once, including everything written before the kill, and (after a flush) in the archive once.
 */
import { describe, it, before, after } from 'node:test';
import { hotEvents } from '../helpers/hot.ts';
import assert from 'node:assert/strict';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type TestCollector } from '../helpers/collector.ts';
import { startDynamoDbLocal } from '../../local/standins.ts';

const SECRET = 'restart-generic-secret-91c';
const SOURCE = 'acme-gen';
/** No answer may take longer than this (the SDK's retries included). */
const ANSWER_BOUND_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Status { dynamodb: { pid: number | null; restarts: number; up: boolean; endpoint: string } }

describe('DynamoDB Local killed mid-load', () => {
  let c: TestCollector;
  let ddb: DynamoDBDocumentClient;

  before(async () => {
    c = await startCollector({
      tenants: [{ id: 'acme', name: 'Acme' }],
      sources: [{ id: SOURCE, tenant: 'acme', kind: 'generic', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } }],
    });
    ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: c.endpoints.dynamodb, region: c.endpoints.region, credentials: c.endpoints.credentials, maxAttempts: 5 }));
  });
  after(async () => { ddb?.destroy(); await c?.stop(); });

  const status = async (): Promise<Status> => {
    const r = await fetch(`${c.base}/_local/status`, { headers: c.localHeaders(), signal: AbortSignal.timeout(5_000) });
    assert.equal(r.status, 200);
    return await r.json() as Status;
  };
  const body = (uids: string[]) => JSON.stringify(uids.map((uid, i) => ({
    event_uid: uid, event_time: new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString(), category: 'login', outcome: 'success', user_login: `user-${uid}@example.com`,
  })));
  /** Posts one batch; 'ok' (200), 'retry' (5xx) or a problem (4xx, other, no answer within the bound). */
  const post = async (uids: string[]): Promise<{ kind: 'ok' | 'retry' } | { kind: 'problem'; detail: string }> => {
    const t0 = Date.now();
    try {
      const r = await fetch(`${c.base}/v1/ingest/${SOURCE}`, { method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: body(uids), signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
      const text = await r.text();
      if (r.status === 200) return { kind: 'ok' };
      if (r.status >= 500) return { kind: 'retry' };
      return { kind: 'problem', detail: `${r.status} ${text}` };
    } catch (err) {
      return { kind: 'problem', detail: `no answer after ${Date.now() - t0} ms: ${(err as Error).message}` };
    }
  };
  const storedUids = async (): Promise<string[]> => {
    return (await hotEvents(ddb, c.endpoints.table, SOURCE)).map((e) => e.event_uid);
  };

  it('restarts the JVM on the same port; senders get only 200 or 5xx; resends land; acknowledged events stored exactly once', async (t) => {
    const first = await status();
    assert.equal(first.dynamodb.up, true);
    assert.equal(first.dynamodb.restarts, 0);
    assert.ok(first.dynamodb.pid, 'the JVM pid');
    assert.equal(first.dynamodb.endpoint, c.endpoints.dynamodb);

    const acked = new Set<string>();
    const toResend: string[][] = [];
    const problems: string[] = [];
    let retries = 0;
    let killedAt = 0;
    let ackedAfterRestart = 0;
    let restartedAt = 0;
    let seq = 0;
    let sending = true;
    const sender = async (n: number) => {
      while (sending) {
        const uids = Array.from({ length: 5 }, () => `rs-${n}-${seq++}`);
        const r = await post(uids);
        if (r.kind === 'ok') {
          for (const u of uids) acked.add(u);
          if (restartedAt && Date.now() > restartedAt) ackedAfterRestart++;
        } else if (r.kind === 'retry') {
          retries++;
          toResend.push(uids);
        } else {
          problems.push((r as { detail: string }).detail);
        }
        await sleep(10);
      }
    };
    const senders = [1, 2, 3].map(sender);

    // Load first, then the kill.
    const deadline = Date.now() + 60_000;
    while (acked.size < 60 && Date.now() < deadline) await sleep(50);
    assert.ok(acked.size >= 60, `events were acknowledged before the kill (${acked.size})`);
    const ackedBeforeKill = new Set(acked);
    process.kill(first.dynamodb.pid!, 'SIGKILL');
    killedAt = Date.now();

    // The supervisor brings it back; senders keep going and get 200s again.
    let now: Status = first;
    while (Date.now() - killedAt < 90_000) {
      now = await status();
      if (now.dynamodb.up && now.dynamodb.restarts >= 1) { restartedAt ||= Date.now(); }
      if (restartedAt && ackedAfterRestart >= 5) break;
      await sleep(200);
    }
    sending = false;
    await Promise.all(senders);
    assert.deepEqual(problems, [], 'only 200 or 5xx, each within the bound');
    assert.ok(restartedAt, `DynamoDB Local came back (${JSON.stringify(now)})`);
    assert.equal(now.dynamodb.restarts, 1);
    assert.notEqual(now.dynamodb.pid, first.dynamodb.pid, 'a new JVM');
    assert.equal(now.dynamodb.endpoint, first.dynamodb.endpoint, 'on the same port');
    assert.ok(ackedAfterRestart >= 5, `requests succeed after the restart (${ackedAfterRestart})`);
    assert.equal((c.output().match(/authtrail: DynamoDB Local exited \(code [^)]*\); restarting/g) ?? []).length, 1, c.output().slice(-2000));

    t.diagnostic(`${ackedBeforeKill.size} events acknowledged before the kill, ${retries} answers 5xx, back after ${restartedAt - killedAt} ms`);
    // Resends of every body that got a 5xx succeed now.
    for (const uids of toResend) {
      let r = await post(uids);
      for (let i = 0; r.kind === 'retry' && i < 10; i++) { await sleep(500); r = await post(uids); }
      assert.equal(r.kind, 'ok', JSON.stringify(r));
      for (const u of uids) acked.add(u);
    }

    const stored = await storedUids();
    const counts = new Map<string, number>();
    for (const u of stored) counts.set(u, (counts.get(u) ?? 0) + 1);
    assert.deepEqual([...counts].filter(([, n]) => n !== 1), [], 'no event stored twice');
    const missing = [...acked].filter((u) => !counts.has(u));
    assert.deepEqual(missing, [], 'every acknowledged event is in the hot table');
    assert.deepEqual([...ackedBeforeKill].filter((u) => !counts.has(u)), [], 'what was written before the kill survived it (SQLite in -dbPath)');
    assert.deepEqual(stored.filter((u) => !acked.has(u)), [], 'nothing stored that was not sent and, in the end, acknowledged');
    // The stream survived too: after a flush the archive holds each acknowledged event once.
    const f = await c.cli(['flush']);
    assert.equal(f.code, 0, f.stderr);
    const q = await c.cli(['query', `select count(*) as n, count(distinct event_uid) as d from events where source_id = '${SOURCE}'`, '--json']);
    assert.equal(q.code, 0, q.stderr);
    assert.deepEqual(JSON.parse(q.stdout.trim()), { n: acked.size, d: acked.size });
    // Not vacuous: the kill was felt, or the SDK's retries hid it entirely; either way the numbers add up.
    assert.ok(acked.size > ackedBeforeKill.size, `${acked.size} acknowledged in all, ${retries} answers were 5xx`);
  });
});

describe('DynamoDB Local whose port is taken before it binds', () => {
  it('starts on another port (the race between choosing a free port and the JVM binding it)', async () => {
    // Another process holds the port chosen for it, as happens when a stand-in started at the same time takes it first.
    const squatter = createServer();
    const taken = await new Promise<number>((r) => squatter.listen(0, '127.0.0.1', () => r((squatter.address() as { port: number }).port)));
    const lines: string[] = [];
    const ddb = await startDynamoDbLocal(mkdtempSync(join(tmpdir(), 'authtrail-ddb-port-')), { port: taken, log: (l) => lines.push(l) });
    try {
      assert.notEqual(ddb.endpoint, `http://127.0.0.1:${taken}`);
      const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      const { ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
      assert.ok(Array.isArray((await client.send(new ListTablesCommand({}))).TableNames));
      client.destroy();
      assert.equal(ddb.up, true);
    } finally {
      await ddb.stop();
      squatter.close();
    }
  });
});
