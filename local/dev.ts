/**
 * `authtrail dev`: the collector on this machine. Starts the stand-ins, creates the resources,
 * points the Lambda handlers at them and serves the API. All state lives in AUTHTRAIL_HOME.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { DynamoDBRecord } from 'aws-lambda';
import { createServer as createNetServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../lambdas/core/config.ts';
import { deploymentNameOf, stackNames } from '../lambdas/core/operations-config.ts';
import { createApiServer } from './api-server.ts';
import { buildConsoleAssets } from '../console/build.ts';
import { ensureBucket, ensureStateTable, ensureTable, tableExists } from './resources.ts';
import { startStreamPoller } from './stream-poller.ts';
import { fileDetectState } from './detect-state-file.ts';
import { replayQuarantine } from './replay.ts';
import { installFailpoints } from './failpoints.ts';
import { ensureLocalKeys } from './privacy-keys.ts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { checkJava, LOCAL_CREDENTIALS, REGION, StandInError, startDynamoDbLocal, startS3, startSns, type Running } from './standins.ts';

/** `legacyTable`: the hot table of the previous layout, in an `AUTHTRAIL_HOME` written before the upgrade. */
export const LOCAL_NAMES = { table: 'authtrail-hot', legacyTable: 'authtrail-events', stateTable: 'authtrail-state', bucket: 'authtrail-archive', topic: 'authtrail-alerts' } as const;

export interface Endpoints {
  api: string; dynamodb: string; s3: string; sns: string; region: string;
  bucket: string; table: string; stateTable: string; topicArn: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Required on local-only routes (`/_local/*`, `/v1/eventbridge`) as `x-authtrail-local-token`. */
  localToken: string;
}

export const homeDir = (env: NodeJS.ProcessEnv = process.env) => resolve(env.AUTHTRAIL_HOME ?? '.authtrail');
export const endpointsFile = (home: string) => join(home, 'endpoints.json');
export const outputsFile = (home: string) => join(home, 'cdk-outputs.json');

/**
 * The local resources in the shape `cdk deploy --outputs-file` writes for the deployed stacks
 * (`{"<stack>": {"<OutputKey>": "<value>"}}`, keys as in cli/outputs.ts), so that the AWS mode of
 * the operator commands runs against the stand-ins: `--outputs $AUTHTRAIL_HOME/cdk-outputs.json`
 * with AWS_ENDPOINT_URL_<SERVICE> set to the endpoints of endpoints.json. The stand-ins have no
 * Lambda functions and no queues, so their outputs are absent here.
 */
export function localOutputs(e: Pick<Endpoints, 'api' | 'bucket' | 'table' | 'stateTable' | 'topicArn'>, deploymentName?: string) {
  // Under the stack names the config's deployment would have (`operations.deploymentName`).
  const stacks = stackNames(deploymentName);
  return {
    [stacks.stateful]: { ArchiveBucketName: e.bucket, HotTableName: e.table, StateTableName: e.stateTable },
    [stacks.stateless]: { ApiUrl: e.api, AlertTopicArn: e.topicArn },
  };
}

/** A port that cannot be listened on, as one line for the user (not a stack trace). */
function portError(port: number, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new StandInError(`port ${port} is already in use; set PORT to another port`);
  if (code === 'EACCES') return new StandInError(`port ${port} needs privileges this user does not have; set PORT to a port above 1023`);
  return err;
}

/** Fails fast, before the stand-ins start, when the API port is taken. */
async function ensurePortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (err) => reject(portError(port, err)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

export interface LocalCollector {
  readonly endpoints: Endpoints;
  stop(): Promise<void>;
}

/** The local console's address, signed in with the local token. */
export const consoleUrl = (e: Pick<Endpoints, 'api' | 'localToken'>) => `${e.api}/console/#token=${e.localToken}`;

export async function startLocal(o: { config: Config; home: string; port: number; log?: (line: string) => void }): Promise<LocalCollector> {
  const log = o.log ?? ((l: string) => console.log(l));
  // Pull credentials read and checked as the first poll would, but now rather than 60 s later:
  // refuse to start, one line per bad source.
  const { ConfigError } = await import('../lambdas/core/config.ts');
  const { resolvePullSettings } = await import('../lambdas/adapters/pull-settings.ts');
  const { resolveSecret } = await import('../lambdas/adapters/secrets.ts');
  const { pullerFor } = await import('../lambdas/sources/pullers.ts');
  const badPull = (await Promise.all(o.config.sources.filter((x) => x.pull && x.pull['baseUrl'] && pullerFor(x.kind)).map((src) =>
    resolvePullSettings(src, pullerFor(src.kind)!, resolveSecret).then(() => null, (err: unknown) =>
      `${(err as Error).message.startsWith(`source ${src.id}`) ? '' : `source ${src.id}: `}${(err as Error).message.replace(/:?\n/g, '; ')}`)))).filter((x) => x !== null);
  if (badPull.length) throw new ConfigError(`pull settings are invalid; fix them in the config (or the secrets they name) and start again:\n${badPull.join('\n')}`);
  checkJava();
  await ensurePortFree(o.port);
  mkdirSync(o.home, { recursive: true });
  const running: Running[] = [];
  let server: Server | undefined;
  let poller: ReturnType<typeof startStreamPoller> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const closers: (() => void)[] = [];
  const stop = async () => {
    for (const t of timers) clearInterval(t);
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server?.closeAllConnections();
    // Stream consumers stop before the stand-ins they read from and write to.
    await poller?.stop();
    for (const close of closers) close();
    await Promise.allSettled(running.map((s) => s.stop()));
    rmSync(endpointsFile(o.home), { force: true });
    rmSync(outputsFile(o.home), { force: true });
  };
  try {
    // allSettled, so that a stand-in that fails does not leave the others running unnoticed.
    const started = await Promise.allSettled([
      startDynamoDbLocal(join(o.home, 'dynamodb')).then((r) => (running.push(r), r)),
      startS3(join(o.home, 's3')).then((r) => (running.push(r), r)),
      startSns(LOCAL_NAMES.topic).then((r) => (running.push(r), r)),
    ]);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [ddb, s3, sns] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startDynamoDbLocal>>, Running, Awaited<ReturnType<typeof startSns>>];
    const ddbClient = new DynamoDBClient({ endpoint: ddb.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    const s3Client = new S3Client({ endpoint: s3.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    await Promise.all([ensureTable(ddbClient, LOCAL_NAMES.table), ensureStateTable(ddbClient, LOCAL_NAMES.stateTable), ensureBucket(s3Client, LOCAL_NAMES.bucket)]);
    const legacy = await tableExists(ddbClient, LOCAL_NAMES.legacyTable);
    s3Client.destroy();

    // The handlers read their settings from the environment, exactly as in Lambda.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AUTHTRAIL_RUNTIME_CONFIG: JSON.stringify(o.config),
      AUTHTRAIL_TABLE: LOCAL_NAMES.table,
      AUTHTRAIL_LEGACY_TABLE: legacy ? LOCAL_NAMES.legacyTable : '',
      AUTHTRAIL_STATE_TABLE: LOCAL_NAMES.stateTable,
      AUTHTRAIL_PRIVACY_KEYS: JSON.stringify(ensureLocalKeys(o.home, o.config)),
      AUTHTRAIL_BUCKET: LOCAL_NAMES.bucket,
      AUTHTRAIL_TOPIC_ARN: sns.topicArn,
      AUTHTRAIL_DYNAMODB_ENDPOINT: ddb.endpoint,
      AUTHTRAIL_S3_ENDPOINT: s3.endpoint,
      AUTHTRAIL_SNS_ENDPOINT: sns.endpoint,
      ...Object.fromEntries(['DYNAMODB', 'S3', 'SNS'].flatMap((s) => [[`AUTHTRAIL_${s}_ACCESS_KEY`, LOCAL_CREDENTIALS.accessKeyId], [`AUTHTRAIL_${s}_SECRET_KEY`, LOCAL_CREDENTIALS.secretAccessKey]])),
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    });
    installFailpoints((await import('../lambdas/adapters/s3-client.ts')).s3Client());
    const http = await import('../lambdas/handlers/http-ingest.ts');
    const eb = await import('../lambdas/handlers/eventbridge-ingest.ts');
    const archiver = await import('../lambdas/handlers/archiver.ts');
    process.env.AUTHTRAIL_ALERTS_FILE = join(o.home, 'alerts.ndjson');
    const detector = await import('../lambdas/handlers/detector.ts');
    const pullHandler = await import('../lambdas/handlers/poller.ts');
    const feedHealth = await import('../lambdas/handlers/feed-health.ts');
    const backfillHandler = await import('../lambdas/handlers/backfill.ts');
    const investigate = await import('../lambdas/handlers/investigate.ts');
    const consoleHandler = await import('../lambdas/handlers/console.ts');
    // SIEM forwarding, when some tenant forwards: as deployed, only those tenants' new events.
    const fwd = o.config.tenants.some((t) => t.forward?.length) ? await import('../lambdas/handlers/forwarder.ts') : undefined;

    // Detector state in-process (see local/detect-state-file.ts for why), durable under AUTHTRAIL_HOME.
    const detectState = fileDetectState(join(o.home, 'detector-state.ndjson'));
    closers.push(() => detectState.close());
    poller = startStreamPoller({
      endpoint: ddb.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, table: LOCAL_NAMES.table,
      state: { client: DynamoDBDocumentClient.from(ddbClient), table: LOCAL_NAMES.stateTable },
      // The deployed event-source filter passes INSERT records only.
      consumers: [
        { name: 'archiver', handle: archiver.archiveRecords, accept: (r) => r.eventName === 'INSERT' },
        { name: 'detector', handle: detector.detectRecordsWith({ state: detectState }), accept: (r) => r.eventName === 'INSERT' },
        ...(fwd ? [{ name: 'forwarder', handle: fwd.forwardRecords, accept: (r: DynamoDBRecord) => r.eventName === 'INSERT' && fwd.forwards(String(r.dynamodb?.Keys?.['pk']?.S).split('#')[0]!) }] : []),
      ],
      batchSize: Number(process.env.AUTHTRAIL_LOCAL_BATCH_SIZE ?? 10_000),
      // As deployed: the detector gets batches of up to 500 within 5 s (it hears of an attack within
      // seconds); the archiver wants big files (10 s here, 5 min in AWS, so local archives show up soon).
      windowMsFor: { detector: 5_000, forwarder: 5_000 },
      batchSizeFor: { detector: 500, forwarder: 1_000 },
      windowMs: Number(process.env.AUTHTRAIL_LOCAL_BATCH_WINDOW_MS ?? 10_000),
      onError: (err) => console.error(`authtrail: stream consumer: ${(err as Error).message}`),
    });
    const activePoller = poller;

    // Pull sources poll on their interval, as EventBridge Scheduler would; one run at a time each.
    const polling = new Set<string>();
    const pollOnce = async (sourceId: string) => {
      if (polling.has(sourceId)) return { skipped: 'a poll of this source is already running' };
      polling.add(sourceId);
      try { return await pullHandler.pollSource(sourceId); } finally { polling.delete(sourceId); }
    };
    for (const src of o.config.sources.filter((x) => x.pull && x.pull['baseUrl'])) {
      const every = Math.max(30, Number(src.pull!['intervalSeconds'] ?? 60)) * 1000;
      timers.push(setInterval(() => { pollOnce(src.id).catch((err) => console.error(`authtrail: poll ${src.id}: ${(err as Error).message}`)); }, every));
    }

    // Feed silence is checked every minute (every five in AWS).
    timers.push(setInterval(() => { feedHealth.runFeedCheck().catch((err) => console.error(`authtrail: feed check: ${(err as Error).message}`)); }, 60_000));

    // A new token at every start: local-only routes answer 401 without it (CONTRACT §7).
    const localToken = randomBytes(24).toString('base64url');
    server = createApiServer({
      localToken,
      httpHandler: http.handler,
      eventBridge: eb.ingestEnvelopes,
      // `delivered`: the records this flush wrote to the archive (CONTRACT §7: flush archives what is pending).
      flush: async () => ({ delivered: (await activePoller.flush())['archiver'] ?? 0 }),
      poll: pollOnce,
      backfill: (request) => backfillHandler.runBackfill(request as Parameters<typeof backfillHandler.runBackfill>[0]),
      feeds: (now?: number) => feedHealth.runFeedCheck(now),
      // The investigation API (`/v1/tenants/*`), behind the local token.
      investigate: investigate.handler,
      // The web console (`/console/`), signing in with the local token.
      console: async (event) => consoleHandler.serve(event, buildConsoleAssets(), { auth: 'local' }),
      // Local-only (token): the stand-ins' state, for operators and the fault-injection tests.
      status: async () => ({
        dynamodb: { endpoint: ddb.endpoint, up: ddb.up, pid: ddb.process.pid ?? null, restarts: ddb.restarts },
        s3: { endpoint: s3.endpoint }, sns: { endpoint: sns.endpoint },
      }),
      replay: async (id?: string) => {
        const { s3Client: client } = await import('../lambdas/adapters/s3-client.ts');
        return replayQuarantine({ s3: client(), bucket: LOCAL_NAMES.bucket, config: o.config, ingest: http.ingestPipeline, id });
      },
      onError: (err) => console.error(`authtrail: request failed: ${(err as Error).message}`),
    });
    // Taken since the check at the start (another process was quicker): the same one line.
    await new Promise<void>((res, rej) => { server!.once('error', (err) => rej(portError(o.port, err))); server!.listen(o.port, '127.0.0.1', () => res()); });
    const port = (server.address() as { port: number }).port;
    const endpoints: Endpoints = {
      api: `http://127.0.0.1:${port}`, dynamodb: ddb.endpoint, s3: s3.endpoint, sns: sns.endpoint, region: REGION,
      bucket: LOCAL_NAMES.bucket, table: LOCAL_NAMES.table, stateTable: LOCAL_NAMES.stateTable, topicArn: sns.topicArn, credentials: { ...LOCAL_CREDENTIALS }, localToken,
    };
    const file = endpointsFile(o.home);
    writeFileSync(`${file}.tmp`, JSON.stringify(endpoints, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    const outputs = outputsFile(o.home);
    writeFileSync(`${outputs}.tmp`, `${JSON.stringify(localOutputs(endpoints, deploymentNameOf(o.config)), null, 2)}\n`);
    renameSync(`${outputs}.tmp`, outputs);
    log(`authtrail ready on ${endpoints.api}`);
    // The link signs this browser tab in (the token travels in the fragment, which no request carries).
    log(`console: ${consoleUrl(endpoints)}`);
    return { endpoints, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
