/**
 * `authtrail quarantine replay [<id>]`: runs quarantined bodies and events through the current
 * normalizers and routing again (after a fix or a config change). An entry that now stores is
 * done; one that fails again is quarantined again with its new reason; the replayed object is
 * then removed from `quarantine/` (in AWS, bucket versioning keeps its history).
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseBody } from '../lambdas/core/body.ts';
import { findSource, type Config } from '../lambdas/core/config.ts';
import { isEnvelope, routeEventBridge } from '../lambdas/core/eventbridge.ts';
import { UNROUTED_TENANT, type Ingest, type IngestResult } from '../lambdas/core/ingest.ts';
import { QUARANTINE_PREFIX, type StoredQuarantine } from '../lambdas/adapters/quarantine.ts';

export interface ReplayResult extends IngestResult { objects: number; entries: number }

export async function replayQuarantine(o: { s3: S3Client; bucket: string; config: Config; ingest: Ingest; id?: string }): Promise<ReplayResult> {
  const total: ReplayResult = { objects: 0, entries: 0, accepted: 0, duplicates: 0, quarantined: 0 };
  const add = (r: IngestResult) => { total.accepted += r.accepted; total.duplicates += r.duplicates; total.quarantined += r.quarantined; };
  const wanted = o.id?.split('#')[0];
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await o.s3.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: QUARANTINE_PREFIX, ContinuationToken: token }));
    for (const obj of page.Contents ?? []) if (obj.Key && (!wanted || obj.Key.endsWith(`/${wanted}.json`))) keys.push(obj.Key);
    token = page.NextContinuationToken;
  } while (token);
  if (wanted && !keys.length) throw new Error(`no quarantined object with id ${wanted}`);
  for (const key of keys.sort()) {
    const got = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
    const rec = JSON.parse(await got.Body!.transformToString()) as StoredQuarantine;
    const only = o.id?.includes('#') ? Number(o.id.split('#')[1]) : undefined;
    const entries = rec.entries.map((e, i) => ({ e, i })).filter(({ i }) => only === undefined || i === only);
    for (const { e } of entries) {
      total.entries++;
      if (rec.source_id === UNROUTED_TENANT) {
        const source = isEnvelope(e.payload) ? routeEventBridge(o.config, e.payload) : undefined;
        add(source ? await o.ingest.ingestPayload(source, e.payload) : await o.ingest.quarantineUnrouted(e.payload, e.reason));
        continue;
      }
      const source = findSource(o.config, rec.source_id);
      if (!source) { add(await o.ingest.quarantineUnrouted(e.payload, `source ${rec.source_id} is no longer configured`)); continue; }
      if (typeof e.payload === 'string') {
        // A body that was not JSON, or one NDJSON line.
        const parsed = parseBody(Buffer.from(e.payload));
        add(parsed.ok ? await o.ingest.ingestPayload(source, parsed.payload) : await o.ingest.ingestPayload(source, [], [{ reason: `invalid_body: ${parsed.reason}`, payload: e.payload }]));
      } else {
        add(await o.ingest.ingestPayload(source, [e.payload]));
      }
    }
    // Replaying part of an object keeps the rest of it quarantined.
    if (only === undefined) await o.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: key }));
    total.objects++;
  }
  return total;
}
