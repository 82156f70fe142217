import { performance } from 'node:perf_hooks';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ev } from '../test/helpers/events.ts';
import { fixture } from '../test/helpers/fixtures.ts';
import { LOCAL_CREDENTIALS, REGION, startDynamoDbLocal } from '../local/standins.ts';
import { ensureTable } from '../local/resources.ts';
import { dynamoHotStore } from '../lambdas/adapters/hot-store.ts';
const okta = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events;
const dir = mkdtempSync(join(tmpdir(), 'c-'));
const ddb = await startDynamoDbLocal(join(dir, 'db'));
const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
await ensureTable(client, 'ceiling');
let store = dynamoHotStore({ client: DynamoDBDocumentClient.from(client), table: 'ceiling', hotDays: 90 });
let k = 0;
async function run(name: string, seconds: number, mk: (k: number, i: number) => any, writers = 4, size = 200) {
  let written = 0; const start = performance.now(); const lat: number[] = [];
  await Promise.all(Array.from({ length: writers }, async () => { while (performance.now() - start < seconds * 1000) { const kk = k++; const t0 = performance.now(); const r = await store.putNew(Array.from({ length: size }, (_, i) => mk(kk, i))); written += r.accepted; lat.push(performance.now()-t0);} }));
  console.log(name, (written / ((performance.now() - start) / 1000)).toFixed(0), '/s', 'bodies', lat.length, 'avg ms', (lat.reduce((a,b)=>a+b,0)/lat.length).toFixed(0));
}
const A = (kk: number, i: number) => ev({ event_uid: `c-${kk}-${i}`, event_time: new Date(Date.UTC(2026, 10, 20) + (kk * 200 + i) * 997).toISOString(), user_login: `u${(kk * 7 + i) % 300}@example.com`, raw: JSON.stringify(okta[i % okta.length]) });
await run('warm', 10, A);
const R = (kk: number, i: number) => ev({ event_uid: `r-${Math.random().toString(36).slice(2)}`, event_time: new Date(Date.UTC(2026, 10, 20) + Math.floor(Math.random() * 86400000)).toISOString(), user_login: `u${Math.floor(Math.random() * 300)}@example.com`, raw: JSON.stringify(okta[i % okta.length]) });
for (const [name, w, mk] of [['seq 1w', 1, A], ['seq 4w', 4, A], ['seq 8w', 8, A], ['seq 1w', 1, A]] as const) { await run(name, 10, mk, w); }
await ddb.stop();
