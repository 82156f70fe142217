/**
 * The real local collector as its own process group, so a test can cut its power: `crash()` is
 * kill -9 of the collector and everything it started (DynamoDB Local included), as a power cut
 * would; a new start on the same AUTHTRAIL_HOME then recovers from disk.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoints } from '../../local/dev.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'authtrail.mjs');

export interface CrashableCollector {
  readonly base: string;
  readonly endpoints: Endpoints;
  readonly exited: Promise<void>;
  output(): string;
  crash(): Promise<void>;
  stop(): Promise<void>;
}

export function collectorEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env, AUTHTRAIL_HOME: home, AUTHTRAIL_CONFIG: join(home, 'config.json'), PORT: '0',
    AWS_EC2_METADATA_DISABLED: 'true', DDB_LOCAL_TELEMETRY: '0', ...extra,
  };
}

export async function startCrashable(home: string, config: unknown, extra: Record<string, string> = {}): Promise<CrashableCollector> {
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'dev'], { cwd: ROOT, env: collectorEnv(home, extra), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const killGroup = (sig: NodeJS.Signals) => { try { process.kill(-child.pid!, sig); } catch { /* gone */ } };
  const base = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => { killGroup('SIGKILL'); reject(new Error(`no ready line within 90 s:\n${out}`)); }, 90_000);
    child.stdout!.on('data', () => { const m = /authtrail ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out); if (m) { clearTimeout(t); resolve(m[1]!); } });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`authtrail dev exited ${code}:\n${out}`)); });
  });
  const endpoints = JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')) as Endpoints;
  return {
    base, endpoints, exited,
    output: () => out,
    async crash() {
      killGroup('SIGKILL');
      await exited;
      // The group's other members (the DynamoDB Local JVM) die with it; give the OS a moment to release files and ports.
      await new Promise((r) => setTimeout(r, 300));
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Runs the CLI against the collector in `home`. */
export function cli(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: collectorEnv(home), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
}
