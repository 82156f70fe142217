/**
 * A source's secret rotated through the webhook intake itself: the current and the previous
 * secret are accepted while a rotation is under way, a wrong one never is.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../lambdas/core/config.ts';
import { createIngest } from '../../lambdas/core/ingest.ts';
import { oktaHook } from '../helpers/fixtures.ts';
import { memoryQuarantine, memoryStore } from '../helpers/fakes.ts';

const CURRENT = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:acme-okta-new-AbCdEf';
const PREVIOUS = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:acme-okta-old-AbCdEf';
const config = parseConfig({
  tenants: [{ id: 'acme', name: 'Acme' }],
  sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secretArn: CURRENT, previousSecretArn: PREVIOUS } }],
}, 'test');
const values: Record<string, string> = { [CURRENT]: 'new-secret-value', [PREVIOUS]: 'old-secret-value' };

describe('webhook intake during a secret rotation (previousSecretArn)', () => {
  const ingest = createIngest({ config, store: memoryStore(), quarantine: memoryQuarantine(), secrets: async (r) => values[r.arn!] ?? r.value!, now: () => new Date('2026-11-21T09:00:00.000Z') });
  const post = (authorization: string, prefix: string) => ingest.http({ method: 'POST', sourceId: 'acme-okta', headers: { authorization, 'content-type': 'application/json' }, body: Buffer.from(oktaHook(2, undefined, prefix)) });
  it('accepts the new and the previous secret, and refuses anything else', async () => {
    assert.equal((await post('old-secret-value', 'a0000001')).status, 200);
    assert.equal((await post('new-secret-value', 'a0000002')).status, 200);
    assert.equal((await post('wrong-secret-value', 'a0000003')).status, 401);
    assert.equal((await post('', 'a0000004')).status, 401);
  });
});
