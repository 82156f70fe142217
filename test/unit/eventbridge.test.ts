import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../lambdas/core/config.ts';
import { routeEventBridge } from '../../lambdas/core/eventbridge.ts';

const env = (source: string) => ({ source, 'detail-type': 'SystemLog', detail: {} });

describe('EventBridge routing', () => {
  it('sends a well-known vendor source to the only source of that kind', () => {
    const c = parseConfig({ tenants: [{ id: 'a', name: 'A' }], sources: [{ id: 'a-okta', tenant: 'a', kind: 'okta', eventbridge: {} }] });
    assert.equal(routeEventBridge(c, env('aws.partner/okta.com/org/stream'))?.id, 'a-okta');
    assert.equal(routeEventBridge(c, env('aws.partner/auth0.com/x')), undefined);
    assert.equal(routeEventBridge(c, env('aws.partner/okta.comevil')), undefined);
  });
  it('routes by the configured source prefix when a kind has several sources (tenants stay apart)', () => {
    const c = parseConfig({
      tenants: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }],
      sources: [
        { id: 'a-okta', tenant: 'a', kind: 'okta', eventbridge: { bus: 'aws.partner/okta.com/a-org/s', source: 'aws.partner/okta.com/a-org' } },
        { id: 'b-okta', tenant: 'b', kind: 'okta', eventbridge: { bus: 'aws.partner/okta.com/b-org/s', source: 'aws.partner/okta.com/b-org' } },
      ],
    });
    assert.equal(routeEventBridge(c, env('aws.partner/okta.com/a-org/s'))?.id, 'a-okta');
    assert.equal(routeEventBridge(c, env('aws.partner/okta.com/b-org/s'))?.id, 'b-okta');
    assert.equal(routeEventBridge(c, env('aws.partner/okta.com/c-org/s')), undefined);
  });
  it('refuses an ambiguous config up front', () => {
    assert.throws(() => parseConfig({
      tenants: [{ id: 'a', name: 'A' }],
      sources: [{ id: 'x', tenant: 'a', kind: 'okta', eventbridge: {} }, { id: 'y', tenant: 'a', kind: 'okta', eventbridge: {} }],
    }), /each needs its own "source"/);
  });
});
