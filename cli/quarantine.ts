/**
 * `authtrail quarantine [--json]`: what could not be normalized or stored, and why — one line
 * per quarantined body and reason (`count` items of that body share the reason), or per entry
 * of an object written by an earlier version.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseQuarantine, QUARANTINE_PREFIX } from '../lambdas/adapters/quarantine.ts';
import { localFetch, localS3, readEndpoints } from './endpoints.ts';

export interface QuarantineLine {
  id: string;
  tenant: string;
  source_id: string;
  received_time: string;
  reason: string;
  key: string;
  /** Items (or NDJSON lines, or 1 for a whole body) quarantined for this reason. */
  count: number;
}

/** Objects read at once. */
const READ_CONCURRENCY = 8;

async function linesOf(s3: S3Client, bucket: string, key: string): Promise<QuarantineLine[]> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const rec = parseQuarantine(await got.Body!.transformToString());
  const base = { tenant: rec.tenant, source_id: rec.source_id, received_time: rec.received_time, key };
  if (rec.format === 2) {
    return rec.reasons.map((g, i) => ({ ...base, id: rec.reasons.length > 1 ? `${rec.id}#${i}` : rec.id, reason: g.reason, count: g.count }));
  }
  return rec.entries.map((e, i) => ({ ...base, id: rec.entries.length > 1 ? `${rec.id}#${i}` : rec.id, reason: e.reason, count: 1 }));
}

export async function listQuarantine(s3: S3Client, bucket: string): Promise<QuarantineLine[]> {
  const lines: QuarantineLine[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: QUARANTINE_PREFIX, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => o.Key!).filter(Boolean);
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      for (const ls of await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((k) => linesOf(s3, bucket, k)))) lines.push(...ls);
    }
    token = page.NextContinuationToken;
  } while (token);
  return lines.sort((a, b) => a.received_time.localeCompare(b.received_time) || a.id.localeCompare(b.id, 'en', { numeric: true }));
}

async function replay(id: string | undefined): Promise<number> {
  const e = readEndpoints();
  const res = await localFetch(e, `/_local/quarantine/replay${id ? `?id=${encodeURIComponent(id)}` : ''}`, { method: 'POST' });
  const body = await res.text();
  if (!res.ok) {
    let message = body;
    try { message = (JSON.parse(body) as { message?: string }).message ?? body; } catch { /* as is */ }
    process.stderr.write(`authtrail: replay failed: ${message}\n`);
    return 1;
  }
  console.log(body);
  return 0;
}

export async function quarantine(args: string[]): Promise<number> {
  if (args[0] === 'replay') return replay(args[1]);
  const json = args.includes('--json');
  const endpoints = readEndpoints();
  const s3 = localS3(endpoints);
  const lines = await listQuarantine(s3, endpoints.bucket);
  if (json) for (const l of lines) console.log(JSON.stringify(l));
  else if (!lines.length) console.log('nothing is quarantined');
  else for (const l of lines) console.log(`${l.received_time}  ${l.source_id.padEnd(20)} ${l.id}  ${l.count > 1 ? `${l.count} items: ` : ''}${l.reason}`);
  s3.destroy();
  return 0;
}
