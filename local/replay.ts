/**
 * `authtrail quarantine replay [<id>]`: runs quarantined bodies and events through the current
 * normalizers and routing again (after a fix or a config change).
 *
 * A quarantined body (format 2) is re-parsed from its stored bytes and run whole: events that
 * were stored come back as duplicates (never rewritten), the rejected ones get another chance.
 * The body keeps its original received time, so what still fails is written back to the very
 * same object (its id is the body's content hash) with its new reasons; an object whose body now
 * stores completely, or that moved (an unrouted event now routed), is removed. `<id>#<n>` names
 * one reason of a body; the whole body is replayed, since its index is rebuilt as one.
 * EventBridge events no source claimed are routed again. Objects of the earlier format (one
 * copy per entry) are replayed entry by entry, and what still fails is quarantined in the new
 * format. In AWS, bucket versioning keeps the history of every replaced or removed object.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseBody } from '../lambdas/core/body.ts';
import { findSource, type Config, type Source } from '../lambdas/core/config.ts';
import { isEnvelope, routeEventBridge } from '../lambdas/core/eventbridge.ts';
import { quarantineId, UNROUTED_TENANT, type Ingest, type IngestResult } from '../lambdas/core/ingest.ts';
import { parseQuarantine, QUARANTINE_PREFIX, quarantineKey, quarantinedBody, type StoredQuarantineV1, type StoredQuarantineV2 } from '../lambdas/adapters/quarantine.ts';

export interface ReplayResult extends IngestResult { objects: number; entries: number }

export class ReplayError extends Error {
  override name = 'ReplayError';
}

export async function replayQuarantine(o: { s3: S3Client; bucket: string; config: Config; ingest: Ingest; id?: string }): Promise<ReplayResult> {
  const total: ReplayResult = { objects: 0, entries: 0, accepted: 0, duplicates: 0, quarantined: 0 };
  const add = (r: IngestResult) => { total.accepted += r.accepted; total.duplicates += r.duplicates; total.quarantined += r.quarantined; };
  const [wanted, part] = o.id?.split('#') ?? [];
  const only = part === undefined ? undefined : Number(part);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await o.s3.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: QUARANTINE_PREFIX, ContinuationToken: token }));
    for (const obj of page.Contents ?? []) if (obj.Key && (!wanted || obj.Key.endsWith(`/${wanted}.json`))) keys.push(obj.Key);
    token = page.NextContinuationToken;
  } while (token);
  if (wanted && !keys.length) throw new ReplayError(`no quarantined object with id ${wanted}`);

  /** Replays one format 2 object; true when it must stay (it was rewritten in place, or could not run). */
  async function replayBody(key: string, rec: StoredQuarantineV2): Promise<boolean> {
    const bytes = quarantinedBody(rec);
    const receivedTime = rec.received_time;
    total.entries += rec.quarantined;
    const keyOf = (tenant: string, sourceId: string, encoding: string | null) =>
      quarantineKey({ tenant, received_time: receivedTime, id: quarantineId(sourceId, encoding, bytes) });

    if (rec.source_id === UNROUTED_TENANT) {
      const parsed = parseBody(bytes);
      const payload = parsed.ok ? parsed.payload : undefined;
      const source = isEnvelope(payload) ? routeEventBridge(o.config, payload) : undefined;
      if (source) {
        const r = await o.ingest.ingestPayload(source, payload, { origin: 'eventbridge', receivedTime, body: bytes });
        add(r);
        return r.quarantined > 0 && keyOf(source.tenant, source.id, null) === key;
      }
      const reason = isEnvelope(payload) ? `no configured source matches EventBridge source "${payload.source}"` : (rec.reasons[0]?.reason ?? 'not an EventBridge event envelope');
      add(await o.ingest.quarantineUnrouted(payload, reason, { receivedTime, body: bytes }));
      return keyOf(UNROUTED_TENANT, UNROUTED_TENANT, null) === key;
    }

    const source = findSource(o.config, rec.source_id);
    if (!source) {
      // Kept as it is (bytes, encoding and source id), until the source is configured again.
      add({ accepted: 0, duplicates: 0, quarantined: rec.quarantined });
      return true;
    }
    if (rec.origin === 'webhook') {
      const res = await o.ingest.ingestBody(source, bytes, { contentEncoding: rec.content_encoding, receivedTime });
      if (res.status >= 500) throw new ReplayError(`${key}: ${res.body['message']} (${(res.problems ?? []).join('; ')})`);
      if (res.status === 413) {
        // Over today's limits: kept as it is.
        add({ accepted: 0, duplicates: 0, quarantined: rec.quarantined });
        return true;
      }
      add(res.result);
      return res.result.quarantined > 0 && keyOf(source.tenant, source.id, rec.content_encoding) === key;
    }
    const parsed = parseBody(bytes);
    if (!parsed.ok) throw new ReplayError(`${key}: the stored ${rec.origin} body is not JSON: ${parsed.reason}`);
    const r = await o.ingest.ingestPayload(source, parsed.payload, { origin: rec.origin, receivedTime, body: bytes });
    add(r);
    return r.quarantined > 0 && keyOf(source.tenant, source.id, null) === key;
  }

  /** Replays (part of) an object written by an earlier version; true when it must stay. */
  async function replayEntries(rec: StoredQuarantineV1): Promise<boolean> {
    const receivedTime = rec.received_time;
    // Replaying part of an old object keeps the rest of it quarantined.
    let keep = only !== undefined;
    for (const [i, e] of rec.entries.entries()) {
      if (only !== undefined && i !== only) continue;
      total.entries++;
      if (rec.source_id === UNROUTED_TENANT) {
        const source = isEnvelope(e.payload) ? routeEventBridge(o.config, e.payload) : undefined;
        add(source ? await o.ingest.ingestPayload(source, e.payload, { origin: 'eventbridge', receivedTime }) : await o.ingest.quarantineUnrouted(e.payload, e.reason, { receivedTime }));
        continue;
      }
      const source: Source | undefined = findSource(o.config, rec.source_id);
      if (!source) { add(await o.ingest.quarantineUnrouted(e.payload, `source ${rec.source_id} is no longer configured`, { receivedTime })); continue; }
      if (typeof e.payload === 'string') {
        // A body that was not JSON, or one NDJSON line.
        const res = await o.ingest.ingestBody(source, Buffer.from(e.payload), { receivedTime });
        if (res.status >= 500) throw new ReplayError(`${rec.id}#${i}: ${res.body['message']}`);
        if (res.status === 413) { keep = true; add({ accepted: 0, duplicates: 0, quarantined: 1 }); continue; }
        add(res.result);
      } else {
        add(await o.ingest.ingestPayload(source, [e.payload], { origin: 'webhook', receivedTime }));
      }
    }
    return keep;
  }

  for (const key of keys.sort()) {
    const got = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
    const rec = parseQuarantine(await got.Body!.transformToString());
    const keep = rec.format === 2 ? await replayBody(key, rec) : await replayEntries(rec);
    if (!keep) await o.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: key }));
    total.objects++;
  }
  return total;
}
