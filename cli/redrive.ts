/**
 * `authtrail redrive <queue> [--dry-run] --outputs <cdk-outputs.json>`: moves a dead-letter
 * queue's messages back to their source, the function that failed them. None of authtrail's
 * dead-letter queues is the DLQ of another SQS queue (they take what EventBridge, Scheduler and
 * the stream event sources could not deliver), so SQS's own redrive cannot move them; each kind
 * is re-sent the way its source would have delivered it:
 *
 * - `eventbridge`: the message is the EventBridge event: the intake function gets it again.
 * - `poller`, `feed-health`: the message is the schedule's input (`{"sourceId"}`, `{}`): the
 *   function runs once more with it (a poll resumes from its stored cursor).
 * - `archiver`, `detector`, `forwarder`: the message names a shard and a sequence range of the hot table's
 *   stream; those records are read again (the stream keeps them 24 hours) and handed to the
 *   function as Lambda would, new events (INSERT) only.
 *
 * A message is deleted only after its function succeeded; one that fails again stays in the
 * queue (visible again when the command ends) and the command exits 1. `--dry-run` lists what would be
 * re-sent and leaves every message where it is.
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { toLambdaRecord } from '../local/stream-poller.ts';
import type { DynamoDBRecord } from 'aws-lambda';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { lambdaInvoker, type Invoker } from './lambda.ts';
import { DLQS, readOutputs, type DlqName, type Outputs } from './outputs.ts';
import { pollerFunctionName } from './poll.ts';
import { loadConfig } from '../infra/config.ts';
import type { Config } from '../lambdas/core/config.ts';

const QUEUES = Object.keys(DLQS) as DlqName[];

/** How long a received message stays invisible to others while it is being re-sent. */
const VISIBILITY_SECONDS = 15 * 60;

export interface RedriveDeps {
  readonly sqs: SQSClient;
  readonly invoker: Invoker;
  readonly streams: DynamoDBStreamsClient;
  readonly log?: (line: string) => void;
}

export interface RedriveResult { readonly redriven: number; readonly failed: number; readonly messages: number }

/** What Lambda's stream event source wrote to the on-failure destination. */
interface StreamFailure { DDBStreamBatchInfo?: { shardId?: string; startSequenceNumber?: string; endSequenceNumber?: string; streamArn?: string; batchSize?: number } }

class RedriveMessageError extends Error {
  override name = 'RedriveMessageError';
}

const seqLte = (a: string, b: string) => BigInt(a) <= BigInt(b);

/** The stream records a failed batch held, read again from the stream. */
async function streamBatch(streams: DynamoDBStreamsClient, info: NonNullable<StreamFailure['DDBStreamBatchInfo']>): Promise<DynamoDBRecord[]> {
  const { shardId, startSequenceNumber: start, endSequenceNumber: end, streamArn } = info;
  if (!shardId || !start || !end || !streamArn) throw new RedriveMessageError('the message names no shard and sequence range');
  const records: DynamoDBRecord[] = [];
  try {
    let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: start }))).ShardIterator;
    for (let empty = 0; iterator && empty < 5;) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (!page.Records?.length) empty++;
      for (const r of page.Records ?? []) {
        const seq = r.dynamodb?.SequenceNumber;
        if (!seq || !seqLte(seq, end)) return records;
        if (r.eventName === 'INSERT') records.push(toLambdaRecord(r, streamArn));
        if (seq === end) return records;
      }
      iterator = page.NextShardIterator;
    }
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TrimmedDataAccessException' || name === 'ResourceNotFoundException') {
      throw new RedriveMessageError(`the stream no longer holds records ${start}..${end} of shard ${shardId} (it keeps 24 hours): re-archive that time range from the hot table instead`);
    }
    throw err;
  }
  return records;
}

/** What a message asks for: the function's payload and a line that names it without identity data. */
async function plan(queue: DlqName, m: Message, streams: DynamoDBStreamsClient, dry: boolean): Promise<{ payload: unknown; what: string; sourceId?: string }> {
  let body: unknown;
  try { body = JSON.parse(m.Body ?? ''); } catch { throw new RedriveMessageError('the message body is not JSON'); }
  if (queue === 'archiver' || queue === 'detector' || queue === 'forwarder') {
    const info = (body as StreamFailure).DDBStreamBatchInfo;
    if (!info) throw new RedriveMessageError('not a stream failure record (no DDBStreamBatchInfo)');
    const what = `shard ${info.shardId} records ${info.startSequenceNumber}..${info.endSequenceNumber} (${info.batchSize ?? '?'} in the batch)`;
    if (dry) return { payload: undefined, what };
    return { payload: { Records: await streamBatch(streams, info) }, what };
  }
  if (queue === 'eventbridge') {
    const e = body as { source?: string; 'detail-type'?: string; id?: string };
    return { payload: body, what: `event ${e.id ?? '?'} (${e['detail-type'] ?? '?'} from ${e.source ?? '?'})` };
  }
  if (queue === 'poller') {
    const sourceId = (body as { sourceId?: string }).sourceId;
    if (!sourceId) throw new RedriveMessageError('the message names no sourceId');
    return { payload: body, what: `poll ${sourceId}`, sourceId };
  }
  return { payload: body, what: 'feed-health check' };
}

/** Why a function's answer is a failure: its error, or the batch items it reports failed. */
function failureOf(error: string | undefined, payload: unknown): string | undefined {
  if (error) return error;
  const failures = (payload as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures;
  return failures?.length ? `${failures.length} record(s) of the batch failed again` : undefined;
}

export async function redriveQueue(queue: DlqName, outputs: Outputs, deps: RedriveDeps, o: { dryRun?: boolean; config?: Config } = {}): Promise<RedriveResult> {
  const log = deps.log ?? ((l: string) => console.log(l));
  const url = outputs.need(DLQS[queue].url, `the ${queue} dead-letter queue`);
  // Each tenant has its own poller: a poll goes back to the poller of its source's tenant.
  const fn = o.dryRun || queue === 'poller' ? '' : outputs.need(DLQS[queue].fn, `the function the ${queue} dead-letter queue feeds`);
  const target = (p: { sourceId?: string }) => {
    if (queue !== 'poller') return fn;
    try { return pollerFunctionName(outputs, p.sourceId!, o.config); } catch (err) { throw new RedriveMessageError((err as Error).message); }
  };
  const seen = new Set<string>();
  const held: Message[] = [];
  let redriven = 0;
  let failed = 0;
  const release = (m: Message) => deps.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
  try {
    for (;;) {
      const got = await deps.sqs.send(new ReceiveMessageCommand({
        QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: VISIBILITY_SECONDS,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'], MessageAttributeNames: ['All'],
      }));
      const messages = (got.Messages ?? []).filter((m) => m.MessageId && m.ReceiptHandle && !seen.has(m.MessageId));
      if (!messages.length) break;
      for (const m of messages) {
        seen.add(m.MessageId!);
        const sent = m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)).toISOString() : '?';
        const reason = m.MessageAttributes?.['ERROR_MESSAGE']?.StringValue ?? m.MessageAttributes?.['ErrorMessage']?.StringValue;
        try {
          const p = await plan(queue, m, deps.streams, !!o.dryRun);
          if (o.dryRun) {
            held.push(m);
            log(`${m.MessageId}  ${sent}  ${p.what}  would be redriven${reason ? ` (failed: ${reason.slice(0, 200)})` : ''}`);
            continue;
          }
          const r = await deps.invoker.invoke(target(p), p.payload);
          const why = failureOf(r.error, r.payload);
          if (why) throw new RedriveMessageError(why);
          await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
          redriven++;
          log(`${m.MessageId}  ${sent}  ${p.what}  redriven`);
        } catch (err) {
          if (!(err instanceof RedriveMessageError)) { await release(m).catch(() => undefined); throw err; }
          // Held invisible until the end, so that the next receive brings a message not yet tried.
          held.push(m);
          failed++;
          log(`${m.MessageId}  ${sent}  FAILED: ${err.message}`);
        }
      }
    }
  } finally {
    // What a dry run listed and what failed again stay in the queue, visible again from now.
    await Promise.allSettled(held.map(release));
  }
  return { redriven, failed, messages: seen.size };
}

export async function redrive(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('redrive', args, { 'dry-run': { type: 'boolean' }, ...OUTPUTS_OPTION }, ['<queue>']);
  const queue = positionals[0]!;
  if (!QUEUES.includes(queue as DlqName)) throw new UsageError(`redrive: unknown queue "${queue}" (the dead-letter queues: ${QUEUES.join(', ')})`);
  if (!values.outputs) throw new CliError('redrive works on a deployed stack: pass --outputs <cdk-outputs.json> (the local collector has no dead-letter queues; it retries in process)');
  const outputs = readOutputs(values.outputs);
  const dryRun = !!values['dry-run'];
  // Checked before anything is received, so that a missing output fails before any message moves.
  outputs.need(DLQS[queue as DlqName].url, `the ${queue} dead-letter queue`);
  if (!dryRun && queue !== 'poller') outputs.need(DLQS[queue as DlqName].fn, `the function the ${queue} dead-letter queue feeds`);
  const sqs = new SQSClient({});
  const streams = new DynamoDBStreamsClient({});
  const invoker: Invoker = dryRun ? { invoke: () => Promise.reject(new Error('a dry run invokes nothing')), close() {} } : await lambdaInvoker();
  try {
    const r = await redriveQueue(queue as DlqName, outputs, { sqs, streams, invoker }, { dryRun, ...(queue === 'poller' ? { config: loadConfig().config } : {}) });
    console.log(dryRun
      ? `redrive ${queue} (dry run): ${r.messages - r.failed} message(s) would be redriven${r.failed ? `, ${r.failed} could not be read` : ''}; nothing was changed`
      : `redrive ${queue}: ${r.redriven} message(s) redriven, ${r.failed} failed again and stay in the queue`);
    return r.failed ? 1 : 0;
  } finally {
    sqs.destroy(); streams.destroy(); invoker.close();
  }
}
