import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { authenticate, secretRefs, verifyRequest, type SecretRefs } from '../../lambdas/core/auth.ts';
import { SourceAuth } from '../../lambdas/core/config.ts';

const body = Buffer.from('{"data":{"events":[]}}');
const now = Date.parse('2026-11-21T10:00:00Z');

describe('webhook auth', () => {
  const shared = SourceAuth.parse({ type: 'shared-secret', header: 'Authorization', secret: 's3cret-value' });
  it('shared secret: the whole header value must match', () => {
    assert.equal(verifyRequest(shared, 's3cret-value', { authorization: 's3cret-value' }, body, now), true);
    assert.equal(verifyRequest(shared, 's3cret-value', { authorization: 's3cret-valu' }, body, now), false);
    assert.equal(verifyRequest(shared, 's3cret-value', { authorization: 'Bearer s3cret-value' }, body, now), false);
    assert.equal(verifyRequest(shared, 's3cret-value', {}, body, now), false);
  });

  const hmac = SourceAuth.parse({ type: 'hmac-sha256', header: 'X-Signature', secret: 'hmac-secret' });
  const sig = createHmac('sha256', 'hmac-secret').update(body).digest();
  it('hmac: hex, base64 and sha256= forms of the body signature', () => {
    for (const s of [sig.toString('hex'), sig.toString('hex').toUpperCase(), sig.toString('base64'), `sha256=${sig.toString('hex')}`])
      assert.equal(verifyRequest(hmac, 'hmac-secret', { 'x-signature': s }, body, now), true, s);
    assert.equal(verifyRequest(hmac, 'hmac-secret', { 'x-signature': sig.toString('hex') }, Buffer.from(`${body} `), now), false);
    assert.equal(verifyRequest(hmac, 'other-secret', { 'x-signature': sig.toString('hex') }, body, now), false);
  });

  const stamped = SourceAuth.parse({ type: 'hmac-sha256', header: 'x-signature', secret: 'hmac-secret', timestampHeader: 'X-Timestamp', toleranceSeconds: 300 });
  const stampedSig = (ts: number) => createHmac('sha256', 'hmac-secret').update(`${ts}.`).update(body).digest('hex');
  it('hmac with a timestamp: signed together, and refused outside the tolerance (replays)', () => {
    const ts = now / 1000;
    assert.equal(verifyRequest(stamped, 'hmac-secret', { 'x-signature': stampedSig(ts), 'x-timestamp': String(ts) }, body, now), true);
    assert.equal(verifyRequest(stamped, 'hmac-secret', { 'x-signature': stampedSig(ts - 600), 'x-timestamp': String(ts - 600) }, body, now), false);
    assert.equal(verifyRequest(stamped, 'hmac-secret', { 'x-signature': stampedSig(ts), 'x-timestamp': String(ts + 1) }, body, now), false);
  });

  // Keycloak's event hooks (HttpEventHookTargetProvider): hex HMAC of the raw body in
  // X-Keycloak-Signature, the algorithm named in X-Keycloak-Signature-Algorithm.
  const kcBody = Buffer.from('{"events":[{"sourceType":"USER","eventId":"e1","eventType":"LOGIN","time":1763632800123}]}');
  const kcSig = (alg: 'sha256' | 'sha512', secret = 'keycloak-hook-secret') => createHmac(alg, secret).update(kcBody).digest('hex');
  const kc256 = SourceAuth.parse({ type: 'hmac-sha256', header: 'X-Keycloak-Signature', secret: 'keycloak-hook-secret' });
  const kc512 = SourceAuth.parse({ type: 'hmac-sha512', header: 'X-Keycloak-Signature', secret: 'keycloak-hook-secret' });
  it('hmac-sha512: hex, base64 and sha512= forms of the body signature; a SHA-256 signature is refused', () => {
    const sig = createHmac('sha512', 'keycloak-hook-secret').update(kcBody).digest();
    for (const s of [sig.toString('hex'), sig.toString('hex').toUpperCase(), sig.toString('base64'), `sha512=${sig.toString('hex')}`])
      assert.equal(verifyRequest(kc512, 'keycloak-hook-secret', { 'x-keycloak-signature': s }, kcBody, now), true, s);
    assert.equal(verifyRequest(kc512, 'keycloak-hook-secret', { 'x-keycloak-signature': kcSig('sha256') }, kcBody, now), false);
    assert.equal(verifyRequest(kc512, 'other-secret-value', { 'x-keycloak-signature': kcSig('sha512') }, kcBody, now), false);
    assert.equal(verifyRequest(kc512, 'keycloak-hook-secret', { 'x-keycloak-signature': kcSig('sha512') }, Buffer.from(`${kcBody} `), now), false);
  });
  it('hmac-sha256 does not accept a SHA-512 signature (the algorithm comes from the config, never the request)', () => {
    assert.equal(verifyRequest(kc256, 'keycloak-hook-secret', { 'x-keycloak-signature': kcSig('sha256') }, kcBody, now), true);
    assert.equal(verifyRequest(kc256, 'keycloak-hook-secret', { 'x-keycloak-signature': kcSig('sha512') }, kcBody, now), false);
    assert.equal(verifyRequest(kc256, 'keycloak-hook-secret', { 'x-keycloak-signature': kcSig('sha512'), 'x-keycloak-signature-algorithm': 'HmacSHA512' }, kcBody, now), false);
  });
  it('a declared algorithm (<header>-algorithm) must name the configured one', () => {
    const ok = (auth: typeof kc256, alg: 'sha256' | 'sha512', declared: string) =>
      verifyRequest(auth, 'keycloak-hook-secret', { 'x-keycloak-signature': kcSig(alg), 'x-keycloak-signature-algorithm': declared }, kcBody, now);
    for (const d of ['HmacSHA256', 'HMAC-SHA256', 'sha256', ' hmacsha256 ']) assert.equal(ok(kc256, 'sha256', d), true, d);
    for (const d of ['HmacSHA512', 'HMAC-SHA512', 'sha512']) assert.equal(ok(kc512, 'sha512', d), true, d);
    // A valid signature under a contradicting or unknown declaration is a misconfiguration: refused.
    for (const d of ['HmacSHA512', 'HmacSHA1', 'HmacMD5', '', 'none']) assert.equal(ok(kc256, 'sha256', d), false, d);
    for (const d of ['HmacSHA256', 'sha384']) assert.equal(ok(kc512, 'sha512', d), false, d);
  });

  it('google channel token', () => {
    const g = SourceAuth.parse({ type: 'google-channel-token', token: 'channel-token-1' });
    assert.equal(verifyRequest(g, 'channel-token-1', { 'x-goog-channel-token': 'channel-token-1' }, body, now), true);
    assert.equal(verifyRequest(g, 'channel-token-1', { 'x-goog-channel-token': 'nope' }, body, now), false);
  });

  describe('several accepted secrets (rotation)', () => {
    const hmac = SourceAuth.parse({ type: 'hmac-sha256', header: 'x-signature', secret: 'unused-inline' });
    const sig = (secret: string) => createHmac('sha256', secret).update(body).digest('hex');
    it('any candidate matches, in any order; none, or an empty list, is refused', () => {
      for (const list of [['old-secret-1', 'new-secret-2'], ['new-secret-2', 'old-secret-1']]) {
        assert.equal(verifyRequest(hmac, list, { 'x-signature': sig('old-secret-1') }, body, now), true);
        assert.equal(verifyRequest(hmac, list, { 'x-signature': sig('new-secret-2') }, body, now), true);
        assert.equal(verifyRequest(hmac, list, { 'x-signature': sig('third-secret') }, body, now), false);
        assert.equal(verifyRequest(shared, list, { authorization: list[1]! }, body, now), true);
        assert.equal(verifyRequest(shared, list, { authorization: `${list[1]!}x` }, body, now), false);
      }
      assert.equal(verifyRequest(shared, [], { authorization: '' }, body, now), false);
      assert.equal(verifyRequest(shared, [''], { authorization: '' }, body, now), false);
      assert.equal(verifyRequest(shared, null, { authorization: 's3cret-value' }, body, now), false);
    });

    it('secretRefs names the previous secret of every auth type that takes one', () => {
      const arn = (n: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${n}`;
      for (const type of ['shared-secret', 'hmac-sha256', 'hmac-sha512'])
        assert.deepEqual(secretRefs(SourceAuth.parse({ type, header: 'x-h', secretArn: arn('b'), previousSecretArn: arn('a') })), { value: undefined, arn: arn('b'), previousArn: arn('a') });
      assert.deepEqual(secretRefs(SourceAuth.parse({ type: 'google-channel-token', tokenArn: arn('b'), previousTokenArn: arn('a') })), { value: undefined, arn: arn('b'), previousArn: arn('a') });
      assert.equal(secretRefs(SourceAuth.parse({ type: 'none' })), null);
    });

    it('authenticate with a plain resolver: the current and the previous secret, no refresh', async () => {
      const arn = (n: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${n}`;
      const auth = SourceAuth.parse({ type: 'shared-secret', secretArn: arn('new'), previousSecretArn: arn('old') });
      const asked: SecretRefs[] = [];
      const resolve = async (r: SecretRefs) => { asked.push(r); return r.arn === arn('new') ? 'new-secret-value' : 'old-secret-value'; };
      assert.equal(await authenticate(auth, resolve, { authorization: 'old-secret-value' }, body, now), true);
      assert.equal(await authenticate(auth, resolve, { authorization: 'new-secret-value' }, body, now), true);
      assert.equal(await authenticate(auth, resolve, { authorization: 'other-value-xx' }, body, now), false);
      assert.deepEqual(asked.slice(0, 2), [{ value: undefined, arn: arn('new') }, { arn: arn('old') }]);
      assert.equal(await authenticate(SourceAuth.parse({ type: 'none' }), resolve, {}, body, now), true);
    });
  });
});
