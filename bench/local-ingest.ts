/**
 * DESIGN target: sustained ingest of ≥ 2,000 events/s through `npm start` on 2 cores with zero
 * loss. Starts the real local collector, posts Okta Event Hook batches from 4 concurrent
 * senders for a fixed count, then checks that every event is in the hot table and, after a
 * flush, in the archive exactly once. Prints events/s and both counts.
 *   node --import tsx bench/local-ingest.ts [events=20000] [batch=200]
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { fixture } from '../test/helpers/fixtures.ts';
import { startCollector } from '../test/helpers/collector.ts';

const TOTAL = Number(process.argv[2] ?? 20_000);
const BATCH = Number(process.argv[3] ?? 200);
const SENDERS = 4;
const SECRET = 'bench-okta-secret';
const pool = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events;

const c = await startCollector({
  tenants: [{ id: 'bench', name: 'Bench' }],
  sources: [{ id: 'bench-okta', tenant: 'bench', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } }],
});
try {
  const bodies: string[] = [];
  for (let b = 0; b * BATCH < TOTAL; b++) {
    const events = Array.from({ length: Math.min(BATCH, TOTAL - b * BATCH) }, (_, i) => ({
      ...pool[(b + i) % pool.length]!, uuid: `bench-${b}-${i}`, published: new Date(Date.UTC(2026, 10, 20, 10) + b * 1000 + i).toISOString(),
    }));
    bodies.push(JSON.stringify({ eventType: 'com.okta.event_hook', data: { events } }));
  }
  let next = 0;
  let accepted = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: SENDERS }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const r = await fetch(`${c.base}/v1/ingest/bench-okta`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body });
      if (r.status !== 200) { failed++; continue; }
      accepted += ((await r.json()) as { accepted: number }).accepted;
    }
  }));
  const seconds = (performance.now() - start) / 1000;
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
  const q = await c.cli(['query', 'SELECT count(*) n, count(DISTINCT event_uid) d FROM events', '--json']);
  const archived = JSON.parse(q.stdout.trim()) as { n: number; d: number };
  console.log(`local ingest: ${TOTAL} events in ${bodies.length} bodies of ${BATCH} from ${SENDERS} senders: ${seconds.toFixed(1)} s = ${Math.round(TOTAL / seconds).toLocaleString('en')} events/s (target ≥ 2,000); HTTP failures ${failed}`);
  console.log(`zero loss: accepted ${accepted}, hot table ${inTable}, archive ${archived.n} rows / ${archived.d} distinct (flush ${flushSeconds.toFixed(1)} s: ${f.stdout.trim()})`);
  if (accepted !== TOTAL || inTable !== TOTAL || archived.n !== TOTAL || archived.d !== TOTAL) process.exitCode = 1;
} finally {
  await c.stop();
}
