/**
 * SIEM forwarding: the config's `forward` rules, HEC and HTTPS bodies, batching limits, OCSF vs
 * canonical, tenant separation, how far a failing destination got, and which answers are retried
 * (the shared retrying HTTP client with a fake fetch).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { ForwardDestination, parseConfig, runtimeConfig, type Config } from '../../lambdas/core/config.ts';
import { batches, dedupKey, forwardRequest, hecUrl, prepare, verdict } from '../../lambdas/core/forward.ts';
import { forwarder } from '../../lambdas/adapters/forward.ts';
import { retryingFetch } from '../../lambdas/adapters/http.ts';
import type { HttpFetch } from '../../lambdas/core/pull.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { ev } from '../helpers/events.ts';

const dest = (over: Record<string, unknown> = {}) => ForwardDestination.parse({ type: 'splunk-hec', url: 'https://splunk.example.com:8088', token: 'hec-token-1', ...over });
const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, s, 123)).toISOString();
const signIn = (uid: string, over: Partial<AuthEvent> = {}) => ev({ event_uid: uid, event_time: at(Number(uid.replace(/\D/g, '')) % 60), category: 'login', outcome: 'success', is_mfa: true, factor: 'push', user_email: 'bob@example.com', ...over });
const base = { tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }], sources: [] };
const cfg = (forward: unknown[], tenant = 0) => parseConfig({ ...base, tenants: base.tenants.map((t, i) => (i === tenant ? { ...t, forward } : t)) }, 't');

describe('config: tenants[].forward', () => {
  it('accepts a HEC destination with defaults, and http only to loopback', () => {
    const c = cfg([{ type: 'splunk-hec', url: 'https://splunk.example.com:8088', tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hec-AbCdEf' }]);
    const d = c.tenants[0]!.forward![0]!;
    assert.equal(d.format, 'canonical');
    assert.equal(d.batchSize, 500);
    assert.equal(d.maxBatchBytes, 900_000);
    assert.ok(cfg([{ type: 'https', url: 'http://127.0.0.1:9999/in' }]));
    assert.ok(cfg([{ type: 'https', url: 'http://localhost:9999/in' }]));
  });

  const refused: [string, unknown[], RegExp][] = [
    ['plain http to another host', [{ type: 'https', url: 'http://siem.example.com/in' }], /tenants\.0\.forward\.0\.url: use https:\/\//],
    ['no URL scheme it knows', [{ type: 'https', url: 'ftp://siem.example.com/in' }], /tenants\.0\.forward\.0\.url: expected an https:\/\/ URL/],
    ['HEC without a token', [{ type: 'splunk-hec', url: 'https://s.example.com' }], /forward\.0\.token: a Splunk HEC destination needs exactly one of "token" or "tokenSecretArn"/],
    ['both token kinds', [{ type: 'https', url: 'https://s.example.com', token: 'x', tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x' }], /forward\.0\.token: give "token" or "tokenSecretArn", not both/],
    ['HEC options on https', [{ type: 'https', url: 'https://s.example.com', index: 'main' }], /forward\.0\.index: "index" applies to splunk-hec destinations only/],
    ['https options on HEC', [{ type: 'splunk-hec', url: 'https://s.example.com', token: 'x', encoding: 'ndjson' }], /forward\.0\.encoding: "encoding" applies to https destinations only/],
    ['the token header among headers', [{ type: 'splunk-hec', url: 'https://s.example.com', token: 'x', headers: { Authorization: 'y' } }], /forward\.0\.headers: the token goes in "authorization"/],
    ['two destinations with one id', [{ type: 'https', url: 'https://a.example.com' }, { type: 'https', url: 'https://b.example.com' }], /forward\.1\.id: two destinations of this tenant are named "https"/],
    ['a header value of two lines', [{ type: 'https', url: 'https://a.example.com', headers: { 'X-A': 'a\r\nX-B: b' } }], /forward\.0\.headers\.X-A: a header value is one line/],
    ['a batch larger than HEC could take', [{ type: 'https', url: 'https://a.example.com', maxBatchBytes: 50_000_000 }], /forward\.0\.maxBatchBytes/],
  ];
  for (const [what, forward, message] of refused) it(`refuses ${what}, naming the field`, () => assert.throws(() => cfg(forward), message));

  it('the deployed config: no function but the forwarder carries destinations, and none an inline token', () => {
    const c = cfg([{ type: 'splunk-hec', url: 'https://s.example.com', token: 'inline-hec-token' }, { type: 'https', id: 'lake', url: 'https://l.example.com' }]);
    const others = runtimeConfig(c, (s) => s);
    assert.ok(others.tenants.every((t) => t.forward === undefined));
    const fwd = runtimeConfig(c, (s) => s, () => [], (t, d) => `authtrail/x/forward/${t}/${d}`);
    assert.deepEqual(fwd.tenants[0]!.forward!.map((d) => [d.token, d.tokenSecretName]), [[undefined, 'authtrail/x/forward/acme/splunk-hec'], [undefined, undefined]]);
    assert.doesNotMatch(JSON.stringify(fwd), /inline-hec-token/);
  });
});

describe('forward payloads', () => {
  it('HEC: one event object per line, time in epoch seconds with ms, _json, the dedup key in fields, the event unaltered', () => {
    const e = signIn('e1');
    const d = dest({ index: 'auth' });
    const p = prepare([e], d);
    const [b] = batches(p.records, d);
    const lines = b!.body.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0], { time: Date.parse(e.event_time) / 1000, host: 'authtrail', source: 'acme-okta', sourcetype: '_json', index: 'auth', fields: { authtrail_uid: 'acme-okta#e1', tenant: 'acme' }, event: e });
    assert.equal(String(lines[0].time).split('.')[1]!.length, 3);
  });

  it('HTTPS: NDJSON or a JSON array of envelopes with the dedup key and the format', () => {
    const events = [signIn('e1'), signIn('e2')];
    for (const encoding of ['ndjson', 'json-array'] as const) {
      const d = ForwardDestination.parse({ type: 'https', url: 'https://l.example.com/in', encoding });
      const [b] = batches(prepare(events, d).records, d);
      const got = encoding === 'ndjson' ? b!.body.trimEnd().split('\n').map((l) => JSON.parse(l)) : JSON.parse(b!.body);
      assert.deepEqual(got, events.map((e) => ({ authtrail_uid: dedupKey(e), tenant: 'acme', format: 'canonical', event: e })));
    }
  });

  it('OCSF: mapped events as the OCSF mapper emits them; events without an OCSF class skipped and counted', () => {
    const d = dest({ format: 'ocsf' });
    const p = prepare([signIn('e1'), signIn('e2', { category: 'other' }), signIn('e3', { category: null })], d);
    assert.deepEqual(p.records.map((r) => r.index), [0]);
    assert.equal(Object.values(p.skipped).reduce((a, b) => a + b, 0), 2);
    const line = JSON.parse(p.records[0]!.line);
    assert.equal(line.event.class_uid, 3002);
    assert.equal(line.event.metadata.uid, 'e1');
    assert.equal(line.fields.authtrail_uid, 'acme-okta#e1');
  });

  it('includeRaw false sends canonical events without raw', () => {
    const p = prepare([signIn('e1')], dest({ includeRaw: false }));
    assert.equal(JSON.parse(p.records[0]!.line).event.raw, null);
  });

  it('batches are bounded by count and bytes, keep the order, and cover every record once', () => {
    const events = Array.from({ length: 250 }, (_, i) => signIn(`e${i}`, { raw: JSON.stringify({ pad: 'x'.repeat(500 + (i % 7) * 100) }) }));
    for (const d of [dest({ batchSize: 40 }), dest({ maxBatchBytes: 20_000 }), ForwardDestination.parse({ type: 'https', url: 'https://l.example.com', encoding: 'json-array', maxBatchBytes: 20_000 })]) {
      const bs = batches(prepare(events, d).records, d);
      assert.deepEqual(bs.flatMap((b) => b.records.map((r) => r.index)), events.map((_, i) => i));
      for (const b of bs) {
        assert.ok(b.records.length <= d.batchSize, `${b.records.length} records`);
        assert.ok(b.bytes <= d.maxBatchBytes, `${b.bytes} bytes`);
        assert.equal(b.bytes, Buffer.byteLength(b.body));
      }
      // Full batches: a limit is reached before the next record would break it.
      if (d.batchSize === 40) assert.equal(bs.length, Math.ceil(250 / 40));
      else assert.ok(bs.slice(0, -1).every((b) => b.bytes > d.maxBatchBytes - 2_000), 'batches are filled');
    }
  });

  it('an event too large on its own goes without raw (the archive keeps it), not into a 413 forever', () => {
    const d = dest({ maxBatchBytes: 20_000 });
    const p = prepare([signIn('big', { raw: 'x'.repeat(50_000) }), signIn('small')], d);
    assert.equal(p.trimmed, 1);
    assert.equal(JSON.parse(p.records[0]!.line).event.raw, null);
    assert.ok(batches(p.records, d).every((b) => b.bytes <= 20_000));
  });

  it('requests: the HEC event endpoint, Splunk token and a request channel; Bearer or a named header for HTTPS', () => {
    assert.equal(hecUrl('https://s.example.com:8088'), 'https://s.example.com:8088/services/collector/event');
    assert.equal(hecUrl('https://http-inputs-acme.splunkcloud.com/services/collector/event'), 'https://http-inputs-acme.splunkcloud.com/services/collector/event');
    const h = forwardRequest(dest({ headers: { 'X-Extra': '1' } }), 'tok', 'chan-1');
    assert.equal(h.url, 'https://splunk.example.com:8088/services/collector/event');
    assert.deepEqual(h.headers, { 'X-Extra': '1', 'content-type': 'application/json', 'x-splunk-request-channel': 'chan-1', authorization: 'Splunk tok' });
    const https = ForwardDestination.parse({ type: 'https', url: 'https://l.example.com/in?x=1' });
    assert.deepEqual(forwardRequest(https, 'k', 'c'), { url: 'https://l.example.com/in?x=1', headers: { 'content-type': 'application/x-ndjson', authorization: 'Bearer k' } });
    assert.deepEqual(forwardRequest(https, undefined, 'c').headers, { 'content-type': 'application/x-ndjson' });
    const named = ForwardDestination.parse({ type: 'https', url: 'https://l.example.com/in', tokenHeader: 'X-Api-Key', encoding: 'json-array' });
    assert.deepEqual(forwardRequest(named, 'k', 'c').headers, { 'content-type': 'application/json', 'x-api-key': 'k' });
  });

  it('answers: 2xx ok; 401/403 a token problem; 400 and 413 failures that name the fix; never the token or the query', () => {
    const d = dest({ url: 'https://splunk.example.com:8088/services/collector/event?secret=q' });
    assert.deepEqual(verdict(d, 200, '{"text":"Success","code":0}'), { kind: 'ok' });
    const bad = verdict(d, 403, '{"text":"Invalid token","code":4}');
    assert.equal(bad.kind, 'auth');
    assert.match((bad as { message: string }).message, /^forward to splunk-hec \(splunk\.example\.com:8088\): HTTP 403 Invalid token \(HEC code 4\); check the destination's token$/);
    assert.match((verdict(d, 400, '{"text":"Incorrect index","code":7}') as { message: string }).message, /HTTP 400 Incorrect index \(HEC code 7\); check index/);
    assert.match((verdict(d, 413, 'too big') as { message: string }).message, /HTTP 413 too big; lower maxBatchBytes/);
    for (const v of [bad, verdict(d, 400, 'x')]) assert.doesNotMatch(JSON.stringify(v), /hec-token-1|secret=q/);
  });
});

/** A fake HTTP client: records each request, answers from `answer`. */
function fakeHttp(answer: (url: string, body: string, n: number) => number | Error = () => 200) {
  const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
  const fetchImpl = (async (url: string | URL, init?: RequestInit) => {
    const body = String(init?.body ?? '');
    calls.push({ url: String(url), headers: init?.headers as Record<string, string>, body });
    const a = answer(String(url), body, calls.length);
    if (a instanceof Error) throw a;
    return new Response(a === 200 ? '{"text":"Success","code":0}' : `{"text":"status ${a}","code":9}`, { status: a });
  }) as typeof fetch;
  return { calls, fetchImpl, http: retryingFetch({ fetchImpl, attempts: 3, baseDelayMs: 1, maxWaitMs: 50 }) as HttpFetch };
}
const tokens = Object.assign(async (ref: { value?: string | undefined; arn?: string | undefined }) => ref.value ?? `from-${ref.arn}`, {});
const uidsIn = (body: string) => body.trimEnd().split('\n').map((l) => (JSON.parse(l).fields?.authtrail_uid ?? JSON.parse(l).authtrail_uid) as string);

describe('forwarding a batch (fake HTTP)', () => {
  let config: Pick<Config, 'tenants'>;
  before(() => {
    config = parseConfig({
      tenants: [
        { id: 'acme', name: 'Acme', forward: [{ type: 'splunk-hec', url: 'https://hec.acme.example.com', token: 'acme-token', batchSize: 2 }, { type: 'https', id: 'lake', url: 'https://lake.acme.example.com/in' }] },
        { id: 'globex', name: 'Globex', forward: [{ type: 'splunk-hec', url: 'https://hec.globex.example.com', token: 'globex-token' }] },
        { id: 'initech', name: 'Initech' },
      ],
      sources: [],
    }, 't');
  });
  const mixed = () => [
    signIn('a1'), signIn('g1', { tenant: 'globex', source_id: 'globex-okta' }), signIn('a2'), signIn('i1', { tenant: 'initech', source_id: 'initech-okta' }), signIn('a3'), signIn('g2', { tenant: 'globex', source_id: 'globex-okta' }),
  ];

  it('each tenant\'s events go to that tenant\'s destinations only, with its own token; a tenant without forward sends nothing', async () => {
    const h = fakeHttp();
    const r = await forwarder({ config, http: h.http, tokens, channel: 'c' }).forward(mixed());
    assert.equal(r.failedAt, undefined);
    const sent = (host: string) => h.calls.filter((c) => new URL(c.url).host === host);
    assert.deepEqual(sent('hec.acme.example.com').flatMap((c) => uidsIn(c.body)), ['acme-okta#a1', 'acme-okta#a2', 'acme-okta#a3']);
    assert.equal(sent('hec.acme.example.com').length, 2, 'batchSize 2');
    assert.ok(sent('hec.acme.example.com').every((c) => c.headers.authorization === 'Splunk acme-token'));
    assert.deepEqual(sent('lake.acme.example.com').flatMap((c) => uidsIn(c.body)), ['acme-okta#a1', 'acme-okta#a2', 'acme-okta#a3']);
    assert.deepEqual(sent('hec.globex.example.com').flatMap((c) => uidsIn(c.body)), ['globex-okta#g1', 'globex-okta#g2']);
    assert.ok(sent('hec.globex.example.com').every((c) => c.headers.authorization === 'Splunk globex-token'));
    assert.equal(h.calls.length, 4);
    assert.doesNotMatch(h.calls.map((c) => c.body).join(''), /initech/);
  });

  it('503, 429 and network errors are retried; the batch goes through', async () => {
    for (const first of [503, 429, new TypeError('fetch failed')]) {
      const h = fakeHttp((_u, _b, n) => (n === 1 ? first : 200));
      const r = await forwarder({ config: { tenants: [config.tenants[2]!, { ...config.tenants[1]! }] }, http: h.http, tokens }).forward([signIn('g1', { tenant: 'globex' })]);
      assert.equal(r.failedAt, undefined, String(first));
      assert.equal(h.calls.length, 2);
      assert.equal(h.calls[0]!.body, h.calls[1]!.body);
    }
  });

  it('400 and 413 are not retried: the destination fails from its first batch not taken, loudly', async () => {
    for (const status of [400, 413]) {
      // The acme HEC takes its first batch (a1, a2) and refuses the second (a3).
      const h = fakeHttp((url, body) => (url.includes('hec.acme') && body.includes('"a3"') ? status : 200));
      const r = await forwarder({ config, http: h.http, tokens }).forward(mixed());
      assert.equal(r.failedAt, 4, 'the input position of a3');
      const acme = r.destinations.find((d) => d.destination === 'splunk-hec' && d.tenant === 'acme')!;
      assert.equal(acme.sent, 2);
      assert.match(acme.error!, new RegExp(`HTTP ${status}`));
      assert.equal(h.calls.filter((c) => c.url.includes('hec.acme') && c.body.includes('"a3"')).length, 1, 'sent once');
      assert.ok(r.destinations.filter((d) => d !== acme).every((d) => d.error === undefined));
    }
  });

  it('a refused token is read again once (it may just have been replaced in Secrets Manager)', async () => {
    const refs = parseConfig({ tenants: [{ id: 'acme', name: 'Acme', forward: [{ type: 'splunk-hec', url: 'https://hec.acme.example.com', tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hec-AbCdEf' }] }], sources: [] }, 't');
    // The cached value is the old token; a fresh read gives the one the operator just put in.
    const store = Object.assign(async () => 'old', { refresh: async () => ['new'] });
    const h = fakeHttp((_u, _b, n) => (n === 1 ? 403 : 200));
    const r = await forwarder({ config: refs, http: h.http, tokens: store }).forward([signIn('a1')]);
    assert.equal(r.failedAt, undefined);
    assert.deepEqual(h.calls.map((c) => c.headers.authorization), ['Splunk old', 'Splunk new']);
    // The same token refused again: no loop, the batch fails.
    const h2 = fakeHttp(() => 403);
    const same = Object.assign(async () => 'old', { refresh: async () => ['old'] });
    const r2 = await forwarder({ config: refs, http: h2.http, tokens: same }).forward([signIn('a1')]);
    assert.equal(r2.failedAt, 0);
    assert.equal(h2.calls.length, 1);
  });
});

describe('the forwarder handler (stream records)', () => {
  let handlerMod: typeof import('../../lambdas/handlers/forwarder.ts');
  before(async () => {
    process.env.AUTHTRAIL_RUNTIME_CONFIG ??= JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [] });
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    handlerMod = await import('../../lambdas/handlers/forwarder.ts');
  });
  const rec = (seq: string, e: AuthEvent | null, eventName: DynamoDBRecord['eventName'] = 'INSERT'): DynamoDBRecord => ({
    eventName, dynamodb: { SequenceNumber: seq, Keys: { pk: { S: `${e?.source_id}#${e?.event_uid}` } }, ...(e ? { NewImage: marshall(e, { removeUndefinedValues: true }) as Record<string, AttributeValue> as never } : {}) },
  });

  it('forwards the new events of a batch and reports the record the failure starts from', async () => {
    const seen: string[][] = [];
    const f = { forward: async (events: readonly AuthEvent[]) => { seen.push(events.map((e) => e.event_uid)); return { destinations: [], failedAt: 1 }; } };
    const records = [rec('100', signIn('a1')), rec('101', signIn('a0'), 'MODIFY'), rec('102', signIn('a2')), rec('103', signIn('a3'))];
    const r = await handlerMod.forwardRecordsWith(f, { Records: records });
    assert.deepEqual(seen, [['a1', 'a2', 'a3']], 'INSERT only');
    assert.deepEqual(r, { batchItemFailures: [{ itemIdentifier: '102' }] }, 'the record of the second new event');
    const ok = await handlerMod.forwardRecordsWith({ forward: async () => ({ destinations: [] }) }, { Records: records });
    assert.deepEqual(ok, { batchItemFailures: [] });
    const thrown = await handlerMod.forwardRecordsWith({ forward: async () => { throw new Error('boom'); } }, { Records: records });
    assert.deepEqual(thrown, { batchItemFailures: [{ itemIdentifier: '100' }] });
  });

  it('refuses a payload that is not a stream batch (a misdirected redrive must not count as delivered)', async () => {
    await assert.rejects(handlerMod.forwardRecordsWith({ forward: async () => ({ destinations: [] }) }, { DDBStreamBatchInfo: {} } as never), /not a DynamoDB stream batch/);
  });
});

describe('authtrail redrive forwarder (aws-sdk-client-mock)', () => {
  it('re-reads the failed range of the stream and hands its new events to the forwarder function; the message goes once it succeeded', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } = await import('@aws-sdk/client-sqs');
    const { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } = await import('@aws-sdk/client-dynamodb-streams');
    const { parseOutputs } = await import('../../cli/outputs.ts');
    const { redriveQueue } = await import('../../cli/redrive.ts');
    const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const streams = new DynamoDBStreamsClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const sqsMock = mockClient(sqs);
    const streamsMock = mockClient(streams);
    const failure = { DDBStreamBatchInfo: { shardId: 'shard-1', startSequenceNumber: '100', endSequenceNumber: '200', streamArn: 'arn:aws:dynamodb:us-east-1:1:table/t/stream/x', batchSize: 2 } };
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'f1', ReceiptHandle: 'rh-f1', Body: JSON.stringify(failure) }] }).resolves({});
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    const image = marshall(signIn('a1')) as never;
    streamsMock.on(GetRecordsCommand).resolves({ Records: [
      { eventID: 'e100', eventName: 'INSERT', dynamodb: { SequenceNumber: '100', NewImage: image } },
      { eventID: 'e200', eventName: 'MODIFY', dynamodb: { SequenceNumber: '200', NewImage: image } },
    ] });
    const calls: { fn: string; payload: unknown }[] = [];
    const invoker = { async invoke(fn: string, payload: unknown) { calls.push({ fn, payload }); return { payload: { batchItemFailures: [] } }; }, close() {} };
    const outputs = parseOutputs(JSON.stringify({ S: { ForwarderDlqUrl: 'https://sqs.us-east-1.amazonaws.com/1/fwd-dlq', ForwarderFunctionName: 'fwd-fn' } }), 'o.json');
    assert.deepEqual(await redriveQueue('forwarder', outputs, { sqs, streams, invoker, log: () => {} }), { redriven: 1, failed: 0, messages: 1 });
    assert.equal(calls[0]!.fn, 'fwd-fn');
    assert.deepEqual((calls[0]!.payload as { Records: { eventID: string }[] }).Records.map((r) => r.eventID), ['e100']);
    assert.equal(sqsMock.commandCalls(DeleteMessageCommand).length, 1);
    sqs.destroy(); streams.destroy();
  });
});
