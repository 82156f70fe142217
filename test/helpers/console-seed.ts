/**
 * What the console's browser test, its screenshots and its bench show: a push-bombing attack on
 * bob@example.com (five Okta Verify pushes he rejects from 203.0.113.9), his Duo sign-in the same
 * morning (so his timeline spans two identity providers), and a second tenant whose events must
 * never appear in the first one's pages. Built from the vendor fixtures under test/fixtures/.
 */
import { fixture } from './fixtures.ts';

export const SECRETS = { acmeOkta: 'console-acme-okta-secret', acmeDuo: 'console-acme-duo-secret', globexOkta: 'console-globex-okta-secret' } as const;
const auth = (secret: string) => ({ type: 'shared-secret', header: 'authorization', secret });

export const CONSOLE_CONFIG = {
  tenants: [{ id: 'acme', name: 'Acme Health' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: auth(SECRETS.acmeOkta) },
    { id: 'acme-duo', tenant: 'acme', kind: 'duo', auth: auth(SECRETS.acmeDuo) },
    { id: 'globex-okta', tenant: 'globex', kind: 'okta', auth: auth(SECRETS.globexOkta) },
  ],
};

type Json = Record<string, unknown>;
const okta = () => fixture<{ data: { events: Json[] } }>('okta/event-hook.json').data.events;

/** The request bodies, relative to `now`: within the last hour, so the 24-hour summary counts them. */
export function consoleSeed(now = Date.now()) {
  const at = (minutesAgo: number, s = 0) => new Date(now - minutesAgo * 60_000 + s * 1000).toISOString();
  const deny = okta()[1]!;
  const bombing = Array.from({ length: 5 }, (_, i) => ({ ...deny, uuid: `c0nso1e0-0000-4000-8000-00000000000${i}`, published: at(20, i * 40) }));
  const duoLog = fixture<{ response: { authlogs: Json[] } }>('duo/authlogs-page.json').response.authlogs[0]!;
  const duo = {
    stat: 'OK',
    response: {
      authlogs: [{ ...duoLog, email: 'bob@example.com', user: { ...(duoLog['user'] as Json), name: 'bob', key: 'DUUSERKEYBOB00000001' }, isotimestamp: at(45), timestamp: Math.floor(Date.parse(at(45)) / 1000), txid: 'c0nso1e0-d000-4000-8000-000000000001' }],
      metadata: {},
    },
  };
  const other: Json = { ...okta()[0]!, uuid: 'c0nso1e0-9000-4000-8000-000000000001', published: at(30) };
  return {
    acmeOkta: JSON.stringify({ data: { events: bombing } }),
    acmeDuo: JSON.stringify(duo),
    globexOkta: JSON.stringify({ data: { events: [{ ...other, actor: { ...(other['actor'] as Json), alternateId: 'carol@example.com', id: '00u1carol00000000009' } }] } }),
  };
}

/** Posts the seed to a running collector and archives it (alerts reach the archive on flush). */
export async function postConsoleSeed(base: string, flush: () => Promise<unknown>, now = Date.now()): Promise<void> {
  const seed = consoleSeed(now);
  for (const [source, secret, body] of [['acme-duo', SECRETS.acmeDuo, seed.acmeDuo], ['acme-okta', SECRETS.acmeOkta, seed.acmeOkta], ['globex-okta', SECRETS.globexOkta, seed.globexOkta]] as const) {
    const r = await fetch(`${base}/v1/ingest/${source}`, { method: 'POST', headers: { authorization: secret, 'content-type': 'application/json' }, body });
    const j = await r.json() as { accepted?: number; quarantined?: number };
    if (r.status !== 200 || !j.accepted || j.quarantined) throw new Error(`${source}: ${r.status} ${JSON.stringify(j)}`);
  }
  await flush();
}
