/** `npm run cdk`: synth stays offline; deploy and the rest keep the caller's AWS settings. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error: a plain ESM script without types
import { cdkEnv } from '../../scripts/offline-env.mjs';

describe('npm run cdk', () => {
  const user = { AWS_PROFILE: 'ops', AWS_REGION: 'eu-west-1', PATH: '/usr/bin' };
  it('deploy on EC2 can use the instance role: the metadata service is not switched off', () => {
    const env = cdkEnv(['deploy', '--all'], user) as Record<string, string>;
    assert.equal(env['AWS_EC2_METADATA_DISABLED'], undefined);
    assert.equal(env['AWS_PROFILE'], 'ops');
    assert.equal(env['CDK_DISABLE_CLI_TELEMETRY'], 'true');
    assert.equal(env['CDK_DISABLE_VERSION_CHECK'], '1');
  });
  it('keeps a caller\'s own choice either way', () => {
    assert.equal((cdkEnv(['diff'], { ...user, AWS_EC2_METADATA_DISABLED: 'true' }) as Record<string, string>)['AWS_EC2_METADATA_DISABLED'], 'true');
  });
  it('synth needs no AWS and stays on loopback', () => {
    const env = cdkEnv(['synth', '--quiet'], user) as Record<string, string>;
    assert.equal(env['AWS_EC2_METADATA_DISABLED'], 'true');
    assert.equal(env['AWS_PROFILE'], 'ops');
  });
});
