/**
 * report.html in a real browser (headless Chromium): it loads with no console error, makes no
 * request but for the file itself, and each chart is a picture with ink on it (drawn onto a canvas
 * in the page and its pixels counted), on screen and in the print layout.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { seededReportHtml } from '../helpers/report-seed.ts';
import { launchChromium } from '../helpers/browser.ts';

describe('report.html in headless Chromium', () => {
  let browser: Browser;
  let file: string;
  before(async () => { [browser, file] = await Promise.all([launchChromium(), seededReportHtml()]); });
  after(async () => { await browser?.close(); });

  for (const media of ['screen', 'print'] as const) {
    it(`loads cleanly and every chart has ink (${media})`, async () => {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.emulateMedia({ media });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [pathToFileURL(file).href], 'no request but the page itself');
      assert.equal(await page.title(), 'MFA evidence report — acme, 2026-11-10 to 2026-11-14');
      // In the page (a string: the test's TypeScript has no DOM types): each chart drawn onto a canvas, its pixels counted.
      const charts = await page.evaluate(`(async () => {
        const out = [];
        for (const svg of document.querySelectorAll('svg[role="img"]')) {
          const box = svg.getBoundingClientRect();
          const img = new Image();
          img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
          await img.decode();
          const canvas = document.createElement('canvas');
          canvas.width = img.naturalWidth;
          canvas.height = img.naturalHeight;
          const ctx = canvas.getContext('2d');
          ctx.drawImage(img, 0, 0);
          const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0;
          for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200)) inked++;
          out.push({ label: svg.getAttribute('aria-label'), width: box.width, height: box.height, inked });
        }
        return out;
      })()`) as { label: string | null; width: number; height: number; inked: number }[];
      assert.equal(charts.length, 3);
      for (const c of charts) {
        assert.ok(c.width > 100 && c.height > 50, `${c.label}: laid out (${c.width}×${c.height})`);
        assert.ok(c.inked > 500, `${c.label}: ${c.inked} inked pixels`);
      }
      await page.close();
    });
  }

  it('prints to PDF', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    const pdf = await page.pdf({ format: 'A4' });
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    // One page per section at least (print CSS breaks before each heading).
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    assert.ok(pages >= 10, `${pages} pages`);
    await page.close();
  });
});
