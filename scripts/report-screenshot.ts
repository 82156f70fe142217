/**
 * `npm run report-screenshot`: the README's picture of report.html — the browser test's seeded
 * report, rendered by headless Chromium, its first screen saved to docs/report.png.
 */
import { launchChromium } from '../test/helpers/browser.ts';
import { seededReportHtml } from '../test/helpers/report-seed.ts';
import { pathToFileURL } from 'node:url';

const file = await seededReportHtml();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  await page.goto(pathToFileURL(file).href);
  await page.screenshot({ path: new URL('../docs/report.png', import.meta.url).pathname });
  console.log('docs/report.png');
} finally {
  await browser.close();
}
