/**
 * The scheduled verifier Lambda (lambdas/handlers/verifier.ts), invoked through its middy handler
 * against the local stand-ins that the collector archived into: a clean archive reports 0
 * findings; an altered object is one `altered` finding in the metric (total and for its tenant
 * only) and in one structured log line, exactly as `authtrail verify` reports it; the daily
 * window hashes only the recent days' objects but still walks every digest.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { fixtureText } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const SECRET = 'it-verifier-secret-47';
const auth = { type: 'shared-secret', header: 'authorization', secret: SECRET };
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }, { id: 'initech', name: 'Initech' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth },
    { id: 'acme-generic', tenant: 'acme', kind: 'generic', auth },
    { id: 'globex-okta', tenant: 'globex', kind: 'okta', auth },
  ],
};

type Handler = typeof import('../../lambdas/handlers/verifier.ts');

const context = {
  functionName: 'verifier', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:verifier',
  memoryLimitInMB: '1024', awsRequestId: 'req-1', logGroupName: 'g', logStreamName: 's', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 900_000, done() {}, fail() {}, succeed() {},
} as unknown as Context;

/**
 * Runs `fn`, returning the JSON it logged (EMF metrics, log lines). With POWERTOOLS_DEV set,
 * powertools writes through the global console, which is swapped here (not process.stdout, which
 * the test runner itself reports through).
 */
async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) console[m] = (...args: unknown[]) => { for (const a of args) if (typeof a === 'string' && a.trimStart().startsWith('{')) lines.push(JSON.parse(a) as Record<string, unknown>); };
  try {
    return { value: await fn(), lines };
  } finally {
    methods.forEach((m, i) => { console[m] = saved[i]!; });
  }
}

/** The values of an EMF metric in the captured lines, keyed by its dimension values. */
function metric(lines: Record<string, unknown>[], name: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) {
    const aws = l['_aws'] as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } | undefined;
    for (const d of aws?.CloudWatchMetrics ?? []) {
      if (d.Namespace !== 'authtrail' || !d.Metrics.some((x) => x.Name === name)) continue;
      m.set(d.Dimensions[0]!.map((k) => `${k}=${String(l[k])}`).join(','), l[name] as number);
    }
  }
  return m;
}

describe('scheduled verifier Lambda against the local stand-ins', () => {
  let c: TestCollector;
  let s3: S3Client;
  let h: Handler;
  const today = new Date().toISOString().slice(0, 10);
  const post = (source: string, body: string) =>
    fetch(`${c.base}/v1/ingest/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body }).then((r) => r.json());
  const keys = async (prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: c.endpoints.bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
  const invoke = (event: unknown) => captured(() => h.handler(event, context) as Promise<Awaited<ReturnType<Handler['verifyScheduled']>>>);

  before(async () => {
    c = await startCollector(config);
    const e = c.endpoints;
    s3 = new S3Client({ endpoint: e.s3, region: e.region, credentials: e.credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    assert.deepEqual(await post('acme-okta', fixtureText('okta/event-hook.json')), { accepted: 7, duplicates: 0, quarantined: 0 });
    assert.deepEqual(await post('globex-okta', fixtureText('okta/api-page.json')), { accepted: 2, duplicates: 0, quarantined: 0 });
    // One event of today, so the daily window has something to hash.
    const recent = [{ event_uid: 'today-1', event_time: new Date().toISOString(), category: 'login', outcome: 'success', user_login: 'vpn-user@example.com' }];
    assert.deepEqual(await post('acme-generic', JSON.stringify(recent)), { accepted: 1, duplicates: 0, quarantined: 0 });
    const f = await c.cli(['flush']);
    assert.equal(f.code, 0, f.stderr);
    // The Lambda's environment, as the construct sets it, with the clients pointed at the stand-ins.
    Object.assign(process.env, {
      AUTHTRAIL_BUCKET: e.bucket, AUTHTRAIL_STATE_TABLE: e.stateTable, AUTHTRAIL_TENANTS: JSON.stringify(config.tenants.map((t) => t.id)),
      AUTHTRAIL_S3_ENDPOINT: e.s3, AUTHTRAIL_S3_ACCESS_KEY: e.credentials.accessKeyId, AUTHTRAIL_S3_SECRET_KEY: e.credentials.secretAccessKey,
      AUTHTRAIL_DYNAMODB_ENDPOINT: e.dynamodb, AUTHTRAIL_DYNAMODB_ACCESS_KEY: e.credentials.accessKeyId, AUTHTRAIL_DYNAMODB_SECRET_KEY: e.credentials.secretAccessKey,
      AWS_REGION: e.region, AUTHTRAIL_VERIFY_CONFIRM_MS: '50',
      POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_SERVICE_NAME: 'authtrail', POWERTOOLS_METRICS_NAMESPACE: 'authtrail',
    });
    h = await import('../../lambdas/handlers/verifier.ts');
  });
  after(async () => { s3?.destroy(); await c?.stop(); });

  it('a clean archive: 0 findings (total and per tenant), every object verified, configured tenants included', async () => {
    const objects = await keys('events/');
    const { value: r, lines } = await invoke({ full: true });
    assert.equal(r.from, null);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.tenants.map((t) => t.tenant), ['acme', 'globex', 'initech']);
    assert.equal(r.objectsVerified, objects.length);
    assert.ok(objects.length >= 3, `${objects.length} objects`);
    assert.deepEqual(metric(lines, 'ArchiveVerifyFindings'), new Map([['service=authtrail', 0], ['service=authtrail,tenant=acme', 0], ['service=authtrail,tenant=globex', 0], ['service=authtrail,tenant=initech', 0]]));
    assert.equal(metric(lines, 'ArchiveObjectsVerified').get('service=authtrail'), objects.length);
    assert.ok(lines.some((l) => l['message'] === 'archive verified' && l['findings'] === 0));
  });

  it('the daily window hashes only the recent objects and still walks every digest', async () => {
    const full = (await invoke({ full: true })).value;
    const { value: daily } = await invoke({ days: 1 });
    assert.equal(daily.from, h.windowStart(1, Date.now()));
    const recent = (await keys('events/')).filter((k) => k.split('/dt=')[1]!.slice(0, 10) >= daily.from!);
    assert.ok(recent.some((k) => k.includes(`dt=${today}`)));
    assert.equal(daily.objectsVerified, recent.length);
    assert.ok(daily.objectsVerified < full.objectsVerified);
    assert.deepEqual(daily.tenants.map((t) => t.digests), full.tenants.map((t) => t.digests));
    assert.deepEqual(daily.findings, []);
    await assert.rejects(invoke({ days: 0 }));
    await assert.rejects(invoke({ days: 3, full: true }));
  });

  it('an altered object: one finding in the metric (total and its tenant only) and in one log line, as the CLI reports it', async () => {
    const altered = (await keys('events/tenant=acme/')).find((k) => !k.includes(`dt=${today}`))!;
    await s3.send(new PutObjectCommand({ Bucket: c.endpoints.bucket, Key: altered, Body: 'not the archived bytes' }));
    const { value: r, lines } = await invoke({ full: true });
    assert.deepEqual(r.findings.map((f) => [f.tenant, f.kind, f.key]), [['acme', 'altered', altered]]);
    const findings = metric(lines, 'ArchiveVerifyFindings');
    assert.equal(findings.get('service=authtrail'), 1);
    assert.equal(findings.get('service=authtrail,tenant=acme'), 1);
    assert.equal(findings.get('service=authtrail,tenant=globex'), 0);
    const logged = lines.filter((l) => l['message'] === 'archive verify finding');
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!['level'], 'ERROR');
    assert.deepEqual([logged[0]!['tenant'], logged[0]!['kind'], logged[0]!['key']], ['acme', 'altered', altered]);
    assert.match(String(logged[0]!['detail']), /SHA-256 .* differs from the recorded/);
    const cli = await c.cli(['verify']);
    assert.equal(cli.code, 1);
    assert.ok(cli.stdout.includes(`ALTERED  ${altered}  ${String(logged[0]!['detail'])}`), cli.stdout);
    // The daily window does not hash that day's objects, but a weekly full run does: the trade-off.
    assert.deepEqual((await invoke({ days: 1 })).value.findings, []);
  });
});
