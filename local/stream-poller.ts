/**
 * Reads DynamoDB Local's stream the way Lambda's event-source mapping does: per shard, in order,
 * batches bounded by count, payload (6 MB) and a batching window, INSERT-only filtering. A failed
 * batch is retried from its first failed record (ReportBatchItemFailures: the records before it
 * are checkpointed), bisected on every consecutive failure (BisectBatchOnFunctionError), with
 * backoff; locally it is never dropped. Checkpoints live in the state table, so a restart resumes
 * where the last successful batch ended and re-reads the rest, as Lambda does after an outage.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand, DynamoDBStreamsClient, ExpiredIteratorException, GetRecordsCommand, GetShardIteratorCommand,
  type _Record as StreamRecord, type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compareSeq } from '../lambdas/core/stream-commit.ts';

export interface StreamConsumer {
  readonly name: string;
  handle(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse>;
  /** Like the deployed event-source filter; records it rejects still advance the checkpoint. */
  accept?(record: DynamoDBRecord): boolean;
}

export interface PollerOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly table: string;
  readonly state: { client: DynamoDBDocumentClient; table: string };
  readonly consumers: readonly StreamConsumer[];
  readonly batchSize?: number;
  readonly maxBatchBytes?: number;
  readonly windowMs?: number;
  /** A shorter batching window for some consumers (the detector), by name. */
  readonly windowMsFor?: Readonly<Record<string, number>>;
  /** A smaller batch size for some consumers (the detector), by name. */
  readonly batchSizeFor?: Readonly<Record<string, number>>;
  readonly pollMs?: number;
  readonly onError?: (err: unknown) => void;
}

interface Buffered { shardId: string; record: DynamoDBRecord; size: number }

/** The SDK's stream record → the shape Lambda hands a function (epoch-second creation time). */
export function toLambdaRecord(r: StreamRecord, arn: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  return {
    eventID: r.eventID, eventName: r.eventName as DynamoDBRecord['eventName'], eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb', awsRegion: r.awsRegion, eventSourceARN: arn,
    dynamodb: {
      ...(d as unknown as NonNullable<DynamoDBRecord['dynamodb']>),
      ApproximateCreationDateTime: d.ApproximateCreationDateTime ? Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) : undefined,
    },
  } as DynamoDBRecord;
}

export function startStreamPoller(o: PollerOptions) {
  const batchSize = o.batchSize ?? 10_000;
  const maxBatchBytes = o.maxBatchBytes ?? 5 * 1024 * 1024;
  const windowMs = o.windowMs ?? 5_000;
  const pollMs = o.pollMs ?? 500;
  const clientConfig = { endpoint: o.endpoint, region: o.region, credentials: o.credentials };
  const streams = new DynamoDBStreamsClient(clientConfig);
  const ddb = new DynamoDBClient(clientConfig);
  const checkpointKey = (consumer: string, shardId: string) => `stream-checkpoint#${consumer}#${shardId}`;

  let streamArn: string | undefined;
  // Where each consumer stands in each shard (`${consumer}|${shard}`): the newest record it has
  // buffered or checkpointed. Consumers at the same place share one read (one GetRecords for all).
  const positions = new Map<string, { last: string | null; closed: boolean }>();
  // Iterators by the place they read from (`${shard}|${last ?? '^'}`).
  const iterators = new Map<string, string>();
  // How often in a row DynamoDB Local declared an iterator trimmed, per place.
  const trims = new Map<string, number>();
  const buffers = new Map<string, { items: Buffered[]; since: number }>(o.consumers.map((c) => [c.name, { items: [], since: 0 }]));
  // Per consumer: the size of the next (bisected) batch after failures, and when to retry.
  const retry = new Map<string, { limit: number; failures: number; notBefore: number }>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function shards(): Promise<Shard[]> {
    if (!streamArn) {
      const t = await ddb.send(new DescribeTableCommand({ TableName: o.table }));
      streamArn = t.Table?.LatestStreamArn;
      if (!streamArn) throw new Error(`table ${o.table} has no stream`);
    }
    const out: Shard[] = [];
    let start: string | undefined;
    do {
      const r = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      out.push(...(r.StreamDescription?.Shards ?? []));
      start = r.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return out;
  }

  async function position(consumer: string, shardId: string) {
    const k = `${consumer}|${shardId}`;
    let p = positions.get(k);
    if (!p) {
      const cp = (await o.state.client.send(new GetCommand({ TableName: o.state.table, Key: { pk: checkpointKey(consumer, shardId) }, ConsistentRead: true }))).Item;
      positions.set(k, (p = { last: (cp?.['seq'] as string | undefined) ?? null, closed: !!cp?.['closed'] }));
    }
    return p;
  }

  /** An iterator reading after `last` (from the oldest record when null). */
  async function iteratorAt(shardId: string, last: string | null): Promise<string | null> {
    const k = `${shardId}|${last ?? '^'}`;
    const cached = iterators.get(k);
    if (cached) return cached;
    // Once trimmed, an iterator is retaken at the same place; trimmed again, from the horizon
    // (records up to `last` are then skipped again, and the archive's commits skip the rest).
    const after = last && (trims.get(k) ?? 0) < 2
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: last }
      : { ShardIteratorType: 'TRIM_HORIZON' as const };
    let r;
    try {
      r = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ...after }));
    } catch (err) {
      if ((err as { name?: string }).name !== 'TrimmedDataAccessException') throw err;
      o.onError?.(new Error(`stream shard ${shardId}: records after ${last} are older than the stream's trim horizon; resuming from the oldest record kept`));
      r = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    }
    return r.ShardIterator ?? null;
  }

  /**
   * Reads every shard until it has nothing new, into each consumer's buffer. Consumers at the same
   * place are served by one read; one that fell behind (a full buffer, a restart) reads on its own
   * until it catches up.
   */
  async function read(): Promise<void> {
    for (const shard of await shards()) {
      const shardId = shard.ShardId!;
      const caughtUp = new Set<string>();
      for (let pages = 0; pages < 100 * o.consumers.length; pages++) {
        const ready: { c: StreamConsumer; p: { last: string | null; closed: boolean }; buf: { items: Buffered[]; since: number } }[] = [];
        for (const c of o.consumers) {
          const p = await position(c.name, shardId);
          const buf = buffers.get(c.name)!;
          if (!p.closed && !caughtUp.has(c.name) && buf.items.length < batchSize * 2) ready.push({ c, p, buf });
        }
        if (!ready.length) break;
        const last = ready[0]!.p.last;
        const group = ready.filter((x) => x.p.last === last);
        const k = `${shardId}|${last ?? '^'}`;
        const it = await iteratorAt(shardId, last);
        iterators.delete(k);
        if (!it) { for (const x of group) caughtUp.add(x.c.name); continue; }
        let r;
        try {
          r = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
        } catch (err) {
          const name = (err as { name?: string }).name;
          if (err instanceof ExpiredIteratorException || name === 'ExpiredIteratorException') continue;
          // DynamoDB Local can declare a held iterator trimmed (seen after heavy writes to another table).
          if (name === 'TrimmedDataAccessException') { trims.set(k, (trims.get(k) ?? 0) + 1); continue; }
          throw err;
        }
        trims.delete(k);
        const records = r.Records ?? [];
        const lastRead = records.length ? records[records.length - 1]!.dynamodb!.SequenceNumber! : null;
        // Never backwards: an iterator taken at the horizon after a trim re-reads what the group has.
        const newLast = lastRead === null || (last !== null && compareSeq(lastRead, last) <= 0) ? last : lastRead;
        for (const { p, buf } of group) {
          // Read from the horizon after a trim: what a consumer already has is skipped.
          const fresh = records.filter((rec) => p.last === null || compareSeq(rec.dynamodb!.SequenceNumber!, p.last) > 0);
          if (fresh.length && !buf.items.length) buf.since = Date.now();
          for (const rec of fresh) buf.items.push({ shardId, record: toLambdaRecord(rec, streamArn!), size: rec.dynamodb?.SizeBytes ?? 0 });
          p.last = newLast;
          if (!r.NextShardIterator) {
            // A closed shard is done once its records are delivered (the checkpoint marks it then).
            buf.items.push({ shardId, record: { eventName: undefined } as unknown as DynamoDBRecord, size: -1 });
            p.closed = true;
          }
        }
        if (r.NextShardIterator) iterators.set(`${shardId}|${newLast ?? '^'}`, r.NextShardIterator);
        if (!records.length) for (const x of group) caughtUp.add(x.c.name);
      }
    }
  }

  async function commit(consumer: string, delivered: Buffered[]): Promise<void> {
    const last = new Map<string, { seq?: string; closed?: boolean }>();
    for (const b of delivered) {
      const cur = last.get(b.shardId) ?? {};
      if (b.size === -1) cur.closed = true;
      else cur.seq = b.record.dynamodb?.SequenceNumber ?? cur.seq;
      last.set(b.shardId, cur);
    }
    for (const [shardId, v] of last) {
      const prev = (await o.state.client.send(new GetCommand({ TableName: o.state.table, Key: { pk: checkpointKey(consumer, shardId) }, ConsistentRead: true }))).Item;
      await o.state.client.send(new PutCommand({ TableName: o.state.table, Item: { pk: checkpointKey(consumer, shardId), seq: v.seq ?? prev?.['seq'], closed: !!v.closed, updated: new Date().toISOString() } }));
    }
  }

  /** Delivers full batches (or everything, when forced or the window has passed); records delivered per consumer. */
  async function deliver(force: boolean): Promise<Map<string, number>> {
    const delivered = new Map<string, number>();
    let firstError: unknown;
    // One consumer's failure never holds up the others (Lambda runs each mapping on its own).
    for (const c of o.consumers) {
      try {
        await deliverTo(c, force, delivered);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError) throw firstError;
    return delivered;
  }

  async function deliverTo(c: StreamConsumer, force: boolean, delivered: Map<string, number>): Promise<void> {
    {
      const buf = buffers.get(c.name)!;
      const window = o.windowMsFor?.[c.name] ?? windowMs;
      const size = Math.min(batchSize, o.batchSizeFor?.[c.name] ?? batchSize);
      const r = retry.get(c.name);
      if (r && Date.now() < r.notBefore) return;
      while (buf.items.length && (force || buf.items.length >= size || Date.now() - buf.since >= window)) {
        const limit = Math.min(size, retry.get(c.name)?.limit ?? size);
        let bytes = 0;
        let n = 0;
        while (n < buf.items.length && n < limit && (n === 0 || bytes + buf.items[n]!.size <= maxBatchBytes)) bytes += Math.max(0, buf.items[n++]!.size);
        const batch = buf.items.slice(0, n);
        const records = batch.filter((b) => b.size !== -1).map((b) => b.record).filter((r) => (c.accept ? c.accept(r) : true));
        let failedAt = -1;
        if (records.length) {
          let err: unknown;
          try {
            const res = await c.handle({ Records: records });
            const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
            if (failed.size) failedAt = batch.findIndex((b) => failed.has(b.record.dynamodb?.SequenceNumber ?? ''));
            if (failed.size && failedAt < 0) failedAt = 0;
          } catch (e) {
            err = e;
            failedAt = 0;
          }
          if (failedAt >= 0) {
            // Records before the first failure are done; the rest comes back bisected, after a pause.
            if (failedAt > 0) { await commit(c.name, batch.slice(0, failedAt)); buf.items.splice(0, failedAt); }
            const prev = retry.get(c.name);
            const failures = (prev?.failures ?? 0) + 1;
            retry.set(c.name, { limit: Math.max(1, Math.ceil((n - failedAt) / 2)), failures, notBefore: Date.now() + Math.min(30_000, 250 * 2 ** Math.min(failures, 7)) });
            delivered.set(c.name, (delivered.get(c.name) ?? 0) + failedAt);
            throw new Error(`${c.name}: batch failed from record ${failedAt + 1} of ${n}; it is retried from there${err ? `: ${(err as Error).message}` : ''}`);
          }
        }
        await commit(c.name, batch);
        buf.items.splice(0, n);
        buf.since = Date.now();
        // A bisected retry succeeded: the next batch may be full again.
        retry.delete(c.name);
        delivered.set(c.name, (delivered.get(c.name) ?? 0) + records.length);
      }
    }
  }

  async function cycle(force: boolean): Promise<Map<string, number>> {
    await read();
    return deliver(force);
  }

  // Cycles never overlap: each waits for the previous one.
  const enqueue = (force: boolean) => {
    const next = running.then(() => cycle(force));
    running = next.then(() => undefined, () => undefined);
    return next;
  };

  const timer = setInterval(() => {
    if (!stopped) enqueue(false).catch((err) => o.onError?.(err));
  }, pollMs);

  return {
    /**
     * Reads everything the stream holds and delivers it now; resolves with the records this
     * flush delivered to each consumer (a consumer with a short window may have had them already).
     */
    async flush(o2: { timeoutMs?: number } = {}): Promise<Record<string, number>> {
      const total: Record<string, number> = Object.fromEntries(o.consumers.map((c) => [c.name, 0]));
      const deadline = Date.now() + (o2.timeoutMs ?? 60_000);
      let lastError: unknown;
      for (;;) {
        // A consumer backing off after a failure is waited for, up to the deadline.
        const wait = Math.max(0, ...[...retry.values()].map((r) => r.notBefore - Date.now()));
        if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
        let n: Map<string, number>;
        try {
          n = await enqueue(true);
          lastError = undefined;
        } catch (err) {
          lastError = err;
          n = new Map();
        }
        for (const [k, v] of n) total[k] = (total[k] ?? 0) + v;
        if (!lastError && ![...n.values()].some(Boolean) && [...buffers.values()].every((b) => !b.items.length)) break;
        if (Date.now() >= deadline) {
          if (lastError) throw lastError;
          break;
        }
      }
      return total;
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running;
      streams.destroy();
      ddb.destroy();
    },
  };
}
