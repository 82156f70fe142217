/**
 * Exactly-once archiving from a DynamoDB stream, by construction.
 *
 * Lambda (and the local stream poller) hands a shard's records to one invocation at a time, in
 * order; a failed, timed-out or crashed batch comes back starting at the same record, possibly
 * bisected or, after a restart, with a different end. So the archiver cuts each batch into
 * *segments* and commits every segment atomically (digest heads + a commit record, one DynamoDB
 * transaction) under a key derived from the segment's first record. A later batch that starts at
 * a committed record skips exactly the records that commit covers; archive objects are named by
 * the first stream record of their tenant-day group, so an uncommitted object left by a crash is
 * overwritten by the retry instead of becoming a second copy.
 *
 * Records are identified by their stream sequence number plus a short hash of the item key:
 * sequence numbers are ordered within a shard, and the key hash keeps records of different shards
 * apart even if their numbers coincided.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** One stream record as the archiver sees it. */
export interface StreamPosition {
  /** `dynamodb.SequenceNumber`. */
  readonly seq: string;
  /** The hot-table item key (`dynamodb.Keys`: `pk`, and `#sk` after it when the table has a sort key). */
  readonly pk: string;
}

const keyHash = (pk: string) => createHash('sha256').update(pk).digest('hex').slice(0, 8);
const streamHash = (stream: string) => createHash('sha256').update(stream).digest('hex').slice(0, 12);

/** The state-table key of the commit record of a segment that starts at `first`. */
export const commitKey = (stream: string, first: StreamPosition) => `archive-commit#${streamHash(stream)}#${first.seq}#${keyHash(first.pk)}`;

/** The record's identity inside a commit. */
export const recordId = (r: StreamPosition) => `${r.seq} ${keyHash(r.pk)}`;

/** Sequence numbers are decimal strings of up to 40 digits: compare them as numbers. */
export function compareSeq(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The records a commit covers, in stream order; stored deflated (a 10,000-record batch is a few tens of KB). */
export function encodeCovered(ids: readonly string[]): Uint8Array {
  return deflateRawSync(Buffer.from(ids.join('\n')));
}

export function decodeCovered(bytes: Uint8Array): string[] {
  const s = inflateRawSync(bytes).toString('utf8');
  return s ? s.split('\n') : [];
}

/** The part of a committed segment that lies after `last`: what a bisected batch's next half will start with. */
export function coveredAfter(covered: readonly string[], last: StreamPosition): string[] {
  const seq = last.seq;
  return covered.filter((id) => compareSeq(id.slice(0, id.indexOf(' ')), seq) > 0);
}

/** A covered record id back to the key a pointer for it is stored under. */
export function commitKeyForId(stream: string, id: string): string {
  const [seq, hash] = id.split(' ');
  return `archive-commit#${streamHash(stream)}#${seq}#${hash}`;
}

/**
 * The archive object of one tenant-day group: named by the group's first stream record, so every
 * retry, re-read or bisection of an uncommitted batch writes the same key (and replaces what a
 * crash left there), and no two groups ever share one.
 */
export function anchoredPartName(stream: string, first: StreamPosition): string {
  return `part-${createHash('sha256').update(`${stream}\n${first.seq}\n${first.pk}`).digest('hex').slice(0, 32)}`;
}
