#!/usr/bin/env node
// The browser tests' Chromium: Debian's `chromium` package (/usr/bin/chromium), installed with apt
// when missing and this runs as root (CI); otherwise one line saying how to install it.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = process.env.AUTHTRAIL_CHROMIUM ?? '/usr/bin/chromium';

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set AUTHTRAIL_CHROMIUM`);
  const apt = (...args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status;
  console.error('authtrail tests: installing Debian\'s chromium for the browser tests');
  if (apt('install', '-y', '--no-install-recommends', 'chromium') !== 0) {
    apt('update');
    if (apt('install', '-y', '--no-install-recommends', 'chromium') !== 0) throw new Error('apt-get install chromium failed');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} does not exist`);
  return CHROMIUM;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureChromium();
