/**
 * The vendor and event schemas are built on first use (lambdas/core/lazy.ts): loading a handler
 * builds none, and a lazy schema is the schema in every way the code uses one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as z from 'zod';
import { built, lazy, lazyBuilds } from '../../lambdas/core/lazy.ts';
import { AUTH_EVENT_FIELDS } from '../../lambdas/core/event.ts';
import { AuthEvent, SourceKind } from '../../lambdas/core/event-schema.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import { RULE_NAMES, RULE_SCHEMAS } from '../../lambdas/core/detect/settings.ts';
import { TEST_CONFIG } from '../helpers/cdk.ts';

describe('lazy schemas', () => {
  it('are built once, on first use, and behave as the schema', () => {
    let calls = 0;
    const Inner = lazy(() => { calls++; return z.object({ a: z.string() }); });
    const Outer = lazy(() => z.object({ inner: built(Inner).nullish(), n: z.number() }));
    assert.equal(calls, 0);
    assert.ok(Outer instanceof z.ZodObject && Inner instanceof z.ZodObject);
    assert.equal(calls, 1);
    assert.deepEqual(Object.keys(Outer.shape), ['inner', 'n']);
    assert.deepEqual(Outer.parse({ inner: { a: 'x' }, n: 1 }), { inner: { a: 'x' }, n: 1 });
    assert.equal(Outer.safeParse({ inner: { a: 1 }, n: 1 }).success, false);
    assert.deepEqual(Outer.omit({ n: true }).parse({ inner: null }), { inner: null });
    assert.equal(built(Inner), built(Inner));
    assert.notEqual(built(Inner), Inner);
    assert.equal(calls, 1);
    // Inside another schema: the proxy works too (built() only spares the indirection).
    assert.deepEqual(z.object({ i: Inner }).parse({ i: { a: 'y' } }), { i: { a: 'y' } });
    const plain = z.string();
    assert.equal(built(plain), plain);
  });

  it('RULE_NAMES are the alert rules\' schemas, in order', () => {
    assert.deepEqual(RULE_NAMES, Object.keys(RULE_SCHEMAS));
  });

  it('AUTH_EVENT_FIELDS is the canonical schema\'s column order', () => {
    assert.deepEqual(AUTH_EVENT_FIELDS, Object.keys(AuthEvent.shape));
    assert.deepEqual(SourceKind.options, ['okta', 'duo', 'entra', 'google_workspace', 'auth0', 'pingone', 'onelogin', 'jumpcloud', 'keycloak', 'aws_signin', 'generic']);
  });

  it('loading the intake, EventBridge, poller, detector and feed-health handlers builds no schema', () => {
    const script = `
      const { lazyBuilds } = await import(${JSON.stringify(new URL('../../lambdas/core/lazy.ts', import.meta.url).href)});
      for (const h of ['http-ingest', 'eventbridge-ingest', 'poller', 'detector', 'feed-health']) await import(new URL('../../lambdas/handlers/' + h + '.ts', ${JSON.stringify(import.meta.url)}).href);
      const { normalizerFor } = await import(${JSON.stringify(new URL('../../lambdas/sources/index.ts', import.meta.url).href)});
      const before = lazyBuilds();
      normalizerFor('okta').normalize({ uuid: 'u', published: '2026-11-21T08:59:58.123Z', eventType: 'user.session.start' });
      console.log(JSON.stringify({ before, after: lazyBuilds() }));`;
    // The config parsed as a bundle carries it (AUTHTRAIL_CONFIG_PARSED), so that no config schema is built either.
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `globalThis.AUTHTRAIL_CONFIG_PARSED = true; ${script}`], {
      env: { ...process.env, AWS_REGION: 'us-east-1', AUTHTRAIL_TABLE: 't', AUTHTRAIL_STATE_TABLE: 's', AUTHTRAIL_BUCKET: 'b', AUTHTRAIL_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:t', AUTHTRAIL_RUNTIME_CONFIG: JSON.stringify(parseConfig(TEST_CONFIG)), NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { before: number; after: number };
    assert.equal(r.before, 0);
    assert.ok(r.after > 0, 'normalizing an Okta event builds its schemas');
  });
});
