/**
 * What a web page, a DNS-rebinding attacker or another program on the machine can do to the local
 * collector: nothing through the local-only routes without the token, a loopback Host and no
 * foreign Origin; nothing outside AUTHTRAIL_HOME through the local S3 (which takes only SigV4
 * requests signed with the local credentials); plus the user errors around starting it.
 */
import { describe, it, before, after } from 'node:test';
import { hotEventById } from '../helpers/hot.ts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rawRequest } from '../helpers/raw-http.ts';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, REGION, startS3, type Running } from '../../local/standins.ts';
import { fixture } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const BIN = fileURLToPath(new URL('../../bin/authtrail.mjs', import.meta.url));
const BUCKET = 'authtrail-archive';

/** A raw request: the path goes out exactly as written (fetch would normalize `..` and `%2E%2E`). */
const raw = (endpoint: string, o: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }) => {
  const u = new URL(endpoint);
  return rawRequest({ ...o, host: u.hostname, port: Number(u.port) });
};

/** Every file and directory under `dir`, relative to it. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

describe('local S3: signed requests only, never outside its directory', () => {
  let home: string;
  let s3dir: string;
  let s3: Running;
  let client: S3Client;
  const marker = `pwned-${randomBytes(4).toString('hex')}`;
  const cfg = (endpoint: string, extra: Partial<S3ClientConfig> = {}): S3ClientConfig => ({
    endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', ...extra,
  });
  /** An SDK client that signs whatever raw path (and extra headers) it is given: attacks with a valid signature. */
  const signedRaw = (path: string, headers: Record<string, string> = {}) => {
    const c = new S3Client(cfg(s3.endpoint));
    c.middlewareStack.add((next) => async (args) => {
      const r = (args as { request: { path: string; headers: Record<string, string> } }).request;
      r.path = path;
      Object.assign(r.headers, headers);
      return next(args);
    }, { step: 'build', name: 'rawPath' });
    return c;
  };
  const outside = () => tree(home).filter((p) => !p.startsWith('s3/') && p !== 's3');
  const nothingEscaped = () => {
    assert.deepEqual(outside(), ['secret.txt', 'victim'], 'nothing new outside the S3 directory');
    assert.equal(readFileSync(join(home, 'secret.txt'), 'utf8'), 'do not copy me');
    assert.deepEqual(readdirSync(dirname(home)).filter((n) => n.includes(marker)), [], `nothing in ${dirname(home)}`);
    assert.ok(!tree(s3dir).some((p) => p.includes('secret')), 'nothing copied in from outside');
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'authtrail-s3sec-'));
    s3dir = join(home, 's3');
    writeFileSync(join(home, 'secret.txt'), 'do not copy me');
    // An empty directory next to the S3 one: DeleteObject's cleanup must not remove it.
    mkdirSync(join(home, 'victim'));
    s3 = await startS3(s3dir);
    client = new S3Client(cfg(s3.endpoint));
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(async () => { client?.destroy(); await s3?.stop(); if (home) rmSync(home, { recursive: true, force: true }); });

  it('the AWS SDK with the local credentials works: put, get, list, delete, streamed upload, copy, batch delete', async () => {
    await client.send(new HeadBucketCommand({ Bucket: BUCKET }));
    const key = 'events/tenant=acme/dt=2026-11-20/part 1+x~(a).parquet';
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'hello', ContentType: 'application/vnd.apache.parquet' }));
    assert.equal(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString(), 'hello');
    const big = randomBytes(700_000);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'quarantine/streamed.bin', Body: Readable.from([big.subarray(0, 123_457), big.subarray(123_457)]), ContentLength: big.length }));
    const back = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'quarantine/streamed.bin' }))).Body!.transformToByteArray());
    assert.ok(back.equals(big), 'a streamed upload is stored byte for byte');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'events/' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), [key]);
    await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.bin', CopySource: `${BUCKET}/quarantine/streamed.bin` }));
    const del = await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'copy.bin' }] } }));
    assert.deepEqual(del.Deleted?.map((d) => d.Key), ['copy.bin']);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.deepEqual((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'events/' }))).Contents ?? [], []);
  });

  it('refuses anonymous requests, other secrets and other access keys', async () => {
    const anon = await raw(s3.endpoint, { method: 'PUT', path: `/${BUCKET}/anon.txt`, body: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(anon.status, 403);
    assert.match(anon.body, /<Code>AccessDenied<\/Code>/);
    assert.equal((await raw(s3.endpoint, { path: `/${BUCKET}/quarantine/streamed.bin` })).status, 403, 'anonymous GET');
    assert.equal((await raw(s3.endpoint, { path: '/' })).status, 403, 'anonymous ListBuckets');
    // A signature the guard cannot check (s3rver checks none for SigV4; it accepts V2 with its key).
    const forged = await raw(s3.endpoint, { method: 'PUT', path: `/${BUCKET}/forged.txt`, body: 'x', headers: { authorization: `AWS4-HMAC-SHA256 Credential=S3RVER/${new Date().toISOString().slice(0, 10).replaceAll('-', '')}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d+/g, ''), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    assert.equal(forged.status, 403);
    assert.equal((await raw(s3.endpoint, { method: 'PUT', path: `/${BUCKET}/v2.txt`, body: 'x', headers: { authorization: 'AWS S3RVER:c2lnbmF0dXJl', date: new Date().toUTCString() } })).status, 403, 'SigV2');
    for (const credentials of [{ accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' }, { accessKeyId: 'OTHER', secretAccessKey: 'S3RVER' }]) {
      const c = new S3Client(cfg(s3.endpoint, { credentials }));
      await assert.rejects(c.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'wrong-key.txt', Body: 'x' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 403);
      c.destroy();
    }
    const keys = (await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key) ?? [];
    assert.deepEqual(keys.filter((k) => /anon|forged|v2|wrong-key/.test(k!)), []);
  });

  it('refuses web pages and foreign Host names, even correctly signed', async () => {
    const withOrigin = signedRaw(`/${BUCKET}/from-page.txt`, { origin: 'https://evil.example.com' });
    await assert.rejects(withOrigin.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 403);
    withOrigin.destroy();
    for (const host of ['evil.example.com', `evil.example.com:${new URL(s3.endpoint).port}`, '..', `${BUCKET}.s3.amazonaws.com`]) {
      const r = await raw(s3.endpoint, { method: 'PUT', path: `/${BUCKET}/host.txt`, body: 'x', headers: { host } });
      assert.equal(r.status, 403, host);
    }
  });

  it('anonymous path-traversal PUTs write nothing anywhere', async () => {
    for (const path of [
      `/${BUCKET}/..%2F..%2F${marker}-1`, `/${BUCKET}/%2E%2E%2F%2E%2E%2F${marker}-2`, `/${BUCKET}/%2e%2e/%2e%2e/${marker}-3`,
      `/${BUCKET}/%252E%252E%252F%252E%252E%252F${marker}-4`, `/${BUCKET}/..%5C..%5C${marker}-5`, `/${BUCKET}/..\\..\\${marker}-6`,
      `/${BUCKET}/../../${marker}-7`, `/..%2F..%2F${marker}-8/x`, `/${BUCKET}/a%00b`, `/${BUCKET}/%E0%A4%A`,
    ]) {
      const r = await raw(s3.endpoint, { method: 'PUT', path, body: 'owned', headers: { 'content-type': 'text/plain' } });
      assert.ok(r.status === 400 || r.status === 403, `${path}: ${r.status}`);
    }
    nothingEscaped();
  });

  it('correctly signed path-traversal requests are refused too, and write or delete nothing outside', async () => {
    const paths = [
      `/${BUCKET}/..%2F..%2F${marker}-s1`, `/${BUCKET}/%2E%2E%2F%2E%2E%2F${marker}-s2`, `/${BUCKET}/../../${marker}-s3`,
      `/${BUCKET}/%252E%252E%252F%252E%252E%252F${marker}-s4`, `/${BUCKET}/..%5C..%5C${marker}-s5`, `/..%2F..%2F${marker}-s6`,
      `/${BUCKET}/sub/..%2F..%2F..%2Fvictim/x`, `/${BUCKET}/%00`,
    ];
    for (const path of paths) {
      const c = signedRaw(path);
      await assert.rejects(c.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ignored', Body: 'owned' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 400, path);
      await assert.rejects(c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'ignored' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 400, path);
      c.destroy();
    }
    // Bucket creation outside the directory.
    const mk = signedRaw(`/..%2F..%2F${marker}-bucket`);
    await assert.rejects(mk.send(new CreateBucketCommand({ Bucket: 'ignored' })));
    mk.destroy();
    // The SDK's own keys with dot segments (it sends them literally).
    await assert.rejects(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `../../${marker}-sdk`, Body: 'owned' })));
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: '../../secret.txt' })));
    // Copy from outside, multipart upload ids and batch-delete keys that climb out.
    await assert.rejects(client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'stolen.txt', CopySource: `${BUCKET}/../../secret.txt` })));
    await assert.rejects(client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'stolen.txt', CopySource: `${BUCKET}/..%2F..%2Fsecret.txt` })));
    await assert.rejects(client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp.bin', UploadId: `../../../${marker}-upload`, PartNumber: 1, Body: 'owned' })));
    await assert.rejects(client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: '../../secret.txt' }, { Key: '../../victim/x' }] } })));
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'stolen.txt' })), { name: 'NoSuchKey' });
    nothingEscaped();
  });

  it('an upload the stand-in would store corrupted (aws-chunked, the SDK default for streams) is refused, not corrupted', async () => {
    const c = new S3Client(cfg(s3.endpoint, { requestChecksumCalculation: 'WHEN_SUPPORTED' }));
    const body = randomBytes(64 * 1024);
    await assert.rejects(c.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'chunked.bin', Body: Readable.from([body]), ContentLength: body.length })), /WHEN_REQUIRED/);
    c.destroy();
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'chunked.bin' })), { name: 'NoSuchKey' });
  });
});

describe('the local collector: local-only routes, Host, Origin, user errors', () => {
  let c: TestCollector;
  let ddb: DynamoDBDocumentClient;
  const SECRET = 'sec-okta-secret-7f2a';
  const forgedUid = `forged-${randomBytes(4).toString('hex')}`;
  const forged = () => {
    const e = fixture<{ detail: Record<string, unknown> }>('okta/eventbridge.json');
    e.detail['uuid'] = forgedUid;
    e.detail['eventType'] = 'user.mfa.factor.deactivate';
    return JSON.stringify(e);
  };
  const alerts = () => { const f = join(c.home, 'alerts.ndjson'); return existsSync(f) ? readFileSync(f, 'utf8') : ''; };

  before(async () => {
    c = await startCollector({
      tenants: [{ id: 'acme', name: 'Acme' }],
      sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET }, eventbridge: {} }],
    });
    ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: c.endpoints.dynamodb, region: c.endpoints.region, credentials: c.endpoints.credentials }));
  });
  after(async () => { ddb?.destroy(); await c?.stop(); });

  it('endpoints.json, which holds the token, is readable by its owner only', () => {
    assert.equal(statSync(join(c.home, 'endpoints.json')).mode & 0o777, 0o600);
    assert.ok(c.endpoints.localToken.length >= 24);
  });

  it('a web page\'s text/plain POST to /v1/eventbridge (no preflight) stores nothing: 401', async () => {
    const r = await fetch(`${c.base}/v1/eventbridge`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: forged() });
    assert.equal(r.status, 401);
    const body = await r.json() as Record<string, unknown>;
    assert.equal(body['error'], 'unauthorized');
    assert.equal(typeof body['message'], 'string');
    assert.equal(await hotEventById(ddb, c.endpoints.table, `acme-okta#${forgedUid}`), undefined);
    const wrong = await fetch(`${c.base}/v1/eventbridge`, { method: 'POST', headers: { 'x-authtrail-local-token': 'guessed' }, body: forged() });
    assert.equal(wrong.status, 401);
  });

  it('no false feed-silence alerts from a page: /_local/feeds/check without the token is 401', async () => {
    const before = alerts();
    const r = await fetch(`${c.base}/_local/feeds/check?now=2099-01-01T00:00:00.000Z`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 401);
    assert.equal(alerts(), before);
    assert.doesNotMatch(c.output(), /feed_silence/);
  });

  it('DNS rebinding and foreign pages are refused even with the token; no CORS headers', async () => {
    const port = new URL(c.base).port;
    for (const host of ['rebind.example.com', `rebind.example.com:${port}`]) {
      const r = await raw(c.base, { method: 'POST', path: '/v1/eventbridge', headers: { ...c.localHeaders(), host, 'content-type': 'text/plain' }, body: forged() });
      assert.ok(r.status === 403 || r.status === 421, `${host}: ${r.status}`);
      assert.equal(typeof (JSON.parse(r.body) as { error: unknown }).error, 'string');
    }
    const page = await raw(c.base, { method: 'POST', path: '/_local/feeds/check?now=2099-01-01T00:00:00.000Z', headers: { ...c.localHeaders(), origin: 'https://evil.example.com' } });
    assert.equal(page.status, 403);
    const pre = await raw(c.base, { method: 'OPTIONS', path: '/v1/eventbridge', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-authtrail-local-token' } });
    assert.deepEqual(Object.keys(pre.headers).filter((h) => h.startsWith('access-control-')), []);
    assert.equal(await hotEventById(ddb, c.endpoints.table, `acme-okta#${forgedUid}`), undefined);
    assert.equal(alerts(), '');
  });

  it('the CLI and token holders still use the local-only routes', async () => {
    const r = await c.cli(['flush']);
    assert.equal(r.code, 0, r.stderr);
    const eb = await fetch(`${c.base}/v1/eventbridge`, { method: 'POST', headers: c.localHeaders(), body: JSON.stringify(fixture('okta/eventbridge.json')) });
    assert.equal(eb.status, 200);
  });

  it('webhooks stay reachable through a tunnel (any Host), as in AWS', async () => {
    const r = await raw(c.base, { method: 'GET', path: '/v1/health', headers: { host: 'collector-tunnel.example.com' } });
    assert.deepEqual([r.status, JSON.parse(r.body)], [200, { status: 'ok' }]);
  });

  it('a malformed source id in the path is never a 5xx', async () => {
    for (const path of ['/v1/ingest/%E0%A4%A', '/v1/ingest/%']) {
      for (const method of ['POST', 'GET']) {
        const r = await raw(c.base, { method, path, headers: { authorization: SECRET, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
        assert.ok(r.status >= 400 && r.status < 500, `${method} ${path}: ${r.status} ${r.body}`);
      }
    }
  });

  it('the running collector\'s S3 refuses anonymous writes', async () => {
    const r = await raw(c.endpoints.s3, { method: 'PUT', path: `/${c.endpoints.bucket}/quarantine/tenant=acme/dt=2026-11-20/forged.json`, body: '{}' });
    assert.equal(r.status, 403);
  });

  it('the local SNS server: loopback programs only (a page could otherwise publish with a form POST)', async () => {
    const form = `Action=Publish&TopicArn=${encodeURIComponent(c.endpoints.topicArn)}&Message=forged`;
    const page = await raw(c.endpoints.sns, { method: 'POST', path: '/', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example.com' } });
    assert.equal(page.status, 403);
    const rebound = await raw(c.endpoints.sns, { method: 'POST', path: '/', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'rebind.example.com' } });
    assert.equal(rebound.status, 403);
    const ok = await raw(c.endpoints.sns, { method: 'POST', path: '/', body: `Action=GetTopicAttributes&TopicArn=${encodeURIComponent(c.endpoints.topicArn)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(ok.status, 200, ok.body);
  });

  it('the API, S3 and SNS servers listen on 127.0.0.1 only', { skip: !existsSync('/proc/net/tcp') }, () => {
    // /proc/net/tcp: "sl local_address rem_address st ...", addresses as hex IP:port; 0A = LISTEN.
    const listening = [...readFileSync('/proc/net/tcp', 'utf8').split('\n'), ...(existsSync('/proc/net/tcp6') ? readFileSync('/proc/net/tcp6', 'utf8').split('\n') : [])]
      .map((l) => l.trim().split(/\s+/)).filter((f) => f[3] === '0A').map((f) => f[1]!);
    for (const endpoint of [c.base, c.endpoints.s3, c.endpoints.sns]) {
      const port = Number(new URL(endpoint).port).toString(16).toUpperCase().padStart(4, '0');
      const addrs = listening.filter((a) => a.endsWith(`:${port}`)).map((a) => a.split(':')[0]);
      assert.deepEqual(addrs, ['0100007F'], `${endpoint}: ${addrs.join(', ')}`);
    }
  });

  it('a PORT already in use: one clear line and exit 1', async () => {
    const port = new URL(c.base).port;
    const home = mkdtempSync(join(tmpdir(), 'authtrail-port-'));
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => execFile(process.execPath, [BIN, 'dev'], { env: { ...c.env, PORT: port, AUTHTRAIL_HOME: home }, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `authtrail: port ${port} is already in use; set PORT to another port\n`);
    assert.equal(existsSync(join(home, 'endpoints.json')), false);
    rmSync(home, { recursive: true, force: true });
  });
});
