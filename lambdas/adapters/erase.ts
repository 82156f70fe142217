/**
 * Erasure of one data subject (`authtrail erase`, README "Privacy"): their events leave the
 * archive (rewritten by the compaction protocol, each day's rewrite recorded in the digest chain
 * as an erasure: rows, hash, reason, id — never the subject), their alerts leave `alerts/`, their
 * hot items and detector state are deleted, and for a pseudonymizing tenant their vault entries,
 * after which nothing links a remaining pseudonym to them. The subject is matched, without case,
 * on the event's user and actor ids, logins and emails — as given, and as the tenant's pseudonym
 * of it when the tenant pseudonymizes. Quarantined bodies that name the subject are deleted whole:
 * they are kept as received, so no pseudonym or column can single the subject's values out of them.
 */
import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERTS_PREFIX, alertKey } from '../core/archive.ts';
import type { Alert } from '../core/detect/engine.ts';
import type { AuthEvent } from '../core/event.ts';
import { decodeContent } from '../core/body.ts';
import { hotItemToEvent, userKey } from '../core/hot-item.ts';
import { alertsToParquet, readParquetColumns } from '../core/parquet.ts';
import { PSEUDONYM, pseudonym } from '../core/privacy.ts';
import { IDENTITY_COLUMNS, type ArchiveCompactor, type ErasureResult } from './archive-compact.ts';
import type { PseudonymVault } from './pseudonym-vault.ts';
import { parseQuarantine, QUARANTINE_PREFIX, quarantinedBody } from './quarantine.ts';
import { listKeys } from './s3-list.ts';

/** The forms a subject's identifier is stored in: as given (without case), and the tenant's pseudonyms of it. */
export function subjectForms(subject: string, key: Buffer | null): Set<string> {
  const s = subject.trim();
  const forms = new Set([s.toLowerCase()]);
  if (key) for (const caseless of [true, false]) forms.add(pseudonym(key, s, caseless));
  return forms;
}

/** Whether an event names the subject as its user or actor. */
export const namesSubject = (forms: ReadonlySet<string>) => (row: Partial<Record<(typeof IDENTITY_COLUMNS)[number], unknown>>) =>
  IDENTITY_COLUMNS.some((c) => typeof row[c] === 'string' && forms.has((row[c] as string).toLowerCase()));

export interface EraseDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly kmsKeyId?: string | undefined;
  readonly ddb: DynamoDBDocumentClient;
  readonly table: string;
  readonly stateTable: string;
  readonly compactor: ArchiveCompactor;
  /** The tenant's pseudonym key and vault, when its policy pseudonymizes. */
  readonly key: Buffer | null;
  readonly vault?: PseudonymVault | undefined;
}

export interface EraseRequest {
  readonly tenant: string;
  readonly subject: string;
  /** The operator's reason (a request reference): recorded in the chain with each day's rewrite. */
  readonly request: string;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** Count what would be erased; change nothing. */
  readonly dryRun?: boolean;
}

export interface EraseReport {
  readonly id: string;
  readonly tenant: string;
  readonly dry_run: boolean;
  readonly archive: ErasureResult;
  readonly alerts: { objects: number; alerts: number };
  readonly hot_items: number;
  readonly detector_state: number;
  readonly vault_entries: number;
  /** Quarantined bodies that name the subject, by id (a hash of source and body): deleted whole. */
  readonly quarantine: { bodies: number; ids: string[] };
}

const ALERT_COLUMNS = ['alert_id', 'rule', 'severity', 'user', 'first_event_time', 'last_event_time', 'count', 'summary', 'event_uids'];
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

/** The subject's alerts out of `alerts/`: each object holding one is rewritten without it (named by content, as the detector names them). */
async function eraseAlerts(d: EraseDeps, r: EraseRequest, forms: ReadonlySet<string>): Promise<EraseReport['alerts']> {
  let objects = 0;
  let alerts = 0;
  for (const key of await listKeys(d.s3, d.bucket, `${ALERTS_PREFIX}tenant=${r.tenant}/`)) {
    const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
    if (!dt || (r.from && dt < r.from) || (r.to && dt > r.to)) continue;
    const bytes = await (await d.s3.send(new GetObjectCommand({ Bucket: d.bucket, Key: key }))).Body!.transformToByteArray();
    const rows = await readParquetColumns(bytes, ALERT_COLUMNS);
    const gone = rows.filter((a) => forms.has(String(a['user']).toLowerCase()));
    if (!gone.length) continue;
    objects++;
    alerts += gone.length;
    if (r.dryRun) continue;
    const kept: Alert[] = rows.filter((a) => !gone.includes(a)).map((a) => ({
      alert_id: String(a['alert_id']), rule: String(a['rule']), severity: String(a['severity']), tenant: r.tenant, user: String(a['user']),
      first_event_time: iso(a['first_event_time']), last_event_time: iso(a['last_event_time']), count: Number(a['count']),
      summary: String(a['summary']), event_uids: (a['event_uids'] as unknown[] | null ?? []).map(String),
    }) as Alert);
    const sse = d.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: d.kmsKeyId } : {};
    if (kept.length) {
      const body = alertsToParquet(kept);
      await d.s3.send(new PutObjectCommand({ Bucket: d.bucket, Key: alertKey(r.tenant, kept[0]!.first_event_time, body), Body: body, ContentType: 'application/vnd.apache.parquet', ...sse }));
    }
    await d.s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: key }));
  }
  return { objects, alerts };
}

/**
 * Whether a text names the subject as a whole value, in any case: not inside a longer name
 * (`bob@example.com` is not in `jimbob@example.com`, nor the login `bob` in `bob@example.com`).
 */
export function textNamesSubject(text: string, subject: string): boolean {
  const s = subject.trim();
  if (!s) return false;
  const escaped = s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}_.+-])${escaped}(?![\\p{L}\\p{N}_@-]|\\.[\\p{L}\\p{N}])`, 'iu').test(text);
}

/** A quarantine object's body as text to search: inflated when it was sent compressed (and still inflates), else as stored. */
export async function quarantineText(objectText: string): Promise<string> {
  const q = parseQuarantine(objectText);
  if (q.format !== 2) return JSON.stringify(q.entries);
  const raw = quarantinedBody(q);
  const content = q.content_encoding ? await decodeContent(raw, q.content_encoding) : { ok: true as const, bytes: raw };
  const bytes = content.ok ? content.bytes : raw;
  // Not UTF-8 (the reason it may be here): its ASCII still reads as such.
  return bytes.toString(q.body_encoding === 'base64' ? 'latin1' : 'utf8');
}

/**
 * The subject out of the quarantine: each of the tenant's quarantined bodies (received within
 * the range) that names the subject (as given, or the clear value of the pseudonym given) is deleted whole — it is kept as received, so the subject's
 * values cannot be taken out of it alone. A dry run lists their ids, so that what else they hold
 * can be replayed first.
 */
async function eraseQuarantine(d: EraseDeps, r: EraseRequest, names: readonly string[]): Promise<EraseReport['quarantine']> {
  const ids: string[] = [];
  for (const key of await listKeys(d.s3, d.bucket, `${QUARANTINE_PREFIX}tenant=${r.tenant}/`)) {
    const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
    if (!dt || (r.from && dt < r.from) || (r.to && dt > r.to)) continue;
    const text = await (await d.s3.send(new GetObjectCommand({ Bucket: d.bucket, Key: key }))).Body!.transformToString();
    let body: string;
    try {
      body = await quarantineText(text);
    } catch {
      body = text; // not a quarantine object we can read: searched as it is
    }
    if (!names.some((n) => textNamesSubject(body, n))) continue;
    ids.push(/([^/]+)\.json$/.exec(key)?.[1] ?? key);
    if (!r.dryRun) await d.s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: key }));
  }
  return { bodies: ids.length, ids };
}

/** The subject's hot items: every item of the tenant read (a scan: erasure is rare), those naming the subject deleted. */
async function eraseHot(d: EraseDeps, r: EraseRequest, drop: (e: AuthEvent) => boolean): Promise<number> {
  let n = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await d.ddb.send(new ScanCommand({ TableName: d.table, FilterExpression: 'begins_with(pk, :t)', ExpressionAttributeValues: { ':t': `${r.tenant}#` }, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const e = hotItemToEvent(item);
      if (!e || e.tenant !== r.tenant || !drop(e)) continue;
      n++;
      if (!r.dryRun) await d.ddb.send(new DeleteCommand({ TableName: d.table, Key: { pk: item['pk'], sk: item['sk'] } }));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return n;
}

export async function eraseSubject(d: EraseDeps, r: EraseRequest): Promise<EraseReport> {
  if (!r.subject.trim()) throw new Error('erase: the subject is empty');
  const id = randomUUID();
  const forms = subjectForms(r.subject, d.key);
  const drop = namesSubject(forms);
  // The hot table first: an event still there could be archived again by a backfill.
  const hot = await eraseHot(d, r, drop);
  const archive = await d.compactor.eraseTenant(r.tenant, { drop, id, request: r.request, from: r.from, to: r.to, dryRun: r.dryRun ?? false });
  const alerts = await eraseAlerts(d, r, forms);
  // Bodies hold clear values: a subject named by pseudonym is looked for by the value the vault seals.
  const clear = d.vault && PSEUDONYM.test(r.subject.trim()) ? await d.vault.get(r.tenant, r.subject.trim()) : null;
  const quarantine = await eraseQuarantine(d, r, clear ? [r.subject, clear] : [r.subject]);
  // Detector state of the subject's user key (their recent countries, addresses and sessions).
  let state = 0;
  for (const f of forms) {
    const k = userKey({ user_email: f, user_login: null, user_id: null });
    if (!k) continue;
    if (r.dryRun) continue;
    const del = await d.ddb.send(new DeleteCommand({ TableName: d.stateTable, Key: { pk: `detect#${r.tenant}#${k}` }, ReturnValues: 'ALL_OLD' }));
    if (del.Attributes) state++;
  }
  let vault = 0;
  if (d.vault) for (const f of forms) if (PSEUDONYM.test(f) && !r.dryRun && await d.vault.delete(r.tenant, f)) vault++;
  return { id, tenant: r.tenant, dry_run: r.dryRun ?? false, archive, alerts, hot_items: hot, detector_state: state, vault_entries: vault, quarantine };
}
