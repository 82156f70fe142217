/**
 * DESIGN target (investigations): the web console's first render under 1 s locally with 10,000 hot
 * events. Measured in one run, side by side, in headless Chromium against `authtrail dev`:
 *
 * 1. the tenant's overview: navigation to first paint, to the summary's numbers (`authtrail:summary`,
 *    which reads every event of the last 24 hours), and to the alerts list;
 * 2. the same summary read by the API alone (fetch from Node, no browser), so the page's own
 *    share is visible;
 * 3. a busy user's timeline (first page of 100 events) and an IP search (the last 7 days).
 *
 * The tenant holds 10,000 events of the last 24 hours from 2,000 users (`traffic` below, plus the
 * console seed's push-bombing attack), ingested through the webhook route.
 *
 *   node --import tsx bench/console.ts [events=10000] [runs=5]
 */
import { performance } from 'node:perf_hooks';
import { launchChromium } from '../test/helpers/browser.ts';
import { startCollector } from '../test/helpers/collector.ts';
import { CONSOLE_CONFIG, postConsoleSeed, SECRETS } from '../test/helpers/console-seed.ts';
import { fixture } from '../test/helpers/fixtures.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.DDB_LOCAL_TELEMETRY = '0';
const EVENTS = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 5);
const TARGET_MS = 1000;
const USERS = 2_000;
const BATCH = 250;

const okta = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events;
/**
 * A day of ordinary traffic: each user signs in from their own address; most events are sign-ins
 * with MFA (85 %), push prompts sent (8 %) and the odd denied push (5 %); MFA bypass attempts and
 * lockouts, which alert on every occurrence, are rare (1 % each).
 */
const MIX: [index: number, upTo: number][] = [[0, 0.85], [2, 0.93], [1, 0.98], [4, 0.99], [5, 1]];
function traffic(n: number, now: number): Record<string, unknown> {
  const r = ((n * 2_654_435_761) % 2 ** 32) / 2 ** 32;
  const e = okta[MIX.find(([, upTo]) => r < upTo)![0]]!;
  const u = n % USERS;
  const text = JSON.stringify(e).replace(/[A-Za-z0-9._%+-]+@example\.com/g, `user${u}@example.com`);
  const event = JSON.parse(text) as Record<string, unknown> & { client: Record<string, unknown> };
  event.client = { ...event.client, ipAddress: `198.51.100.${u % 250}`, geographicalContext: (okta[0]!['client'] as Record<string, unknown>)['geographicalContext'] };
  return { ...event, uuid: `bench-console-${n}`, published: new Date(now - 60_000 - ((n * 8_521) % (23 * 3_600_000))).toISOString() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;

async function main() {
  const c = await startCollector(CONSOLE_CONFIG);
  const browser = await launchChromium();
  try {
    const now = Date.now();
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j) => traffic(i + j, now));
      const r = await fetch(`${c.base}/v1/ingest/acme-okta`, { method: 'POST', headers: { authorization: SECRETS.acmeOkta, 'content-type': 'application/json' }, body: JSON.stringify({ data: { events } }) });
      if (r.status !== 200) throw new Error(`ingest: ${r.status} ${await r.text()}`);
    }
    await postConsoleSeed(c.base, async () => { const r = await c.cli(['flush']); if (r.code) throw new Error(r.stderr); }, now);
    const ingestS = (performance.now() - t0) / 1000;
    const url = (await c.cli(['console'])).stdout.trim();
    const headers = c.localHeaders();

    // The summary by the API alone (after the stream consumers have caught up: a second flush is empty).
    await c.cli(['flush']);
    const api: number[] = [];
    let summaryEvents = 0;
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      const r = await fetch(`${c.base}/v1/console/tenants/acme/summary?window=24h`, { headers });
      summaryEvents = ((await r.json()) as { events: number }).events;
      api.push(performance.now() - s);
    }

    const alertCount = ((await (await fetch(`${c.base}/v1/console/tenants/acme/alerts?status=all`, { headers })).json()) as { alerts: unknown[] }).alerts.length;
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(url);
    await page.locator('dl.cards').waitFor();
    const measure = async (hash: string, mark: string) => {
      // A fresh document each time (a change of fragment alone would not load the page again).
      await page.goto('about:blank');
      await page.goto(`${c.base}/console/${hash}`);
      await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { timeout: 60_000 });
      return await page.evaluate(`({
        paint: (performance.getEntriesByName('first-contentful-paint')[0] || { startTime: NaN }).startTime,
        mark: performance.getEntriesByName('${mark}')[0].startTime,
        alerts: (performance.getEntriesByName('authtrail:alerts')[0] || { startTime: NaN }).startTime,
      })`) as { paint: number; mark: number; alerts: number };
    };
    const overview: { paint: number; mark: number; alerts: number }[] = [];
    const timeline: number[] = [];
    const ip: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      overview.push(await measure('#/t/acme', 'authtrail:summary'));
      timeline.push((await measure(`#/t/acme/user/${encodeURIComponent('user7@example.com')}`, 'authtrail:timeline')).mark);
      ip.push((await measure(`#/t/acme/ip/${encodeURIComponent('203.0.113.9')}`, 'authtrail:timeline')).mark);
    }
    const summaryPage = median(overview.map((o) => o.mark));
    console.log(`console: ${EVENTS.toLocaleString('en-US')} hot events of ${USERS.toLocaleString('en-US')} users (ingested in ${ingestS.toFixed(1)} s), medians of ${RUNS} runs`);
    console.log(`  overview: first paint            ${fmt(median(overview.map((o) => o.paint)))}`);
    console.log(`  overview: summary rendered       ${fmt(summaryPage)}   target < ${TARGET_MS} ms: ${summaryPage < TARGET_MS ? 'met' : 'MISSED'} (ratio ${(summaryPage / TARGET_MS).toFixed(2)})`);
    console.log(`  overview: alerts rendered        ${fmt(median(overview.map((o) => o.alerts)))}`);
    console.log(`  summary by the API alone         ${fmt(median(api))}   (${summaryEvents.toLocaleString('en-US')} events read; the page adds ${fmt(summaryPage - median(api)).trim()})`);
    console.log(`  alerts of the tenant (7 days)    ${String(alertCount).padStart(6)}`);
    console.log(`  user timeline, first 100 events  ${fmt(median(timeline))}`);
    console.log(`  IP search, last 7 days           ${fmt(median(ip))}`);
  } finally {
    await browser.close();
    await c.stop();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
