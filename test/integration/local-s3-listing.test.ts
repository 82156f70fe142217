/**
 * The local S3 lists more than 1,000 keys: s3rver's continuation tokens use DES, which OpenSSL 3
 * lacks, so every truncated listing failed (and with it `verify`, `query` and `quarantine` on an
 * archive of more than 1,000 objects under one prefix).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, startS3 } from '../../local/standins.ts';

describe('local S3 stand-in', () => {
  it('pages through a listing of 2,300 keys', async () => {
    const s3 = await startS3(mkdtempSync(join(tmpdir(), 'authtrail-s3-list-')));
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'listing-test' }));
      for (let i = 0; i < 2300; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => client.send(new PutObjectCommand({ Bucket: 'listing-test', Key: `events/tenant=acme/dt=2026-11-20/part-${String(i + j).padStart(5, '0')}.parquet`, Body: 'x' }))));
      }
      const keys: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: 'listing-test', Prefix: 'events/', ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.NextContinuationToken;
        pages++;
      } while (token);
      assert.equal(pages, 3);
      assert.equal(new Set(keys).size, 2300);
    } finally {
      client.destroy();
      await s3.stop();
    }
  });
});
