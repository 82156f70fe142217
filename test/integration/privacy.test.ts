/**
 * A tenant's privacy policy end to end through the local collector (`authtrail dev`, as
 * `npm start` runs it): two tenants receive the same Okta traffic — sign-ins with and without
 * MFA, and a push-bombing sequence — one stored as received, one pseudonymized (emails, logins,
 * ids, source addresses, devices) with its raw payloads redacted. The pseudonymized tenant's hot
 * items, archive rows, alerts and the collector's own output hold no clear email or address, its
 * push bombing still raises the alert (on the pseudonym) and its evidence report counts what the
 * clear tenant's counts; `authtrail reveal` answers with the tenant's key only and records the
 * access first; and the tenant's own hot days set its items' expiry.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { hotItemToEvent } from '../../lambdas/core/hot-item.ts';
import { PSEUDONYM } from '../../lambdas/core/privacy.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';
import { okta, published } from '../helpers/rule-scenario.ts';

const SECRET = 'privacy-secret';
const T0 = Date.parse('2026-10-05T08:00:00.000Z');
const DAY = '2026-10-05';
const USERS = ['carol@example.com', 'dave@example.com', 'erin@example.com', 'frank@example.com'];
const IPS = ['192.0.2.44', '198.51.100.77', '203.0.113.9'];
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/;

/** The access log, as the `access_log` auditor query lists it (optionally one action's records). */
async function accessLog(c: TestCollector, action?: string): Promise<Record<string, unknown>[]> {
  const r = await c.cli(['query', '--named', 'access_log', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => !action || l['action'] === action);
}

/** The same traffic for either tenant: three users sign in with MFA, one without, and carol is push-bombed. */
const traffic = (prefix: string) => [
  ...USERS.flatMap((u, i) => [
    okta.signIn(`${prefix}-in-${i}`, published(T0, i * 10), u, { ip: IPS[i % 2]! }),
    ...(i < 3 ? [okta.mfa(`${prefix}-mfa-${i}`, published(T0, i * 10 + 1), u, 'OKTA_VERIFY_PUSH', { ip: IPS[i % 2]! })] : []),
  ]),
  ...[0, 1, 2].map((i) => okta.denyPush(`${prefix}-deny-${i}`, published(T0, 60 + i * 2), USERS[0]!)),
];

describe('privacy policy, end to end through the local collector', () => {
  let c: TestCollector;
  const alerts = () => {
    const f = join(c.home, 'alerts.ndjson');
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { tenant: string; rule: string; user: string; summary: string; event_uids: string[] }) : [];
  };

  before(async () => {
    c = await startCollector({
      tenants: [
        { id: 'plain', name: 'Plain' },
        { id: 'private', name: 'Private', retention: { hotDays: 7 },
          privacy: { pseudonymize: ['user_id', 'user_login', 'user_email', 'actor_id', 'actor_login', 'src_ip', 'device_id', 'device_name'], raw: 'redact' } },
      ],
      sources: ['plain', 'private'].map((t) => ({ id: `${t}-okta`, tenant: t, kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } })),
    });
    for (const t of ['plain', 'private']) {
      const res = await fetch(`${c.base}/v1/ingest/${t}-okta`, { method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: JSON.stringify(traffic(t)) });
      assert.equal(res.status, 200, await res.text());
    }
    // A redelivery: duplicates, as for a tenant without a policy.
    const again = await fetch(`${c.base}/v1/ingest/private-okta`, { method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: JSON.stringify(traffic('private')) });
    assert.deepEqual((await again.json() as { accepted: number }).accepted, 0);
    const f = await c.cli(['flush']);
    assert.equal(f.code, 0, f.stderr);
  });
  after(async () => { await c?.stop(); });

  const clearValues = () => [...USERS, ...IPS, ...USERS.map((u) => u.split('@')[0]!.replace(/^./, (x) => x.toUpperCase()))];
  const assertNoClear = (what: string, text: string) => {
    for (const v of clearValues()) assert.ok(!text.includes(v), `${what} holds ${v}`);
    assert.equal(EMAIL.exec(text)?.[0], undefined, `${what} holds an email`);
  };

  it('hot table: the pseudonymized tenant\'s items decode to events with no clear value; the other tenant\'s are as received', async () => {
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: c.endpoints.dynamodb, region: c.endpoints.region, credentials: c.endpoints.credentials }));
    const items = (await ddb.send(new ScanCommand({ TableName: c.endpoints.table }))).Items ?? [];
    ddb.destroy();
    const events = items.map((i) => ({ item: i, e: hotItemToEvent(i)! })).filter((x) => x.e);
    const mine = events.filter((x) => x.e.tenant === 'private');
    const plain = events.filter((x) => x.e.tenant === 'plain');
    assert.equal(mine.length, traffic('x').length);
    assert.equal(plain.length, traffic('x').length);
    assertNoClear('the private tenant\'s hot events', JSON.stringify(mine.map((x) => x.e)));
    for (const { e } of mine) {
      assert.match(e.user_email ?? e.user_login ?? '', PSEUDONYM);
      assert.match(e.src_ip ?? '', PSEUDONYM);
    }
    assert.ok(JSON.stringify(plain.map((x) => x.e)).includes('carol@example.com'), 'the plain tenant is stored as received');
    // The tenant's own hot days: its items expire 7 days after storage, the others after the default 90.
    const ttl = (x: { item: Record<string, unknown>; e: { ingest_time: string } }) => Math.round((Number(x.item['expires_at']) - Date.parse(x.e.ingest_time) / 1000) / 86_400);
    assert.deepEqual([...new Set(mine.map(ttl))], [7]);
    assert.deepEqual([...new Set(plain.map(ttl))], [90]);
  });

  it('archive: the private tenant\'s rows and alerts hold no clear value', async () => {
    const rows = await c.cli(['query', `SELECT * FROM events WHERE tenant = 'private'`, '--json']);
    assert.equal(rows.code, 0, rows.stderr);
    assert.equal(rows.stdout.trim().split('\n').length, traffic('x').length);
    assertNoClear('the private tenant\'s archive rows', rows.stdout);
    const al = await c.cli(['query', `SELECT * FROM alerts WHERE tenant = 'private'`, '--json']);
    assert.equal(al.code, 0, al.stderr);
    assert.ok(al.stdout.trim().length > 0, 'the private tenant has archived alerts');
    assertNoClear('the private tenant\'s archived alerts', al.stdout);
  });

  it('alerts: push bombing is raised for both tenants, on the pseudonym for the private one, with the same evidence', () => {
    const fatigue = (t: string) => alerts().filter((a) => a.tenant === t && a.rule === 'mfa_fatigue');
    assert.equal(fatigue('plain').length, 1);
    assert.equal(fatigue('private').length, 1);
    assert.equal(fatigue('plain')[0]!.user, 'carol@example.com');
    assert.match(fatigue('private')[0]!.user, PSEUDONYM);
    const uids = (t: string) => fatigue(t)[0]!.event_uids.map((u) => u.replaceAll(t, ''));
    assert.deepEqual(uids('private'), uids('plain'));
    assertNoClear('the private tenant\'s alerts', JSON.stringify(alerts().filter((a) => a.tenant === 'private')));
  });

  it('the evidence report counts the same for both tenants', async () => {
    const report = async (t: string) => {
      const out = join(c.home, `report-${t}`);
      const r = await c.cli(['report', '--tenant', t, '--from', DAY, '--to', DAY, '--out', out]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Record<string, unknown>;
    };
    const [plain, mine] = [await report('plain'), await report('private')];
    for (const k of ['sign_ins', 'sign_ins_with_mfa', 'mfa_coverage_percent', 'sign_ins_without_mfa', 'failed_sign_ins', 'mfa_failures', 'push_denials', 'users']) {
      assert.deepEqual(mine[k], plain[k], k);
    }
    assert.ok(Number(plain['sign_ins']) > 0 && Number(plain['mfa_coverage_percent']) < 100, 'a report with sign-ins with and without MFA');
    assertNoClear('the private tenant\'s report', readFileSync(join(c.home, 'report-private', 'report.json'), 'utf8') + readFileSync(join(c.home, 'report-private', 'report.html'), 'utf8'));
  });

  it('reveal: the pseudonym\'s clear value with the tenant\'s key, recorded in the access log first; never another tenant\'s', async () => {
    const pn = alerts().find((a) => a.tenant === 'private' && a.rule === 'mfa_fatigue')!.user;
    const r = await c.cli(['reveal', '--tenant', 'private', '--reason', 'incident 7: confirm the push-bombed account', pn, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout) as { value: string; access_id: string };
    assert.equal(answer.value, 'carol@example.com');
    const log = await accessLog(c, 'reveal');
    assert.deepEqual(log.map((l) => [l['tenant'], l['action'], l['what'], l['reason'], l['access_id']]), [['private', 'reveal', pn, 'incident 7: confirm the push-bombed account', answer.access_id]]);
    // Another tenant's name does not open it, a reason is required, and a non-pseudonym is refused.
    const other = await c.cli(['reveal', '--tenant', 'plain', '--reason', 'x', pn]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /no pseudonym/);
    const noReason = await c.cli(['reveal', '--tenant', 'private', pn]);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /--reason/);
    assert.equal((await c.cli(['reveal', '--tenant', 'private', '--reason', 'x', 'carol@example.com'])).code, 2);
    assert.equal((await accessLog(c, 'reveal')).length, 1, 'refused reveals record nothing');
    // The evidence reports and queries run above are in the access log too.
    assert.deepEqual([...new Set((await accessLog(c)).map((l) => l['action']))].sort(), ['query', 'report', 'reveal']);
  });

  it('pseudonym: a clear value gives the pseudonym the events carry, so an investigator can find them; recorded first', async () => {
    const pn = alerts().find((a) => a.tenant === 'private' && a.rule === 'mfa_fatigue')!.user;
    const r = await c.cli(['pseudonym', '--tenant', 'private', '--reason', 'incident 8: the user reports push prompts', 'Carol@Example.com', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout) as { email_or_login: string; other: string; access_id: string };
    assert.equal(answer.email_or_login, pn, 'an email is pseudonymized without case');
    // The timeline finds her events by it.
    const tl = await c.cli(['timeline', '--tenant', 'private', '--user', answer.email_or_login, '--json']);
    assert.equal(tl.code, 0, tl.stderr);
    const events = tl.stdout.trim().split('\n').filter(Boolean);
    assert.equal(events.length, traffic('x').filter((e) => JSON.stringify(e).includes('carol@example.com')).length);
    assert.ok(!tl.stdout.toLowerCase().includes('carol'));
    const log = await accessLog(c, 'pseudonym');
    assert.deepEqual(log.map((l) => [l['tenant'], l['what'], l['reason'], l['access_id']]), [['private', `${answer.email_or_login} ${answer.other}`, 'incident 8: the user reports push prompts', answer.access_id]]);
    assert.ok(!JSON.stringify(log).toLowerCase().includes('carol'), 'the access log records the pseudonyms, not the value');
    // Another tenant has no key; a reason is required.
    assert.equal((await c.cli(['pseudonym', '--tenant', 'plain', '--reason', 'x', 'carol@example.com'])).code, 1);
    assert.equal((await c.cli(['pseudonym', '--tenant', 'private', 'carol@example.com'])).code, 2);
    assert.equal((await accessLog(c, 'pseudonym')).length, 1, 'refused requests record nothing');
  });

  it('the collector\'s own output names no clear value of the private tenant', () => {
    const out = c.output();
    // The plain tenant's alerts print its users; the private tenant's values are distinct only by tenant, so check its alert lines.
    const privateLines = out.split('\n').filter((l) => l.includes('"tenant":"private"'));
    assert.ok(privateLines.length > 0);
    assertNoClear('the private tenant\'s output lines', privateLines.join('\n'));
  });
});

describe('erasure of one data subject, end to end through the local collector', () => {
  let c: TestCollector;
  const s3 = () => new S3Client({ endpoint: c.endpoints.s3, region: c.endpoints.region, credentials: c.endpoints.credentials, forcePathStyle: true });
  const rows = async (tenant: string) => {
    const r = await c.cli(['query', `SELECT event_uid, user_email, user_login, actor_login FROM events WHERE tenant = '${tenant}' ORDER BY event_uid`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event_uid: string; user_email: string | null });
  };

  before(async () => {
    c = await startCollector({
      tenants: [
        { id: 'plain', name: 'Plain' },
        { id: 'private', name: 'Private', privacy: { pseudonymize: ['user_id', 'user_login', 'user_email', 'actor_id', 'actor_login', 'src_ip'] } },
      ],
      sources: ['plain', 'private'].map((t) => ({ id: `${t}-okta`, tenant: t, kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } })),
    });
    for (const t of ['plain', 'private']) {
      // Two deliveries a day apart: the subject's events sit in two archive days, beside others'.
      for (const events of [traffic(t), traffic(`${t}-next`).map((e) => ({ ...e, published: new Date(Date.parse(String(e['published'])) + 86_400_000).toISOString() }))]) {
        const res = await fetch(`${c.base}/v1/ingest/${t}-okta`, { method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: JSON.stringify(events) });
        assert.equal(res.status, 200, await res.text());
        const f = await c.cli(['flush']);
        assert.equal(f.code, 0, f.stderr);
      }
      // Two bodies the quarantine keeps as received (an impossible date): one names her, one another user.
      for (const who of ['carol@example.com', 'carolyn@example.com']) {
        const bad = [{ uuid: `bad-${who}`, published: '2026-02-30T25:00:00.000Z', eventType: 'user.session.start', actor: { id: '00u1', type: 'User', alternateId: who }, outcome: { result: 'SUCCESS' } }];
        const res = await fetch(`${c.base}/v1/ingest/${t}-okta`, { method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: JSON.stringify(bad) });
        assert.deepEqual(await res.json(), { accepted: 0, duplicates: 0, quarantined: 1 });
      }
    }
  });
  after(async () => { await c?.stop(); });

  /** The tenant's quarantined bodies, as stored. */
  const quarantined = async (tenant: string) => {
    const client = s3();
    try {
      const keys = (await client.send(new ListObjectsV2Command({ Bucket: c.endpoints.bucket, Prefix: `quarantine/tenant=${tenant}/` }))).Contents?.map((x) => x.Key!) ?? [];
      return await Promise.all(keys.map(async (k) => (await client.send(new GetObjectCommand({ Bucket: c.endpoints.bucket, Key: k }))).Body!.transformToString()));
    } finally {
      client.destroy();
    }
  };

  type Report = { id: string; archive: { rows: number; days: unknown[] }; alerts: { alerts: number }; hot_items: number; vault_entries: number; quarantine: { bodies: number; ids: string[] } };
  /** `authtrail erase` against the running collector. */
  const eraseLocally = async (tenant: string): Promise<Report> => {
    const r = await c.cli(['erase', '--tenant', tenant, '--user', 'Carol@Example.com', '--reason', 'erasure request 42', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return JSON.parse(r.stdout) as Report;
  };
  /**
   * `authtrail erase --outputs`: the CLI's AWS path (the access record through the standard SDK
   * configuration) invoking the deployed eraser, whose code runs here, in this process, with a
   * Lambda's environment pointed at the stand-ins.
   */
  const eraseInAwsMode = async (tenant: string): Promise<Report> => {
    const e = c.endpoints;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: e.s3, AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb, AWS_ACCESS_KEY_ID: e.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: e.credentials.secretAccessKey, AWS_REGION: e.region,
      AUTHTRAIL_BUCKET: e.bucket, AUTHTRAIL_TABLE: e.table, AUTHTRAIL_STATE_TABLE: e.stateTable, AUTHTRAIL_TENANTS: JSON.stringify(['plain', 'private']),
      AUTHTRAIL_PRIVACY_KEYS: JSON.stringify({ private: join(c.home, 'keys', 'private.key') }),
      AUTHTRAIL_DYNAMODB_ENDPOINT: e.dynamodb, AUTHTRAIL_S3_ENDPOINT: e.s3,
      ...Object.fromEntries(['DYNAMODB', 'S3'].flatMap((x) => [[`AUTHTRAIL_${x}_ACCESS_KEY`, e.credentials.accessKeyId], [`AUTHTRAIL_${x}_SECRET_KEY`, e.credentials.secretAccessKey]])),
      POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const { eraseInvoked } = await import('../../lambdas/handlers/eraser.ts');
    const { eraseDeployed, parseEraseArgs } = await import('../../cli/erase.ts');
    const { awsTarget } = await import('../../cli/target.ts');
    const { parseOutputs } = await import('../../cli/outputs.ts');
    // The local outputs with the one a deployment adds: the eraser's name.
    const file = JSON.parse(readFileSync(join(c.home, 'cdk-outputs.json'), 'utf8')) as Record<string, Record<string, string>>;
    const stateless = Object.keys(file).find((k) => k.endsWith('Stateless')) ?? Object.keys(file)[0]!;
    file[stateless] = { ...file[stateless], EraserFunctionName: 'authtrail-eraser' };
    const t = awsTarget(parseOutputs(JSON.stringify(file), 'cdk-outputs.json'));
    const invoked: string[] = [];
    try {
      return await eraseDeployed(parseEraseArgs(['--tenant', tenant, '--user', 'Carol@Example.com', '--reason', 'erasure request 42', '--outputs', 'cdk-outputs.json']), t, {
        invoke: async (fn, payload) => { invoked.push(fn); return { payload: JSON.parse(JSON.stringify(await eraseInvoked(payload))) as unknown }; },
        close: () => {},
      }) as unknown as Report;
    } finally {
      t.close();
      assert.deepEqual(invoked, ['authtrail-eraser']);
    }
  };

  for (const tenant of ['plain', 'private']) {
    it(`${tenant}: the subject's events, alerts and hot items are gone, everyone else's untouched, verify green, the erasure in the chain`, async () => {
      const before = await rows(tenant);
      const carol = traffic('x').filter((e) => JSON.stringify(e).includes('carol@example.com')).length * 2;
      const dry = await c.cli(['erase', '--tenant', tenant, '--user', 'Carol@Example.com', '--reason', 'erasure request 42', '--dry-run', '--json']);
      assert.equal(dry.code, 0, dry.stderr);
      const dryReport = JSON.parse(dry.stdout) as Report;
      assert.equal(dryReport.archive.rows, carol, 'the dry run counts the subject\'s events');
      assert.equal(dryReport.quarantine.bodies, 1, 'and lists her quarantined body (not carolyn\'s)');
      assert.equal((await rows(tenant)).length, before.length, 'a dry run changes nothing');
      assert.equal((await quarantined(tenant)).length, 2);

      const report = tenant === 'plain' ? await eraseLocally(tenant) : await eraseInAwsMode(tenant);
      assert.equal(report.archive.rows, carol);
      assert.equal(report.archive.days.length, 2);
      assert.equal(report.hot_items, carol);
      assert.ok(report.alerts.alerts >= 1, 'the push-bombing alert on her is erased');
      assert.equal(report.vault_entries > 0, tenant === 'private');
      // Her quarantined body is deleted whole (it is kept as received, clear values and all); carolyn's stays.
      assert.deepEqual(report.quarantine, dryReport.quarantine);
      const left = await quarantined(tenant);
      assert.equal(left.length, 1);
      assert.ok(left[0]!.includes('carolyn@example.com') && !/carol@example\.com/i.test(left[0]!));

      const after = await rows(tenant);
      assert.equal(after.length, before.length - carol, 'only her rows left');
      assert.ok(!JSON.stringify(after).includes('carol@example.com'));
      const untouched = before.filter((b) => !after.every((a) => a.event_uid !== b.event_uid));
      assert.equal(untouched.length, before.length - carol);
      const al = await c.cli(['query', `SELECT "user" FROM alerts WHERE tenant = '${tenant}'`, '--json']);
      assert.ok(!al.stdout.toLowerCase().includes('carol'), 'no alert names her');

      const v = await c.cli(['verify', '--tenant', tenant]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      // The chain records each day's rewrite as an erasure: rows, reason, id; never the subject.
      const client = s3();
      const keys = (await client.send(new ListObjectsV2Command({ Bucket: c.endpoints.bucket, Prefix: `digests/tenant=${tenant}/` }))).Contents!.map((x) => x.Key!);
      const bodies = await Promise.all(keys.map(async (k) => (await client.send(new GetObjectCommand({ Bucket: c.endpoints.bucket, Key: k }))).Body!.transformToString()));
      client.destroy();
      const erasures = bodies.map((b) => JSON.parse(b) as { replaces?: { reason: string; erased?: { id: string; rows: number; request: string } } }).filter((d) => d.replaces?.reason === 'erasure');
      assert.equal(erasures.length, 2);
      assert.deepEqual(erasures.map((d) => d.replaces!.erased!.id), [report.id, report.id]);
      assert.equal(erasures.reduce((n, d) => n + d.replaces!.erased!.rows, 0), carol);
      assert.ok(erasures.every((d) => d.replaces!.erased!.request === 'erasure request 42'));
      assert.ok(!bodies.join('').toLowerCase().includes('carol'), 'the chain does not name her');
      // The access log records the erasure, not the subject.
      const log = JSON.stringify(await accessLog(c, 'erase'));
      assert.ok(log.includes(report.id) && !log.toLowerCase().includes('carol'));
      // Compaction still runs over an erased day, and verify stays green.
      const k = await c.cli(['compact', '--tenant', tenant, '--day', DAY]);
      assert.equal(k.code, 0, k.stdout + k.stderr);
      assert.equal((await c.cli(['verify', '--tenant', tenant])).code, 0);
      assert.equal((await rows(tenant)).length, before.length - carol);
    });
  }
});
