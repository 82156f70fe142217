/**
 * Starts the real local collector (`authtrail dev`, as `npm start` does) in a child process with
 * its own AUTHTRAIL_HOME and config, and gives tests its endpoints and CLI.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoints } from '../../local/dev.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'authtrail.mjs');

export interface TestCollector {
  home: string;
  base: string;
  endpoints: Endpoints;
  /** The header local-only routes (`/_local/*`, `/v1/eventbridge`) require. */
  localHeaders(): Record<string, string>;
  env: NodeJS.ProcessEnv;
  output(): string;
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<number | null>;
}

export async function startCollector(config: unknown, o: { home?: string } = {}): Promise<TestCollector> {
  const home = o.home ?? mkdtempSync(join(tmpdir(), 'authtrail-it-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  const env = { ...process.env, AUTHTRAIL_HOME: home, AUTHTRAIL_CONFIG: join(home, 'config.json'), PORT: '0', AWS_EC2_METADATA_DISABLED: 'true', DDB_LOCAL_TELEMETRY: '0' };
  const child: ChildProcess = spawn(process.execPath, [BIN, 'dev'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const base = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ready line within 90 s:\n${out}`)), 90_000);
    const check = () => { const m = /authtrail ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out); if (m) { clearTimeout(t); resolve(m[1]!); } };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`authtrail dev exited ${code}:\n${out}`)); });
  });
  const endpoints = JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')) as Endpoints;
  return {
    home, base, endpoints, env,
    localHeaders: () => ({ 'x-authtrail-local-token': endpoints.localToken }),
    output: () => out,
    cli: (args) => new Promise((resolve) => execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }))),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', (code) => { clearTimeout(kill); resolve(code); });
      child.kill('SIGTERM');
    }),
  };
}
