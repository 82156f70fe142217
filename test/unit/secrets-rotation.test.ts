/**
 * Secret rotation without a 401 window: Secrets Manager (mocked) goes through every step of the
 * README's rotation runbook while a sender switches to the new secret at every possible moment;
 * not one of its requests may be refused. Plus the refresh rate limit an attacker meets.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient, type GetSecretValueCommandInput } from '@aws-sdk/client-secrets-manager';
import { authenticate, type Headers } from '../../lambdas/core/auth.ts';
import { SourceAuth } from '../../lambdas/core/config.ts';
import { secretCache, type SecretCache } from '../../lambdas/adapters/secrets.ts';

const ARN_A = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:authtrail/acme-okta-AbCdEf';
const ARN_B = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:authtrail/acme-okta-2-GhIjKl';
const OLD = 'old-secret-value-0123456789';
const NEW = 'new-secret-value-9876543210';
const body = Buffer.from('{"events":[]}');

/** Secrets Manager as far as authtrail reads it: per secret, the values under AWSCURRENT and AWSPREVIOUS. */
class FakeSecretsManager {
  readonly secrets = new Map<string, { AWSCURRENT: string; AWSPREVIOUS?: string | undefined }>();
  calls = 0;
  /** `put-secret-value`: the new version becomes AWSCURRENT, the old one AWSPREVIOUS. */
  put(id: string, value: string) {
    const s = this.secrets.get(id);
    this.secrets.set(id, { AWSCURRENT: value, AWSPREVIOUS: s?.AWSCURRENT });
  }
  /** `update-secret-version-stage --remove-from-version-id`: the old version is no longer AWSPREVIOUS. */
  dropPrevious(id: string) {
    const s = this.secrets.get(id)!;
    this.secrets.set(id, { AWSCURRENT: s.AWSCURRENT });
  }
  answer(input: GetSecretValueCommandInput) {
    this.calls++;
    const s = this.secrets.get(input.SecretId!);
    const v = s?.[(input.VersionStage ?? 'AWSCURRENT') as 'AWSCURRENT' | 'AWSPREVIOUS'];
    if (v === undefined) throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret version.", $metadata: {} });
    return { ARN: input.SecretId, SecretString: v, VersionStages: [input.VersionStage ?? 'AWSCURRENT'] };
  }
}

const sm = mockClient(SecretsManagerClient);
let fake: FakeSecretsManager;
let clock: number;
beforeEach(() => {
  sm.reset();
  fake = new FakeSecretsManager();
  clock = Date.parse('2026-11-28T10:00:00Z');
  sm.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => fake.answer(input));
});
afterEach(() => sm.reset());

/** One Lambda execution environment: its own cache, on the test's clock. */
const environment = (): SecretCache => secretCache({ client: new SecretsManagerClient({ region: 'eu-west-1' }), now: () => clock });

const AUTHS = {
  'shared-secret': (arns: Record<string, string>) => SourceAuth.parse({ type: 'shared-secret', header: 'authorization', ...arns }),
  'hmac-sha256': (arns: Record<string, string>) => SourceAuth.parse({ type: 'hmac-sha256', header: 'x-signature', timestampHeader: 'x-timestamp', ...arns }),
  'hmac-sha512': (arns: Record<string, string>) => SourceAuth.parse({ type: 'hmac-sha512', header: 'x-keycloak-signature', ...arns }),
  'google-channel-token': (arns: Record<string, string>) => SourceAuth.parse({
    type: 'google-channel-token',
    ...Object.fromEntries(Object.entries(arns).map(([k, v]) => [k.replace('secretArn', 'tokenArn').replace('SecretArn', 'TokenArn'), v])),
  }),
} as const;
type Kind = keyof typeof AUTHS;

/** What a sender that knows `secret` puts on its request. */
function signed(kind: Kind, secret: string, nowMs: number): Headers {
  switch (kind) {
    case 'shared-secret': return { authorization: secret };
    case 'google-channel-token': return { 'x-goog-channel-token': secret };
    case 'hmac-sha256': {
      const ts = String(Math.floor(nowMs / 1000));
      return { 'x-signature': createHmac('sha256', secret).update(`${ts}.`).update(body).digest('hex'), 'x-timestamp': ts };
    }
    case 'hmac-sha512': return { 'x-keycloak-signature': createHmac('sha512', secret).update(body).digest('base64') };
  }
}

const check = (env: SecretCache, auth: SourceAuth, kind: Kind, secret: string) => authenticate(auth, env, signed(kind, secret, clock), body, clock);

describe('secret rotation with Secrets Manager staging labels (AWSCURRENT + AWSPREVIOUS)', () => {
  for (const kind of Object.keys(AUTHS) as Kind[]) {
    it(`${kind}: old only → both → new only, zero 401s wherever the sender switches`, async () => {
      const auth = AUTHS[kind]({ secretArn: ARN_A });
      const PUT = 616; // s: runbook step 1, `put-secret-value` with the new secret (not a multiple of the cache age)
      // Runbook step 2: switch the sender at least 10 s after the put; here at every delay that
      // matters (just after the refresh interval, around the cache age, long after).
      for (const delay of [10, 11, 17, 45, 299, 300, 301, 420]) {
        fake = new FakeSecretsManager();
        fake.put(ARN_A, OLD);
        const start = Date.parse('2026-11-28T10:00:00Z');
        // Environments whose caches were filled at different moments: one just before the put.
        const envs = [environment(), environment(), environment()];
        const startsAt = [0, 250, PUT - 2];
        const refused: string[] = [];
        for (let t = 0; t <= PUT + 720; t += 2) {
          clock = start + t * 1000;
          if (t === PUT) fake.put(ARN_A, NEW);
          const secret = t >= PUT + delay ? NEW : OLD;
          for (const [i, env] of envs.entries()) {
            if (t < startsAt[i]!) continue;
            if (!(await check(env, auth, kind, secret))) refused.push(`t=${t}s env ${i} ${secret === NEW ? 'new' : 'old'}`);
            // An attacker's bad requests in between must not take the refresh away from the sender.
            if (t % 6 === 0) assert.equal(await check(env, auth, kind, 'attacker-guess-000000'), false);
          }
        }
        assert.deepEqual(refused, [], `${kind}, sender switching ${delay} s after put-secret-value`);
      }
    });
  }

  it('why the runbook waits 10 s: a sender switching at once may be refused by an environment that read the secret just before the put', async () => {
    const auth = AUTHS['shared-secret']({ secretArn: ARN_A });
    fake.put(ARN_A, OLD);
    const env = environment();
    assert.equal(await check(env, auth, 'shared-secret', OLD), true);
    clock += 1_000;
    fake.put(ARN_A, NEW);
    clock += 1_000;
    assert.equal(await check(env, auth, 'shared-secret', NEW), false);
    clock += 8_000;
    assert.equal(await check(env, auth, 'shared-secret', NEW), true);
  });

  it('after the sender switched, removing AWSPREVIOUS retires the old secret within the cache age (5 min)', async () => {
    const auth = AUTHS['shared-secret']({ secretArn: ARN_A });
    fake.put(ARN_A, OLD);
    fake.put(ARN_A, NEW);
    const env = environment();
    assert.equal(await check(env, auth, 'shared-secret', OLD), true);
    assert.equal(await check(env, auth, 'shared-secret', NEW), true);
    fake.dropPrevious(ARN_A);
    clock += 60_000;
    assert.equal(await check(env, auth, 'shared-secret', NEW), true);
    clock += 241_000;
    assert.equal(await check(env, auth, 'shared-secret', OLD), false);
    assert.equal(await check(env, auth, 'shared-secret', NEW), true);
  });

  it('a secret never rotated (no AWSPREVIOUS version) is one candidate, and a failure of AWSCURRENT is not a 401 but an error', async () => {
    fake.put(ARN_A, OLD);
    const env = environment();
    assert.deepEqual(await env.candidates({ arn: ARN_A }), [OLD]);
    const other = environment();
    sm.on(GetSecretValueCommand, { SecretId: ARN_B }).rejects(new Error('AccessDeniedException'));
    await assert.rejects(other.candidates({ arn: ARN_B }), /AccessDenied/);
  });
});

describe('secret rotation with previousSecretArn (a new secret, two deployments)', () => {
  for (const kind of Object.keys(AUTHS) as Kind[]) {
    it(`${kind}: secretArn A → secretArn B + previousSecretArn A → secretArn B, zero 401s wherever the sender switches`, async () => {
      const [v1, v2, v3] = [AUTHS[kind]({ secretArn: ARN_A }), AUTHS[kind]({ secretArn: ARN_B, previousSecretArn: ARN_A }), AUTHS[kind]({ secretArn: ARN_B })];
      const DEPLOY_BOTH = 300, DEPLOY_NEW = 1500;
      for (let switchAt = DEPLOY_BOTH; switchAt < DEPLOY_NEW; switchAt += 97) {
        fake = new FakeSecretsManager();
        fake.put(ARN_A, OLD);
        fake.put(ARN_B, NEW); // runbook step 1: the new secret exists before the deployment names it
        const start = Date.parse('2026-11-28T10:00:00Z');
        // A deployment replaces the execution environments: new code, empty caches.
        let deployed = { auth: v1, envs: [environment(), environment()] };
        const refused: string[] = [];
        for (let t = 0; t <= DEPLOY_NEW + 600; t += 10) {
          clock = start + t * 1000;
          if (t === DEPLOY_BOTH) deployed = { auth: v2, envs: [environment(), environment()] };
          if (t === DEPLOY_NEW) deployed = { auth: v3, envs: [environment(), environment()] };
          const secret = t >= switchAt ? NEW : OLD;
          for (const [i, env] of deployed.envs.entries())
            if (!(await check(env, deployed.auth, kind, secret))) refused.push(`t=${t}s env ${i}`);
        }
        assert.deepEqual(refused, [], `${kind}, sender switching at ${switchAt} s`);
        // The last step retired the old secret.
        assert.equal(await check(deployed.envs[0]!, deployed.auth, kind, OLD), false);
      }
    });
  }
});

describe('refresh after a failed check', () => {
  it('accepts a secret put into Secrets Manager seconds ago once the cached copy is 10 s old, not after 5 minutes', async () => {
    const auth = AUTHS['shared-secret']({ secretArn: ARN_A });
    fake.put(ARN_A, OLD);
    const env = environment();
    assert.equal(await check(env, auth, 'shared-secret', OLD), true); // cached at t=0
    fake.put(ARN_A, NEW);
    clock += 2_000;
    assert.equal(await check(env, auth, 'shared-secret', NEW), false, 'cached 2 s ago: no refresh yet (the rate limit)');
    clock += 8_000;
    assert.equal(await check(env, auth, 'shared-secret', NEW), true, 'cached 10 s ago: read again, accepted');
    assert.equal(await check(env, auth, 'shared-secret', OLD), true, 'the old value is AWSPREVIOUS: still accepted');
  });

  it('rate limit: a flood of bad requests reads each secret at most once per 10 s per environment, concurrent failures share one read', async () => {
    const auth = AUTHS['hmac-sha256']({ secretArn: ARN_A, previousSecretArn: ARN_B });
    fake.put(ARN_A, NEW);
    fake.put(ARN_B, OLD);
    const env = environment();
    assert.equal(await check(env, auth, 'hmac-sha256', OLD), true);
    const first = fake.calls;
    assert.equal(first, 3, 'AWSCURRENT + AWSPREVIOUS of secretArn, AWSCURRENT of previousSecretArn');
    // 60 s of attack: 20 concurrent bad requests every 100 ms.
    for (let ms = 0; ms < 60_000; ms += 100) {
      clock += 100;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => check(env, auth, 'hmac-sha256', `guess-${ms}-${i}-xxxxxxxx`)));
      assert.ok(answers.every((a) => a === false));
    }
    // At most one refresh per 10 s (6 in 60 s) of 3 reads each, whatever the request rate.
    assert.ok(fake.calls - first <= 6 * 3, `${fake.calls - first} Secrets Manager reads`);
    assert.ok(fake.calls - first >= 5 * 3, 'the refresh does happen');
  });

  it('a failing refresh keeps the cached secrets and waits for the rate limit before trying again', async () => {
    const auth = AUTHS['shared-secret']({ secretArn: ARN_A });
    fake.put(ARN_A, OLD);
    const env = environment();
    assert.equal(await check(env, auth, 'shared-secret', OLD), true);
    sm.on(GetSecretValueCommand).rejects(new Error('ThrottlingException'));
    clock += 11_000;
    assert.equal(await check(env, auth, 'shared-secret', 'wrong-value-xxxxxxxx'), false);
    assert.equal(await check(env, auth, 'shared-secret', OLD), true);
    const n = sm.commandCalls(GetSecretValueCommand).length;
    clock += 5_000;
    assert.equal(await check(env, auth, 'shared-secret', 'wrong-value-xxxxxxxx'), false);
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, n, 'no new read within 10 s of the failed one');
  });

  it('Secrets Manager failing after the cache age: the values read before keep serving, tried again at most every 10 s', async () => {
    const auth = AUTHS['shared-secret']({ secretArn: ARN_A });
    fake.put(ARN_A, OLD);
    const env = environment();
    assert.equal(await check(env, auth, 'shared-secret', OLD), true);
    sm.on(GetSecretValueCommand).rejects(new Error('ThrottlingException'));
    const before = sm.commandCalls(GetSecretValueCommand).length;
    clock += 301_000;
    for (let i = 0; i < 50; i++) {
      clock += 100;
      assert.equal(await check(env, auth, 'shared-secret', OLD), true);
    }
    assert.equal(sm.commandCalls(GetSecretValueCommand).length - before, 2, 'one try (both stages) in 5 s of requests');
    clock += 10_000;
    assert.equal(await check(env, auth, 'shared-secret', OLD), true);
    assert.equal(sm.commandCalls(GetSecretValueCommand).length - before, 4);
    // A secret never read at all cannot be guessed: that is an error (5xx, the sender retries), not a 401.
    await assert.rejects(environment().candidates({ arn: ARN_B }), /Throttling/);
  });

  it('inline secrets (local mode) are never read from Secrets Manager', async () => {
    const auth = SourceAuth.parse({ type: 'shared-secret', header: 'authorization', secret: 'inline-secret-value' });
    const env = environment();
    assert.equal(await check(env, auth, 'shared-secret', 'inline-secret-value'), true);
    assert.equal(await check(env, auth, 'shared-secret', 'other-secret-value'), false);
    assert.equal(sm.commandCalls(GetSecretValueCommand).length, 0);
  });

  it('pull credentials resolve to the current version only', async () => {
    fake.put(ARN_A, OLD);
    fake.put(ARN_A, NEW);
    const env = environment();
    assert.equal(await env({ arn: ARN_A }), NEW);
    assert.equal(await env({ value: 'inline' }), 'inline');
    assert.deepEqual(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.VersionStage), ['AWSCURRENT']);
  });
});
