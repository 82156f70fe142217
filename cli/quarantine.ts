/**
 * `authtrail quarantine [--json]`: what could not be normalized, and why — one line per
 * quarantined body or event.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { QUARANTINE_PREFIX, type StoredQuarantine } from '../lambdas/adapters/quarantine.ts';
import { localFetch, localS3, readEndpoints } from './endpoints.ts';

export interface QuarantineLine {
  id: string;
  tenant: string;
  source_id: string;
  received_time: string;
  reason: string;
  key: string;
}

export async function listQuarantine(s3: S3Client, bucket: string): Promise<QuarantineLine[]> {
  const lines: QuarantineLine[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: QUARANTINE_PREFIX, ContinuationToken: token }));
    for (const obj of page.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: obj.Key! }));
      const rec = JSON.parse(await got.Body!.transformToString()) as StoredQuarantine;
      rec.entries.forEach((e, i) => lines.push({
        id: rec.entries.length > 1 ? `${rec.id}#${i}` : rec.id,
        tenant: rec.tenant, source_id: rec.source_id, received_time: rec.received_time, reason: e.reason, key: obj.Key!,
      }));
    }
    token = page.NextContinuationToken;
  } while (token);
  return lines.sort((a, b) => a.received_time.localeCompare(b.received_time) || a.id.localeCompare(b.id));
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
  else for (const l of lines) console.log(`${l.received_time}  ${l.source_id.padEnd(20)} ${l.id}  ${l.reason}`);
  s3.destroy();
  return 0;
}
