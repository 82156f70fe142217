/**
 * Headless Chromium (Debian's package) driven by playwright-core, started the way this machine
 * needs it: no sandbox as root, and no background networking (nothing may leave loopback).
 */
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error a plain .mjs script without types
import { ensureChromium } from '../../scripts/ensure-chromium.mjs';

export async function launchChromium(): Promise<Browser> {
  const executablePath = (ensureChromium as () => string)();
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-features=Translate,MediaRouter,OptimizationHints', '--metrics-recording-only'],
  });
}
