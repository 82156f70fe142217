import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { verifyRequest } from '../../lambdas/core/auth.ts';
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

  it('google channel token', () => {
    const g = SourceAuth.parse({ type: 'google-channel-token', token: 'channel-token-1' });
    assert.equal(verifyRequest(g, 'channel-token-1', { 'x-goog-channel-token': 'channel-token-1' }, body, now), true);
    assert.equal(verifyRequest(g, 'channel-token-1', { 'x-goog-channel-token': 'nope' }, body, now), false);
  });
});
