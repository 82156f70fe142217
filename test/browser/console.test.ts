/**
 * The web console in a real browser (headless Chromium) through the local runtime, as an analyst
 * uses it: a push-bombing sequence is ingested; the console opens signed in by the link
 * `authtrail console` prints; the overview shows the tenant's numbers and the alert; the alert
 * shows its evidence events; its link leads to the user's timeline, which holds his Okta and Duo
 * events and nothing of the other tenant; a search by IP finds the attacker's pushes. Keyboard
 * only for the main path; no request leaves the collector's origin; no console error. Screenshots
 * go to a temporary directory, or to docs/console/ with AUTHTRAIL_UPDATE_SCREENSHOTS=1 (the
 * README shows those).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';
import { CONSOLE_CONFIG, postConsoleSeed } from '../helpers/console-seed.ts';

const SHOTS = process.env.AUTHTRAIL_UPDATE_SCREENSHOTS === '1'
  ? fileURLToPath(new URL('../../docs/console/', import.meta.url))
  : mkdtempSync(join(tmpdir(), 'authtrail-console-shots-'));

describe('the web console in headless Chromium, through the local runtime', () => {
  let c: TestCollector;
  let browser: Browser;
  let page: Page;
  let url: string;
  const problems: string[] = [];
  const foreign: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [c, browser] = await Promise.all([startCollector(CONSOLE_CONFIG), launchChromium()]);
    await postConsoleSeed(c.base, async () => { const r = await c.cli(['flush']); assert.equal(r.code, 0, r.stderr); });
    const printed = await c.cli(['console']);
    assert.equal(printed.code, 0, printed.stderr);
    url = printed.stdout.trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/console\/#token=[A-Za-z0-9_-]+$/);
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith(c.base)) foreign.push(r.url()); });
  });
  after(async () => { await browser?.close(); await c?.stop(); });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const text = (selector: string) => page.locator(selector).innerText();

  it('opens signed in, drops the token from the address, and shows the tenant\'s last 24 hours', async () => {
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Acme Health: the last 24 hours' }).waitFor();
    assert.ok(!page.url().includes('token='), `the token left the address bar: ${page.url()}`);
    await page.locator('dl.cards').waitFor();
    const cards = await text('dl.cards');
    assert.match(cards, /Denied prompts\s+5/);
    assert.match(cards, /Open alerts\s+1/);
    // The alert, and both of the tenant's sources with their last events.
    const alerts = page.getByRole('table', { name: /1 open alert/ });
    await alerts.waitFor();
    assert.match(await alerts.innerText(), /mfa_fatigue\s+high\s+bob@example\.com\s+5/);
    const sources = await page.getByRole('table', { name: /2 sources/ }).innerText();
    assert.match(sources, /acme-duo\s+duo/);
    assert.match(sources, /acme-okta\s+okta/);
    assert.doesNotMatch(sources, /globex/);
    // Only the tenants this sign-in may see are offered.
    assert.deepEqual(await page.locator('#tenant option').allInnerTexts(), ['Acme Health (acme)', 'Globex (globex)']);
    await shot('overview');
  });

  it('the alert, opened with the keyboard, lists its evidence events', async () => {
    const link = page.getByRole('link', { name: 'mfa_fatigue' });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'mfa_fatigue: bob@example.com' }).waitFor();
    const evidence = page.getByRole('table', { name: /5 evidence events \(marked\)/ });
    await evidence.waitFor();
    const rows = await evidence.locator('tbody tr.evidence').allInnerTexts();
    assert.equal(rows.length, 5);
    for (const r of rows) {
      assert.match(r, /denied/);
      assert.match(r, /push/);
      assert.match(r, /203\.0\.113\.9/);
      assert.match(r, /Lagos, Nigeria/);
    }
    // Focus moved to the new page's heading (screen readers announce it).
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.tagName'), 'H1');
    await shot('alert');
  });

  it('follows the alert to the user\'s timeline: Okta and Duo as one, newest first, nothing of the other tenant', async () => {
    await page.getByRole('link', { name: 'Open the timeline of bob@example.com' }).click();
    await page.getByRole('heading', { level: 1, name: 'Timeline of bob@example.com' }).waitFor();
    const table = page.getByRole('table', { name: /6 events, newest first/ });
    await table.waitFor();
    const rows = await table.locator('tbody tr').allInnerTexts();
    assert.equal(rows.length, 6);
    assert.ok(rows.slice(0, 5).every((r) => /acme-okta/.test(r) && /denied/.test(r)), rows.join('\n'));
    assert.match(rows[5]!, /acme-duo/);
    assert.match(rows[5]!, /success/);
    assert.match(rows[5]!, /Berlin, Germany/);
    assert.match(rows[5]!, /Mac OS X/);
    const times = await table.locator('tbody time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    assert.doesNotMatch(await text('main'), /carol|globex/i);
    await shot('timeline');
  });

  it('searches by IP from the search box (keyboard), and an IP in a row leads to the same page', async () => {
    await page.getByLabel('User or IP').fill('203.0.113.9');
    await page.getByLabel('User or IP').press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Events from 203.0.113.9' }).waitFor();
    const table = page.getByRole('table', { name: /5 events, newest first/ });
    await table.waitFor();
    assert.equal(await table.locator('tbody tr').count(), 5);
    assert.match(await table.innerText(), /bob@example\.com/);
  });

  it('the other tenant, picked in the tenant list, shows its own events only', async () => {
    await page.getByLabel('Tenant').selectOption('globex');
    await page.getByRole('heading', { level: 1, name: 'Globex: the last 24 hours' }).waitFor();
    await page.locator('dl.cards').waitFor();
    assert.match(await text('dl.cards'), /Events\s+1\b/);
    await page.getByRole('table', { name: /0 open alerts/ }).waitFor();
    await page.getByLabel('User or IP').fill('bob@example.com');
    await page.getByLabel('User or IP').press('Enter');
    await page.getByRole('table', { name: /0 events/ }).waitFor();
  });

  it('made no request beyond its origin and logged no error', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
  });

  it('without the token: a sign-in form, and the API answers 401', async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${c.base}/console/`);
    await fresh.getByRole('heading', { level: 1, name: 'Sign in to the local console' }).waitFor();
    await fresh.getByLabel('Local token').waitFor();
    const r = await fresh.evaluate(`fetch('/v1/console/me').then((r) => r.status)`);
    assert.equal(r, 401);
    await fresh.getByLabel('Local token').fill(c.endpoints.localToken);
    await fresh.getByLabel('Local token').press('Enter');
    await fresh.getByRole('heading', { level: 1, name: 'Acme Health: the last 24 hours' }).waitFor();
    await fresh.close();
  });
});
