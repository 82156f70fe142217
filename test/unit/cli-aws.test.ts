import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, TrimmedDataAccessException } from '@aws-sdk/client-dynamodb-streams';
import { parseOutputs } from '../../cli/outputs.ts';
import { redriveQueue } from '../../cli/redrive.ts';
import { pollDeployed } from '../../cli/poll.ts';
import { invocationOf, type Invoker } from '../../cli/lambda.ts';
import { s3ConfigFor } from '../../cli/target.ts';
import { localOutputs } from '../../local/dev.ts';
import { CliError } from '../../cli/errors.ts';

const creds = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
const OUTPUTS = parseOutputs(JSON.stringify({
  AuthTrailStateful: { ArchiveBucketName: 'b', HotTableName: 't', StateTableName: 's' },
  AuthTrailStateless: {
    ApiUrl: 'https://x', PollerFunctionName: 'poller-fn', EventBridgeFunctionName: 'eb-fn', ArchiverFunctionName: 'arch-fn',
    EventBridgeDlqUrl: 'https://sqs/eb-dlq', ArchiverDlqUrl: 'https://sqs/arch-dlq', PollerDlqUrl: 'https://sqs/poll-dlq',
  },
}), 'cdk-outputs.json');

/** A fake deployed function: records what it was invoked with, answers as told. */
function fakeInvoker(answer: (fn: string, payload: unknown) => { error?: string; payload?: unknown }) {
  const calls: { fn: string; payload: unknown }[] = [];
  const invoker: Invoker = {
    async invoke(fn, payload) { calls.push({ fn, payload }); const a = answer(fn, payload); return { error: a.error, payload: a.payload }; },
    close() {},
  };
  return { invoker, calls };
}

describe('outputs file (cdk deploy --outputs-file)', () => {
  it('reads keys across stacks, whatever the stacks are called', () => {
    assert.equal(OUTPUTS.need('ArchiveBucketName', 'x'), 'b');
    assert.equal(OUTPUTS.get('PollerFunctionName'), 'poller-fn');
    assert.equal(OUTPUTS.get('Nothing'), undefined);
  });
  it('a missing key names the fix', () => {
    assert.throws(() => OUTPUTS.need('FeedHealthDlqUrl', 'the feed-health dead-letter queue'), (e: Error) => e instanceof CliError && /has no FeedHealthDlqUrl \(the feed-health dead-letter queue\): deploy this version/.test(e.message));
  });
  it('rejects what is not an outputs file, and two deployments in one file', () => {
    assert.throws(() => parseOutputs('{', 'f'), /not valid JSON/);
    assert.throws(() => parseOutputs('[1]', 'f'), /not a CDK outputs file/);
    assert.throws(() => parseOutputs(JSON.stringify({ A: { ArchiveBucketName: 'x' }, B: { ArchiveBucketName: 'y' } }), 'f'), /holds several deployments/);
  });
  it('authtrail dev writes the names the AWS mode needs, in that shape', () => {
    const o = parseOutputs(JSON.stringify(localOutputs({ api: 'http://127.0.0.1:1', bucket: 'bk', table: 'tb', stateTable: 'st', topicArn: 'arn:t' })), 'local');
    assert.deepEqual(['ArchiveBucketName', 'HotTableName', 'StateTableName'].map((k) => o.need(k, k)), ['bk', 'tb', 'st']);
  });
  it('S3 path-style and on-demand checksums only for a custom S3 endpoint, the user\'s checksum choice kept', () => {
    assert.deepEqual(s3ConfigFor({}), {});
    assert.deepEqual(s3ConfigFor({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' }), { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    assert.deepEqual(s3ConfigFor({ AWS_ENDPOINT_URL: 'http://x', AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED' }), { forcePathStyle: true, responseChecksumValidation: 'WHEN_REQUIRED' });
  });
});

describe('poll in AWS mode: invokes the poller function by name', () => {
  it('passes {"sourceId"} as the schedule does and prints its answer', async () => {
    const { invoker, calls } = fakeInvoker(() => ({ payload: { pages: 1, accepted: 3, duplicates: 0, quarantined: 0 } }));
    const log = console.log; let out = '';
    console.log = (s: string) => { out += `${s}\n`; };
    try { assert.equal(await pollDeployed('acme-duo', OUTPUTS, invoker), 0); } finally { console.log = log; }
    assert.deepEqual(calls, [{ fn: 'poller-fn', payload: { sourceId: 'acme-duo' } }]);
    assert.equal(out, '{"pages":1,"accepted":3,"duplicates":0,"quarantined":0}\n');
  });
  it('a function error is exit 1 with the function\'s message', async () => {
    const { invoker } = fakeInvoker(() => ({ error: 'PollError: HTTP 401 Invalid signature' }));
    const w = process.stderr.write.bind(process.stderr); let err = '';
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    try { assert.equal(await pollDeployed('acme-duo', OUTPUTS, invoker), 1); } finally { process.stderr.write = w; }
    assert.equal(err, 'authtrail: poll acme-duo failed: PollError: HTTP 401 Invalid signature\n');
  });
  it('without a poller in the outputs: names the fix', async () => {
    const { invoker } = fakeInvoker(() => ({}));
    await assert.rejects(pollDeployed('x', parseOutputs('{"S":{}}', 'f'), invoker), /has no PollerFunctionName/);
  });
  it('reads Lambda\'s answer and FunctionError', () => {
    assert.deepEqual(invocationOf({ Payload: Buffer.from('{"a":1}') }), { payload: { a: 1 } });
    assert.deepEqual(invocationOf({ FunctionError: 'Unhandled', Payload: Buffer.from('{"errorType":"PollError","errorMessage":"boom"}') }).error, 'PollError: boom');
    assert.deepEqual(invocationOf({ FunctionError: 'Unhandled' }).error, 'Unhandled');
  });
});

describe('redrive <queue> (SQS dead-letter queues, aws-sdk-client-mock)', () => {
  const sqs = new SQSClient(creds);
  const streams = new DynamoDBStreamsClient(creds);
  const sqsMock = mockClient(sqs);
  const streamsMock = mockClient(streams);
  const quiet = () => undefined;
  beforeEach(() => { sqsMock.reset(); streamsMock.reset(); });

  const ebMessage = (id: string, n: number) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: JSON.stringify({ id: `ev-${n}`, source: 'aws.signin', 'detail-type': 'AWS Console Sign In via CloudTrail', detail: { n } }), Attributes: { SentTimestamp: '1767225600000' } });

  it('eventbridge: each event goes back to the intake function; deleted only after it succeeded', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [ebMessage('m1', 1), ebMessage('m2', 2)] }).resolves({ Messages: [] });
    const { invoker, calls } = fakeInvoker((_, p) => ((p as { detail: { n: number } }).detail.n === 2 ? { error: 'Error: table unavailable' } : { payload: null }));
    const r = await redriveQueue('eventbridge', OUTPUTS, { sqs, streams, invoker, log: quiet });
    assert.deepEqual(r, { redriven: 1, failed: 1, messages: 2 });
    assert.deepEqual(calls.map((c) => [c.fn, (c.payload as { id: string }).id]), [['eb-fn', 'ev-1'], ['eb-fn', 'ev-2']]);
    assert.deepEqual(sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input), [{ QueueUrl: 'https://sqs/eb-dlq', ReceiptHandle: 'rh-m1' }]);
    // The one that failed again is visible again (not lost, not deleted).
    assert.deepEqual(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input), [{ QueueUrl: 'https://sqs/eb-dlq', ReceiptHandle: 'rh-m2', VisibilityTimeout: 0 }]);
    assert.equal(sqsMock.commandCalls(ReceiveMessageCommand)[0]!.args[0].input.QueueUrl, 'https://sqs/eb-dlq');
  });

  it('--dry-run invokes nothing, deletes nothing, and gives every message back', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [ebMessage('m1', 1)] }).resolvesOnce({ Messages: [ebMessage('m2', 2)] }).resolves({ Messages: [] });
    const { invoker, calls } = fakeInvoker(() => ({}));
    const lines: string[] = [];
    const r = await redriveQueue('eventbridge', OUTPUTS, { sqs, streams, invoker, log: (l) => lines.push(l) }, { dryRun: true });
    assert.deepEqual(r, { redriven: 0, failed: 0, messages: 2 });
    assert.equal(calls.length, 0);
    assert.equal(sqsMock.commandCalls(DeleteMessageCommand).length, 0);
    assert.deepEqual(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.ReceiptHandle).sort(), ['rh-m1', 'rh-m2']);
    assert.match(lines[0]!, /^m1  2026-01-01T00:00:00\.000Z  event ev-1 \(AWS Console Sign In via CloudTrail from aws\.signin\)  would be redriven$/);
  });

  it('poller: the schedule input goes back to the poller function', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'p1', ReceiptHandle: 'rh-p1', Body: '{"sourceId":"acme-duo"}' }] }).resolves({});
    const { invoker, calls } = fakeInvoker(() => ({ payload: { accepted: 0 } }));
    assert.deepEqual(await redriveQueue('poller', OUTPUTS, { sqs, streams, invoker, log: quiet }), { redriven: 1, failed: 0, messages: 1 });
    assert.deepEqual(calls, [{ fn: 'poller-fn', payload: { sourceId: 'acme-duo' } }]);
  });

  const failure = { DDBStreamBatchInfo: { shardId: 'shard-1', startSequenceNumber: '100', endSequenceNumber: '300', streamArn: 'arn:aws:dynamodb:us-east-1:1:table/t/stream/x', batchSize: 3 } };
  const rec = (seq: string, eventName: 'INSERT' | 'MODIFY' = 'INSERT') => ({ eventID: `e${seq}`, eventName, eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1', dynamodb: { SequenceNumber: seq, ApproximateCreationDateTime: new Date(1_767_225_600_000), NewImage: { pk: { S: `k${seq}` } } } });

  it('archiver: re-reads the failed batch\'s sequence range from the stream, INSERTs only, as Lambda hands it', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'a1', ReceiptHandle: 'rh-a1', Body: JSON.stringify(failure) }] }).resolves({});
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-1' }).resolves({ Records: [rec('100'), rec('200', 'MODIFY')], NextShardIterator: 'it-2' });
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-2' }).resolves({ Records: [rec('300'), rec('400')], NextShardIterator: 'it-3' });
    const { invoker, calls } = fakeInvoker(() => ({ payload: { batchItemFailures: [] } }));
    assert.deepEqual(await redriveQueue('archiver', OUTPUTS, { sqs, streams, invoker, log: quiet }), { redriven: 1, failed: 0, messages: 1 });
    assert.deepEqual(streamsMock.commandCalls(GetShardIteratorCommand)[0]!.args[0].input, { StreamArn: failure.DDBStreamBatchInfo.streamArn, ShardId: 'shard-1', ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: '100' });
    const records = (calls[0]!.payload as { Records: { eventID: string; eventSourceARN: string; dynamodb: { ApproximateCreationDateTime: number } }[] }).Records;
    assert.equal(calls[0]!.fn, 'arch-fn');
    assert.deepEqual(records.map((r) => r.eventID), ['e100', 'e300']);
    assert.equal(records[0]!.eventSourceARN, failure.DDBStreamBatchInfo.streamArn);
    assert.equal(records[0]!.dynamodb.ApproximateCreationDateTime, 1_767_225_600);
    assert.equal(sqsMock.commandCalls(DeleteMessageCommand).length, 1);
  });

  it('archiver: a batch that fails again (partial batch answer) stays; records past 24 h say what to do', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 'a1', ReceiptHandle: 'rh-a1', Body: JSON.stringify(failure) }, { MessageId: 'a2', ReceiptHandle: 'rh-a2', Body: JSON.stringify({ DDBStreamBatchInfo: { ...failure.DDBStreamBatchInfo, shardId: 'old' } }) }] }).resolves({});
    streamsMock.on(GetShardIteratorCommand, { ShardId: 'shard-1' }).resolves({ ShardIterator: 'it-1' });
    streamsMock.on(GetShardIteratorCommand, { ShardId: 'old' }).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));
    streamsMock.on(GetRecordsCommand).resolves({ Records: [rec('100'), rec('300')] });
    const { invoker } = fakeInvoker(() => ({ payload: { batchItemFailures: [{ itemIdentifier: '300' }] } }));
    const lines: string[] = [];
    assert.deepEqual(await redriveQueue('archiver', OUTPUTS, { sqs, streams, invoker, log: (l) => lines.push(l) }), { redriven: 0, failed: 2, messages: 2 });
    assert.equal(sqsMock.commandCalls(DeleteMessageCommand).length, 0);
    assert.match(lines.join('\n'), /a1 .*FAILED: 1 record\(s\) of the batch failed again/);
    assert.match(lines.join('\n'), /a2 .*FAILED: the stream no longer holds records 100\.\.300 of shard old \(it keeps 24 hours\): re-archive that time range from the hot table instead/);
  });

  it('a queue the outputs do not name fails before any message moves', async () => {
    const { invoker } = fakeInvoker(() => ({}));
    await assert.rejects(redriveQueue('feed-health', OUTPUTS, { sqs, streams, invoker, log: quiet }), /has no FeedHealthDlqUrl/);
    assert.equal(sqsMock.commandCalls(ReceiveMessageCommand).length, 0);
  });
});
