/**
 * DESIGN target: local end-to-end ingest at ≥ 80 % of the local DynamoDB stand-in's own write rate
 * on the same table shape, with zero loss. Measured side by side in one run:
 *
 * 1. the ceiling — DynamoDB Local alone (its own JVM, warmed up; a table of the hot table's keys,
 *    indexes and stream), written through authtrail's own hot-store write path, same concurrency;
 *    measured before and after the collector, and averaged;
 * 2. the collector — `authtrail dev` loaded for a fixed time by concurrent senders posting mixed
 *    vendor bodies (Okta hooks, Auth0 log streams, OneLogin and PingOne webhooks) of 1–500 events;
 *    latency per request (p50/p99), sustained events/s, then the zero-loss proof after a flush:
 *    accepted = hot-table items = archive rows = distinct archive events.
 *
 *   node --import tsx bench/local-ingest.ts [seconds=60] [senders=4]
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { fixture } from '../test/helpers/fixtures.ts';
import { startCollector } from '../test/helpers/collector.ts';
import { ev } from '../test/helpers/events.ts';
import { LOCAL_CREDENTIALS, REGION, startDynamoDbLocal } from '../local/standins.ts';
import { ensureTable } from '../local/resources.ts';
import { dynamoHotStore } from '../lambdas/adapters/hot-store.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.DDB_LOCAL_TELEMETRY = '0';
const SECONDS = Number(process.argv[2] ?? 60);
const SENDERS = Number(process.argv[3] ?? 4);
const CEILING_SECONDS = Math.min(30, SECONDS);
const WARMUP_SECONDS = 10;
const PREPARED_BODIES = 240;
const SECRET = 'bench-secret';

// A seeded generator: the same mix of body sizes and vendors in every run.
let seed = 20261128;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

type Vendor = { source: string; kind: string; body: (n: number, tag: string) => string };
const okta = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events;
const auth0 = fixture<Record<string, unknown>[]>('auth0/log-stream.json');
const onelogin = fixture<Record<string, unknown>[]>('onelogin/webhook-events.json');
const pingone = fixture<Record<string, unknown>[]>('pingone/webhook-activities.json');
const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
/**
 * A tenant's traffic comes from thousands of users, not the handful in the fixtures: every
 * example.com address of an event becomes one of 5,000 users (the same user throughout the event).
 * Cycling the fixtures' few users through thousands of events a minute instead would make every
 * detector state item hold its 500-piece evidence cap and be rewritten every second.
 */
const USERS = 5_000;
const spread = <T>(e: T, i: number, t: string): T => {
  const user = `user${(hashOf(`${t}-${i}`) % USERS)}@example.com`;
  return JSON.parse(JSON.stringify(e).replace(/[A-Za-z0-9._%+-]+@example\.com/g, user)) as T;
};
function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
const VENDORS: Vendor[] = [
  { source: 'b-okta', kind: 'okta', body: (n, t) => JSON.stringify({ eventType: 'com.okta.event_hook', data: { events: Array.from({ length: n }, (_, i) => ({ ...spread(pick(okta, i), i, t), uuid: `${t}-${i}` })) } }) },
  { source: 'b-auth0', kind: 'auth0', body: (n, t) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ ...spread(pick(auth0, i), i, t), log_id: `${t}-${i}` }))) },
  { source: 'b-onelogin', kind: 'onelogin', body: (n, t) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ ...spread(pick(onelogin, i), i, t), uuid: `${t}-${i}` }))) },
  { source: 'b-pingone', kind: 'pingone', body: (n, t) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ ...spread(pick(pingone, i), i, t), id: `${t}-${i}` }))) },
];

const percentile = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0; };

/**
 * 1. The ceiling: DynamoDB Local alone — its own JVM on a fresh data directory (sharing the JVM
 *    with the collector was tried: a second table with a stream slows the first one's stream reads
 *    and writes), a table of the hot table's shape, written through authtrail's hot-store path by
 *    the same number of writers, after a warm-up (a fresh JVM writes at a third of its later rate
 *    for ~10 s).
 */
async function ceiling(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'authtrail-bench-ddb-'));
  const ddb = await startDynamoDbLocal(join(dir, 'db'));
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await ensureTable(client, 'bench-ceiling');
    const store = dynamoHotStore({ client: DynamoDBDocumentClient.from(client), table: 'bench-ceiling', hotDays: 90 });
    const body = (k: number) => Array.from({ length: 200 }, (_, i) => ev({
      event_uid: `c-${k}-${i}`, event_time: new Date(Date.UTC(2026, 10, 20) + (k * 200 + i) * 997).toISOString(),
      user_login: `u${(k * 7 + i) % 300}@example.com`, raw: JSON.stringify(pick(okta, i)),
    }));
    let k = 0;
    const run = async (seconds: number) => {
      let written = 0;
      const start = performance.now();
      await Promise.all(Array.from({ length: SENDERS }, async () => {
        while (performance.now() - start < seconds * 1000) {
          const r = await store.putNew(body(k++));
          written += r.accepted; // not `written += (await …)`: that reads `written` before the await and loses concurrent updates
        }
      }));
      return written / ((performance.now() - start) / 1000);
    };
    await run(WARMUP_SECONDS);
    return await run(CEILING_SECONDS);
  } finally {
    client.destroy();
    await ddb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The ceiling is measured before and after the collector and averaged: a VM's speed drifts.
const ceilingBefore = await ceiling();
console.log(`ceiling before: DynamoDB Local alone (own JVM, warmed up ${WARMUP_SECONDS} s), hot-table shape, ${SENDERS} writers of 200-item bodies for ${CEILING_SECONDS} s: ${Math.round(ceilingBefore)} items/s`);

const measured = { rate: 0, zeroLoss: false };
const c = await startCollector({
  tenants: [{ id: 'bench', name: 'Bench' }],
  sources: VENDORS.map((v) => ({ id: v.source, tenant: 'bench', kind: v.kind, auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } })),
});
try {
  /**
   * 2. The collector under load, warmed up like the ceiling: a fresh DynamoDB Local JVM (and
   *    Node's JIT) runs far below its sustained rate for its first seconds, so senders load it for
   *    the warm-up first. Warm-up events count in the zero-loss proof, not in the rate.
   */
  const latencies: number[] = [];
  let accepted = 0;
  let sent = 0;
  let bodies = 0;
  const statuses = new Map<number, number>();
  // Bodies are made before the clock starts, so the load generator does not compete for the CPU.
  const prepare = (tag: string) => Array.from({ length: PREPARED_BODIES }, (_, b) => {
    const v = VENDORS[Math.floor(random() * VENDORS.length)]!;
    const n = 1 + Math.floor(random() * 500);
    return { v, n, text: v.body(n, `${tag}${b}`) };
  });
  const drive = async (forSeconds: number, prepared: ReturnType<typeof prepare>, measured: boolean) => {
    let next = 0;
    const t = performance.now();
    let ok = 0;
    await Promise.all(Array.from({ length: SENDERS }, async () => {
      while (performance.now() - t < forSeconds * 1000 && next < prepared.length) {
        const { v, n, text } = prepared[next++]!;
        const t0 = performance.now();
        const r = await fetch(`${c.base}/v1/ingest/${v.source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body: text });
        const j = await r.json() as { accepted?: number; quarantined?: number };
        sent += n;
        if (r.status === 200) { accepted += j.accepted ?? 0; ok += j.accepted ?? 0; }
        if (!measured) continue;
        latencies.push(performance.now() - t0);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        bodies++;
      }
    }));
    if (next >= prepared.length) console.log(`(all ${PREPARED_BODIES} prepared bodies sent before ${forSeconds} s)`);
    return { ok, seconds: (performance.now() - t) / 1000 };
  };
  await drive(WARMUP_SECONDS, prepare('w'), false);
  const run = await drive(SECONDS, prepare('b'), true);
  const seconds = run.seconds;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: c.endpoints.dynamodb, region: c.endpoints.region, credentials: c.endpoints.credentials }));
  let inTable = 0;
  let key: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: c.endpoints.table, Select: 'COUNT', ExclusiveStartKey: key }));
    inTable += page.Count ?? 0;
    key = page.LastEvaluatedKey;
  } while (key);
  ddb.destroy();
  const flushStart = performance.now();
  const f = await c.cli(['flush']);
  const flushSeconds = (performance.now() - flushStart) / 1000;
  const q = await c.cli(['query', "SELECT count(*) AS n, count(DISTINCT source_id || '#' || event_uid) AS d FROM events", '--json']);
  if (q.code !== 0 || f.code !== 0) throw new Error(`flush or query failed: ${f.stderr}${q.stderr}`);
  const archived = JSON.parse(q.stdout.trim()) as { n: number; d: number };
  const rate = run.ok / seconds;
  console.log(`collector (after a ${WARMUP_SECONDS} s warm-up): ${bodies} bodies (1–500 events, 4 vendors) from ${SENDERS} senders in ${seconds.toFixed(1)} s: ${Math.round(rate)} events/s accepted; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  console.log(`latency per body: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`);
  console.log(`zero loss: sent ${sent}, accepted ${accepted}, hot table ${inTable}, archive ${Number(archived.n)} rows / ${Number(archived.d)} distinct (flush ${flushSeconds.toFixed(1)} s: ${f.stdout.trim()})`);
  measured.rate = rate;
  measured.zeroLoss = accepted === sent && inTable === accepted && Number(archived.n) === accepted && Number(archived.d) === accepted;
} finally {
  await c.stop();
}
const ceilingAfter = await ceiling();
const ceilingRate = (ceilingBefore + ceilingAfter) / 2;
console.log(`ceiling after: ${Math.round(ceilingAfter)} items/s; mean ${Math.round(ceilingRate)} items/s`);
console.log(`ratio to the ceiling: ${(100 * measured.rate / ceilingRate).toFixed(0)} % (target ≥ 80 %)`);
if (!measured.zeroLoss) process.exitCode = 1;
