import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../lambdas/core/config.ts';
import { FILTERED_EVENT_SOURCES, filteredOut, routeEventBridge } from '../../lambdas/core/eventbridge.ts';
import { normalizerFor } from '../../lambdas/sources/index.ts';

const env = (source: string) => ({ source, 'detail-type': 'SystemLog', detail: {} });

describe('EventBridge routing', () => {
  it('sends a well-known vendor source to the only source of that kind', () => {
    const c = parseConfig({ tenants: [{ id: 'a', name: 'A' }], sources: [{ id: 'a-okta', tenant: 'a', kind: 'okta', eventbridge: {} }] });
    assert.equal(routeEventBridge(c, env('aws.partner/okta.com/org/stream'))?.id, 'a-okta');
    assert.equal(routeEventBridge(c, env('aws.partner/auth0.com/x')), undefined);
    assert.equal(routeEventBridge(c, env('aws.partner/okta.comevil')), undefined);
  });
  it('routes IAM API calls to the aws_signin source only for the changes its mapping reads', () => {
    const c = parseConfig({ tenants: [{ id: 'a', name: 'A' }], sources: [{ id: 'a-aws', tenant: 'a', kind: 'aws_signin', eventbridge: {} }] });
    const iam = (eventName: string) => ({ source: 'aws.iam', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName } });
    assert.equal(routeEventBridge(c, iam('CreateAccessKey'))?.id, 'a-aws');
    assert.equal(routeEventBridge(c, iam('ListUsers')), undefined);
    assert.deepEqual([filteredOut(iam('ListUsers')), filteredOut(iam('CreateAccessKey')), filteredOut(env('aws.partner/x'))], [true, false, false]);
    assert.equal(routeEventBridge(c, { source: 'aws.iam', 'detail-type': 'x', detail: null }), undefined);
    assert.equal(routeEventBridge(c, env('aws.signin'))?.id, 'a-aws');
    const n = normalizerFor('aws_signin')!;
    for (const eventName of FILTERED_EVENT_SOURCES.aws_signin![0]!.eventNames) {
      const r = n.normalize({ eventID: `id-${eventName}`, eventTime: '2026-11-21T10:00:00Z', eventName, eventSource: 'iam.amazonaws.com', userIdentity: { type: 'IAMUser', userName: 'alice' }, requestParameters: { userName: 'bob' } });
      assert.ok(r.kind === 'event' && r.event.category !== 'other', `${eventName} is routed, so the mapping must read it: ${JSON.stringify(r)}`);
    }
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
