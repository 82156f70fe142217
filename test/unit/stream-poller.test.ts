import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { startStreamPoller } from '../../local/stream-poller.ts';

const ddb = mockClient(DynamoDBClient);
const streams = mockClient(DynamoDBStreamsClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const state = mockClient(doc);

/** A one-shard stream of `n` INSERT records; iterators are "after seq" positions; `fail` can throw per GetRecords call. */
function fakeStream(n: number, fail: (call: number) => Error | undefined = () => undefined) {
  const seq = (i: number) => String(1000 + i * 10);
  const records = Array.from({ length: n }, (_, i) => ({
    eventID: `e${i}`, eventName: 'INSERT', dynamodb: { SequenceNumber: seq(i), SizeBytes: 100, Keys: { pk: { S: `p#${i}` } } },
  }));
  let calls = 0;
  const reads: string[] = [];
  ddb.on(DescribeTableCommand).resolves({ Table: { LatestStreamArn: 'arn:stream' } });
  streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } });
  streams.on(GetShardIteratorCommand).callsFake((i: { ShardIteratorType: string; SequenceNumber?: string }) => ({ ShardIterator: i.ShardIteratorType === 'TRIM_HORIZON' ? 'after:0' : `after:${i.SequenceNumber}` }));
  streams.on(GetRecordsCommand).callsFake((i: { ShardIterator: string }) => {
    const err = fail(++calls);
    if (err) throw err;
    const after = i.ShardIterator.slice('after:'.length);
    const page = records.filter((r) => Number(r.dynamodb.SequenceNumber) > Number(after)).slice(0, 7);
    if (page.length) reads.push(i.ShardIterator);
    const last = page.length ? page[page.length - 1]!.dynamodb.SequenceNumber : after;
    return { Records: page, NextShardIterator: `after:${last}` };
  });
  const checkpoints = new Map<string, Record<string, unknown>>();
  state.on(GetCommand).callsFake((i: { Key: { pk: string } }) => ({ Item: checkpoints.get(i.Key.pk) }));
  state.on(PutCommand).callsFake((i: { Item: Record<string, unknown> }) => { checkpoints.set(i.Item['pk'] as string, i.Item); return {}; });
  return { reads, checkpoints, seq };
}

function consumer(name: string) {
  const got: string[] = [];
  return { got, c: { name, accept: (r: DynamoDBRecord) => r.eventName === 'INSERT', handle: async (e: DynamoDBStreamEvent) => { got.push(...e.Records.map((r) => r.eventID!)); return { batchItemFailures: [] }; } } };
}

const options = (consumers: { name: string; handle: (e: DynamoDBStreamEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }> }[]) => ({
  endpoint: 'http://127.0.0.1:1', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, table: 't',
  state: { client: doc, table: 'state' }, consumers, pollMs: 60_000, batchSize: 10,
});

describe('local stream poller', () => {
  beforeEach(() => { ddb.reset(); streams.reset(); state.reset(); });

  it('serves consumers at the same place with one read, and delivers every record to each once', async () => {
    const s = fakeStream(30);
    const a = consumer('archiver');
    const d = consumer('detector');
    const p = startStreamPoller(options([a.c, d.c]));
    try {
      await p.flush({ timeoutMs: 5_000 });
    } finally {
      await p.stop();
    }
    const all = Array.from({ length: 30 }, (_, i) => `e${i}`);
    assert.deepEqual(a.got, all);
    assert.deepEqual(d.got, all);
    assert.deepEqual([new Set(s.reads).size, s.reads.length], [5, 5], 'every page of records read once, shared by both consumers');
    assert.equal(s.checkpoints.get('stream-checkpoint#archiver#shard-1')?.['seq'], s.seq(29));
  });

  it('an iterator declared trimmed (twice) is retaken, then read from the horizon, without delivering anything twice', async () => {
    const trimmed = Object.assign(new Error('The operation attempted to read past the oldest stream record in a shard.'), { name: 'TrimmedDataAccessException' });
    fakeStream(40, (call) => (call === 3 || call === 4 ? trimmed : undefined));
    const a = consumer('archiver');
    const p = startStreamPoller(options([a.c]));
    try {
      await p.flush({ timeoutMs: 5_000 });
    } finally {
      await p.stop();
    }
    assert.deepEqual(a.got, Array.from({ length: 40 }, (_, i) => `e${i}`));
  });

  it('a consumer resumes after its checkpoint, the other from the start, each reading on its own until they meet', async () => {
    const s = fakeStream(20);
    const a = consumer('archiver');
    const d = consumer('detector');
    // The archiver had delivered the first 12 records before a restart; the detector nothing.
    const p0 = startStreamPoller(options([a.c]));
    await p0.flush({ timeoutMs: 5_000 });
    await p0.stop();
    assert.equal(a.got.length, 20);
    s.checkpoints.set('stream-checkpoint#archiver#shard-1', { pk: 'stream-checkpoint#archiver#shard-1', seq: s.seq(11) });
    a.got.length = 0;
    const p = startStreamPoller(options([a.c, d.c]));
    try {
      await p.flush({ timeoutMs: 5_000 });
    } finally {
      await p.stop();
    }
    assert.deepEqual(a.got, Array.from({ length: 8 }, (_, i) => `e${i + 12}`));
    assert.deepEqual(d.got, Array.from({ length: 20 }, (_, i) => `e${i}`));
  });
});
