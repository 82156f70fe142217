/**
 * bin/authtrail.mjs keeps the offline environment for `dev` and the local mode only: with
 * --outputs the caller's AWS settings apply, so an instance role on EC2 (found through the
 * instance metadata service) works. The metadata endpoint is pointed at a loopback server here,
 * so the probe is seen and nothing leaves this machine.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/authtrail.mjs', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => execFile(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 },
    (err, _stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr })));
}

describe('bin/authtrail.mjs and the AWS SDK settings', () => {
  it('with --outputs the instance metadata service is asked (not disabled); without credentials the error is one line', async () => {
    const asked: string[] = [];
    const imds = createServer((req, res) => { asked.push(`${req.method} ${req.url}`); res.writeHead(404).end(); });
    await new Promise<void>((r) => imds.listen(0, '127.0.0.1', () => r()));
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-bin-'));
    const outputs = join(dir, 'cdk-outputs.json');
    writeFileSync(outputs, JSON.stringify({ AuthTrailStateful: { ArchiveBucketName: 'b', HotTableName: 't', StateTableName: 's' } }));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: dir, AWS_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${(imds.address() as { port: number }).port}`,
      // Anything else would be sent to AWS itself: every S3 endpoint stays on loopback too.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
    };
    try {
      const r = await run(['verify', '--outputs', outputs], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^authtrail: no AWS credentials found: configure them/);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.ok(asked.some((a) => a.includes('/latest/')), `the metadata service was not asked: ${asked.join(', ')}`);

    } finally {
      imds.close();
    }
  });
});
