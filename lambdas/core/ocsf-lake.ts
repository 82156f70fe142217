/**
 * The scheduled OCSF export to an Amazon Security Lake bucket: where each tenant-day goes and
 * when it must be written (again). Pure; the I/O is in adapters/ocsf-lake.ts.
 *
 * One object per class per tenant-day, at a key that depends only on (source, region, account,
 * day, tenant): a re-run overwrites it, never adds a second copy. The archive is append-only
 * (late events add objects to the day they happened), so "the day's archive listing changed" is
 * exactly "the day has events the last export did not hold". Each written object carries, in its
 * S3 metadata, the digest of the archive listing it was made from and the classes that export
 * wrote: a day is exported when every class of that export is present with the current digest. A
 * crash between two classes' writes, or a late archive object, leaves the day not exported, and
 * the next run writes it whole again. No manifest object sits in the source's prefix (the Glue
 * crawler Security Lake runs there reads every object as data).
 */
import { createHash } from 'node:crypto';
import { OCSF_CLASSES, type OcsfClass } from './ocsf.ts';

/** S3 user-metadata names (stored as `x-amz-meta-…`; S3 lower-cases them). */
export const META_DIGEST = 'authtrail-archive-digest';
export const META_CLASSES = 'authtrail-classes';
export const META_EVENTS = 'authtrail-events';

/** The configured classes → their custom source names (a class mapped to no name is not exported). */
export type LakeSources = Partial<Record<OcsfClass, string>>;

export interface LakeTarget {
  readonly bucket: string;
  /** What precedes `<source>/` in the key: `ext/` in the Security Lake layout. */
  readonly prefix: string;
  readonly region: string;
  readonly accountId: string;
  readonly sources: LakeSources;
}

/** `yyyymmdd` of a `YYYY-MM-DD` day. */
export const eventDay = (day: string) => day.replace(/-/g, '');

/** `<prefix><source>/region=<r>/accountId=<a>/eventDay=<yyyymmdd>/authtrail-<tenant>.parquet` — the same key `export ocsf` writes. */
export function lakeKey(t: Pick<LakeTarget, 'prefix' | 'region' | 'accountId'>, source: string, day: string, tenant: string): string {
  return `${t.prefix}${source}/region=${t.region}/accountId=${t.accountId}/eventDay=${eventDay(day)}/authtrail-${tenant}.parquet`;
}

/** The archive objects of a tenant-day as listed: key and ETag (a replaced object changes its ETag). */
export interface ListedObject { readonly key: string; readonly etag: string }

/** A digest of a tenant-day's archive listing: the same set of objects gives the same digest, in any order. */
export function listingDigest(objects: readonly ListedObject[]): string {
  const lines = objects.map((o) => `${o.key} ${o.etag.replace(/"/g, '')}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** What the HEAD of a class's object says: absent, or the digest and classes of the export that wrote it. */
export type ExportedObject = { readonly digest: string; readonly classes: readonly OcsfClass[] } | null;

/**
 * Whether a tenant-day with archive listing `digest` is already exported: some class's object
 * holds this digest and every class that export wrote is present with it. A day with no
 * archive objects has nothing to export.
 */
export function isExported(digest: string, objects: Partial<Record<OcsfClass, ExportedObject>>, hasArchive: boolean): boolean {
  if (!hasArchive) return true;
  const current = Object.values(objects).find((o) => o?.digest === digest);
  if (!current) return false;
  return current.classes.every((c) => objects[c]?.digest === digest);
}

/** Parses the S3 user metadata of an exported object (`null` when it carries none of ours). */
export function exportedFromMetadata(meta: Record<string, string> | undefined): ExportedObject {
  const digest = meta?.[META_DIGEST];
  if (!digest) return null;
  const classes = (meta[META_CLASSES] ?? '').split(',').filter((c): c is OcsfClass => c in OCSF_CLASSES);
  return { digest, classes };
}

const DAY_MS = 86_400_000;

/** The days a scheduled run looks at: the `lookbackDays` days before `now`'s UTC day (today is still arriving). */
export function windowDays(now: number, lookbackDays: number): string[] {
  const today = Date.parse(new Date(now).toISOString().slice(0, 10));
  const out: string[] = [];
  for (let i = lookbackDays; i >= 1; i--) out.push(new Date(today - i * DAY_MS).toISOString().slice(0, 10));
  return out;
}

/** Every day from `from` to `to`, both included (YYYY-MM-DD). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The default custom source name of each class (one source per class, as Security Lake wants). */
export const DEFAULT_SOURCES: Record<OcsfClass, string> = Object.fromEntries(
  (Object.keys(OCSF_CLASSES) as OcsfClass[]).map((c) => [c, OCSF_CLASSES[c].source]),
) as Record<OcsfClass, string>;

/**
 * The `eventClasses` value Security Lake's CreateCustomLogSource documents for each class, or
 * null where its list of supported classes has none (User Access Management, Group Management):
 * those sources are registered without `eventClasses`, which the API makes optional; the rows
 * still say their class in `class_uid`.
 */
export const SECURITY_LAKE_EVENT_CLASS: Record<OcsfClass, string | null> = {
  authentication: 'AUTHENTICATION',
  account_change: 'ACCOUNT_CHANGE',
  entity_management: 'ENTITY_MANAGEMENT_AUDIT',
  user_access: null,
  group_management: null,
};
