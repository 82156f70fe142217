/**
 * The scheduled OCSF export's I/O (see core/ocsf-lake.ts for the layout and when a day is
 * written): list a tenant-day's archive objects, HEAD its exported objects in the Security Lake
 * bucket, and when they do not hold the current listing, read the day's archive objects (hyparquet,
 * `raw` left unread: OCSF events do not carry it), map them (core/ocsf.ts) and write one Parquet
 * object per class (core/ocsf-parquet.ts), overwriting the last export of the day.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readParquetColumns } from '../core/parquet.ts';
import { ARCHIVE_COLUMNS, EVENTS_PREFIX } from '../core/archive.ts';
import { canonical, type AuthEvent } from '../core/event.ts';
import { toOcsf, type OcsfClass, type OcsfEvent } from '../core/ocsf.ts';
import { ocsfToParquet } from '../core/ocsf-parquet.ts';
import {
  exportedFromMetadata, isExported, lakeKey, listingDigest, META_CLASSES, META_DIGEST, META_EVENTS,
  type ExportedObject, type LakeTarget, type ListedObject,
} from '../core/ocsf-lake.ts';

export interface LakeExportDeps {
  /** Reads the archive bucket. */
  readonly archiveS3: S3Client;
  readonly archiveBucket: string;
  /** Writes the Security Lake bucket (its own region). */
  readonly lakeS3: S3Client;
  readonly target: LakeTarget;
}

export interface DayResult {
  tenant: string;
  day: string;
  /** `skipped`: the export already holds this listing; `empty`: no archive objects; `written`: exported now. */
  status: 'skipped' | 'empty' | 'written';
  archiveObjects: number;
  events: number;
  /** Events of the day with no OCSF class (category `other` or none). */
  unclassified: number;
  objects: { class: OcsfClass; key: string; events: number; bytes: number }[];
}

async function listAll(s3: S3Client, bucket: string, prefix: string, delimiter?: string): Promise<{ objects: ListedObject[]; prefixes: string[] }> {
  const objects: ListedObject[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) objects.push({ key: o.Key, etag: o.ETag ?? '' });
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
    token = page.NextContinuationToken;
  } while (token);
  return { objects, prefixes };
}

/** Tenants that have anything in the archive (`events/tenant=<t>/`). */
export async function archiveTenants(s3: S3Client, bucket: string): Promise<string[]> {
  const { prefixes } = await listAll(s3, bucket, EVENTS_PREFIX, '/');
  return prefixes.map((p) => /tenant=([^/]+)\/$/.exec(p)?.[1]).filter((t): t is string => !!t);
}

const COLUMNS = ARCHIVE_COLUMNS.map((c) => c.name).filter((n) => n !== 'raw');

/** A tenant's archived events of one object, as canonical events (`raw` not read). */
async function readArchiveObject(s3: S3Client, bucket: string, key: string, tenant: string): Promise<AuthEvent[]> {
  const bytes = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
  const rows = await readParquetColumns(bytes, COLUMNS);
  return rows.map((r) => {
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v));
    const p = { ...r, event_time: iso(r['event_time']), ingest_time: iso(r['ingest_time']), raw: null } as Record<string, unknown>;
    return { tenant, source_id: String(p['source_id']), source: p['source'] as AuthEvent['source'], ingest_time: String(p['ingest_time']), ...canonical(p as never) };
  });
}

async function headExported(s3: S3Client, bucket: string, key: string): Promise<ExportedObject> {
  try {
    const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return exportedFromMetadata(h.Metadata);
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
    throw err;
  }
}

/** Exports one tenant-day if its archive listing is not what the last export held; `force` writes it regardless. */
export async function exportTenantDay(d: LakeExportDeps, tenant: string, day: string, force = false): Promise<DayResult> {
  const t = d.target;
  const { objects: listed } = await listAll(d.archiveS3, d.archiveBucket, `${EVENTS_PREFIX}tenant=${tenant}/dt=${day}/`);
  const archive = listed.filter((o) => o.key.endsWith('.parquet'));
  const result: DayResult = { tenant, day, status: 'empty', archiveObjects: archive.length, events: 0, unclassified: 0, objects: [] };
  if (!archive.length) return result;
  const digest = listingDigest(archive);
  const classes = Object.keys(t.sources) as OcsfClass[];
  if (!force) {
    const heads: Partial<Record<OcsfClass, ExportedObject>> = Object.fromEntries(
      await Promise.all(classes.map(async (c) => [c, await headExported(d.lakeS3, t.bucket, lakeKey(t, t.sources[c]!, day, tenant))] as const)));
    if (isExported(digest, heads, true)) return { ...result, status: 'skipped' };
  }
  const byClass = new Map<OcsfClass, OcsfEvent[]>();
  for (const o of archive) {
    for (const e of await readArchiveObject(d.archiveS3, d.archiveBucket, o.key, tenant)) {
      result.events++;
      const r = toOcsf(e);
      if (r.kind === 'skip') { result.unclassified++; continue; }
      if (!t.sources[r.class]) continue;
      let list = byClass.get(r.class);
      if (!list) byClass.set(r.class, (list = []));
      list.push(r.event);
    }
  }
  // The classes this export writes, named in every object, so a partial write is seen as one.
  const written = [...byClass.keys()].sort();
  for (const c of written) {
    const events = byClass.get(c)!;
    const body = ocsfToParquet(c, events);
    const key = lakeKey(t, t.sources[c]!, day, tenant);
    await d.lakeS3.send(new PutObjectCommand({
      Bucket: t.bucket, Key: key, Body: body, ContentType: 'application/vnd.apache.parquet',
      Metadata: { [META_DIGEST]: digest, [META_CLASSES]: written.join(','), [META_EVENTS]: String(events.length) },
    }));
    result.objects.push({ class: c, key, events: events.length, bytes: body.byteLength });
  }
  return { ...result, status: 'written' };
}
