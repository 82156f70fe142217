/**
 * The code paths only the Lambda runtime takes, run on Node 24 (the npm package `node`, a real
 * Node 24 binary under node_modules/node/bin): archive and OCSF objects written with ZSTD and
 * read back by the backfill's and the OCSF exporter's reader.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE24 = fileURLToPath(new URL('../../node_modules/node/bin/node', import.meta.url));

describe('on Node 24 (the Lambda runtime)', () => {
  it('writes ZSTD Parquet and reads it back (archive and OCSF)', () => {
    const out = execFileSync(NODE24, ['--import', 'tsx', 'test/node24/zstd-paths.ts'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { node: string; archiveCodec: string; ocsfCodec: string; archived: string[]; ocsf: number[] };
    assert.match(r.node, /^24\./);
    assert.deepEqual([r.archiveCodec, r.ocsfCodec], ['ZSTD', 'ZSTD']);
    assert.deepEqual(r.archived, Array.from({ length: 50 }, (_, i) => `acme-okta#z${i}:${i % 2 === 0}`));
    assert.deepEqual(r.ocsf, Array.from({ length: 50 }, () => 3002));
  });
});
