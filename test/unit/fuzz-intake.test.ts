/**
 * Property-based fuzzing of the HTTP intake (CONTRACT §3): the body parser, webhook auth, the
 * ingest pipeline behind `POST|GET /v1/ingest/{sourceId}`, and the time and IP converters every
 * normalizer uses. Everything here talks to the public interface only (`createIngest(deps).http`,
 * `parseBody`, `verifyRequest`, `toIsoMillis`, `cleanIp`), so internal rewrites keep it valid.
 *
 * A failure prints fast-check's report with `seed` and `path`. Replay it with
 *   FUZZ_SEED=<seed> node --import tsx --test test/unit/fuzz-intake.test.ts
 * and jump straight to the shrunk case of one property with
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> node --import tsx --test --test-name-pattern='<its title>' test/unit/fuzz-intake.test.ts
 * `FUZZ_RUNS=<n>` runs every property n times instead of its default (the defaults keep the file
 * at a few seconds on a shared core; thousands of runs each pass too).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { parseBody } from '../../lambdas/core/body.ts';
import { verifyRequest } from '../../lambdas/core/auth.ts';
import { parseConfig, SourceAuth } from '../../lambdas/core/config.ts';
import { createIngest, MAX_BODY_BYTES } from '../../lambdas/core/ingest.ts';
import { ISO_MILLIS } from '../../lambdas/core/event.ts';
import { cleanIp, toIsoMillis } from '../../lambdas/core/fields.ts';
import { fixture } from '../helpers/fixtures.ts';

// ---------------------------------------------------------------------------------------------
// The intake's ports, faked in memory. The one place to adapt when the ports change shape.
type Deps = Parameters<typeof createIngest>[0];
type StoredEvent = Parameters<Deps['store']['putNew']>[0][number];
type QuarantineRecord = Parameters<Deps['quarantine']['put']>[0];

const NOW = new Date('2026-11-21T09:00:00.000Z');

function fakeIntake(config: Deps['config']) {
  const stored = new Map<string, StoredEvent>();
  const quarantined: QuarantineRecord[] = [];
  const deps: Deps = {
    config,
    store: {
      async putNew(events) {
        let accepted = 0;
        for (const e of events) {
          const key = `${e.source_id}#${e.event_uid}`;
          if (!stored.has(key)) { stored.set(key, e); accepted++; }
        }
        return { accepted, duplicates: events.length - accepted };
      },
    },
    quarantine: { async put(record) { quarantined.push(record); } },
    secrets: async (ref) => ref.value ?? '',
    now: () => NOW,
  };
  return { ingest: createIngest(deps), stored, quarantined };
}
// ---------------------------------------------------------------------------------------------

const SEED = envInt('FUZZ_SEED');
const RUNS = envInt('FUZZ_RUNS');
const PATH = process.env['FUZZ_PATH'] || undefined;

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got "${v}"`);
  return n;
}

/** fast-check parameters: the property's default run count unless FUZZ_RUNS; FUZZ_SEED and FUZZ_PATH if set. */
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: RUNS ?? numRuns,
  ...(SEED === undefined ? {} : { seed: SEED }),
  ...(PATH === undefined ? {} : { path: PATH }),
});

const SECRETS = { okta: 'okta-shared-secret-1', hmac: 'hmac-secret-value-1', stamped: 'hmac-stamped-secret-1', google: 'google-channel-token-1' };
const config = parseConfig({
  tenants: [{ id: 'acme', name: 'Acme' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRETS.okta } },
    { id: 'acme-generic', tenant: 'acme', kind: 'generic', auth: { type: 'hmac-sha256', header: 'x-signature', secret: SECRETS.hmac } },
    { id: 'acme-stamped', tenant: 'acme', kind: 'auth0', auth: { type: 'hmac-sha256', header: 'x-signature', secret: SECRETS.stamped, timestampHeader: 'x-timestamp', toleranceSeconds: 300 } },
    { id: 'acme-google', tenant: 'acme', kind: 'google_workspace', auth: { type: 'google-channel-token', token: SECRETS.google } },
    { id: 'acme-open', tenant: 'acme', kind: 'keycloak', auth: { type: 'none' }, allowUnauthenticated: true },
    { id: 'acme-duo', tenant: 'acme', kind: 'duo' },
  ],
});
const SOURCE_IDS = config.sources.map((s) => s.id);

/** The headers that authenticate `body` for a configured source (none for unknown ones). */
function rightAuth(sourceId: string, body: Buffer): Record<string, string> {
  const ts = String(Math.floor(NOW.getTime() / 1000));
  switch (sourceId) {
    case 'acme-okta': return { authorization: SECRETS.okta };
    case 'acme-generic': return { 'x-signature': createHmac('sha256', SECRETS.hmac).update(body).digest('hex') };
    case 'acme-stamped': return { 'x-timestamp': ts, 'x-signature': createHmac('sha256', SECRETS.stamped).update(`${ts}.`).update(body).digest('hex') };
    case 'acme-google': return { 'x-goog-channel-token': SECRETS.google };
    default: return {};
  }
}

const oktaHook = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json');
const oktaEvents = oktaHook.data.events;
/** One oversized body, allocated once: 413 must come before anything reads it. */
const OVERSIZED = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);

// Arbitraries ---------------------------------------------------------------------------------
const unicode = (o: { minLength?: number; maxLength?: number } = {}) => fc.string({ unit: 'binary', ...o });
const jsonText = fc.jsonValue().map((v) => JSON.stringify(v));
/** `[[[…1…]]]` or `{"a":{"a":…}}`, optionally left open. */
const nested = (maxDepth: number) =>
  fc.record({ depth: fc.integer({ min: 1, max: maxDepth }), open: fc.constantFrom('[', '{"a":', ' [ '), closed: fc.boolean() })
    .map(({ depth, open, closed }) => open.repeat(depth) + '1' + (closed ? (open === '{"a":' ? '}' : ']').repeat(depth) : ''));
/** A vendor event, or a copy with one field replaced by arbitrary JSON. */
const mutatedOkta = fc.record({ base: fc.constantFrom(...oktaEvents), key: fc.constantFrom(...Object.keys(oktaEvents[0]!), 'extra'), value: fc.jsonValue({ maxDepth: 3 }) })
  .map(({ base, key, value }) => ({ ...structuredClone(base), [key]: value }));
const ndjson = fc.array(fc.oneof(jsonText, fc.constantFrom(...oktaEvents).map((e) => JSON.stringify(e)), unicode({ maxLength: 20 })), { minLength: 1, maxLength: 6 })
  .map((lines) => lines.join('\n'));

const bodyText = (maxDepth: number) => fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  { weight: 2, arbitrary: unicode({ maxLength: 200 }).map((s) => Buffer.from(s)) },
  { weight: 3, arbitrary: jsonText.map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: ndjson.map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: nested(maxDepth).map((s) => Buffer.from(s)) },
  { weight: 3, arbitrary: fc.array(fc.oneof(mutatedOkta, fc.jsonValue({ maxDepth: 3 })), { maxLength: 4 }).map((extra) => Buffer.from(JSON.stringify({ data: { events: [...oktaEvents, ...extra] } }))) },
  { weight: 1, arbitrary: fc.constant(OVERSIZED) },
);
const headerName = fc.oneof(
  fc.constantFrom('authorization', 'x-signature', 'x-timestamp', 'x-goog-channel-token', 'x-goog-resource-state', 'x-okta-verification-challenge', 'content-type', 'content-encoding', '__proto__', 'constructor'),
  fc.string({ maxLength: 20 }),
);
const headerValue = fc.oneof(unicode({ maxLength: 80 }), fc.constantFrom('sync', 'gzip', 'sha256=', 'Bearer x', ...Object.values(SECRETS)));
const request = (maxDepth: number) => fc.record({
  method: fc.oneof(fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'post', ''), fc.string({ maxLength: 10 })),
  sourceId: fc.oneof(fc.constantFrom(...SOURCE_IDS, '__proto__', 'constructor', 'toString', ''), unicode({ maxLength: 80 })),
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
  auth: fc.constantFrom('right', 'right', 'as-sent'),
  body: bodyText(maxDepth),
});

const DOCUMENTED = new Set([200, 400, 401, 404, 405, 413]);

/** Sends one generated request; checks what must hold for any request; returns what happened. */
async function exercise(r: { method: string; sourceId: string; headers: Record<string, string>; auth: string; body: Buffer }) {
  const { ingest, stored, quarantined } = fakeIntake(config);
  const headers = r.auth === 'right' ? { ...r.headers, ...rightAuth(r.sourceId, r.body) } : r.headers;
  const res = await ingest.http({ method: r.method, sourceId: r.sourceId, headers, body: r.body });
  assert.ok(DOCUMENTED.has(res.status), `undocumented status ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
  assert.ok(res.body !== null && typeof res.body === 'object' && !Array.isArray(res.body));
  if (res.status !== 200) {
    assert.deepEqual(Object.keys(res.body).sort(), ['error', 'message']);
    assert.equal(typeof res.body['error'], 'string');
    assert.equal(typeof res.body['message'], 'string');
  }
  if (res.status === 400) assert.ok(quarantined.length > 0, 'a body that is not JSON is quarantined, never dropped');
  if ([401, 404, 405, 413].includes(res.status)) assert.equal(stored.size + quarantined.length, 0, `${res.status} stores nothing`);
  if (res.status === 200 && 'accepted' in res.body) {
    const { accepted, duplicates, quarantined: q } = res.body as Record<string, unknown>;
    for (const n of [accepted, duplicates, q]) assert.ok(Number.isSafeInteger(n) && (n as number) >= 0, JSON.stringify(res.body));
    assert.equal(accepted, stored.size, 'accepted counts the newly stored events');
  }
  return res;
}

describe('fuzz: parseBody', () => {
  // Only `ok`, `payload` and `reason` are relied on: the rest of the result is the parser's to change.
  const shapeOk = (b: Buffer) => {
    const r = parseBody(b);
    if (!r.ok) assert.equal(typeof r.reason, 'string');
    return r;
  };
  it('never throws, for arbitrary bytes, strings and deeply nested JSON', () => {
    fc.assert(fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 1000 }).map((b) => Buffer.from(b)),
      unicode({ maxLength: 300 }).map((s) => Buffer.from(s)),
      nested(50_000).map((s) => Buffer.from(s)),
      fc.tuple(nested(5_000), unicode({ maxLength: 5 }), nested(5_000)).map(([a, sep, b]) => Buffer.from(`${a}${sep}\n${b}`)),
    ), (b) => { shapeOk(b); }), params(1000));
  });
  it('valid JSON round-trips (compact, pretty, with a BOM or surrounding whitespace)', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom('compact', 'pretty', 'bom', 'padded'), (v, style) => {
      const text = JSON.stringify(v, null, style === 'pretty' ? 2 : undefined);
      const framed = style === 'bom' ? `\ufeff${text}` : style === 'padded' ? ` \n${text}\r\n ` : text;
      const r = shapeOk(Buffer.from(framed));
      assert.ok(r.ok);
      assert.deepEqual(r.payload, JSON.parse(text));
    }), params(1000));
  });
  it('NDJSON of valid objects is the list of those objects, whatever the line endings and blank lines', () => {
    fc.assert(fc.property(
      fc.array(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), { minLength: 2, maxLength: 8 }),
      fc.constantFrom('\n', '\r\n', '\n\n', '\n \n'), fc.boolean(),
      (objects, eol, trailing) => {
        const lines = objects.map((o) => JSON.stringify(o));
        const r = shapeOk(Buffer.from(lines.join(eol) + (trailing ? eol : '')));
        assert.ok(r.ok);
        assert.deepEqual(r.payload, lines.map((l) => JSON.parse(l)));
      },
    ), params(500));
  });
});

describe('fuzz: verifyRequest', () => {
  const now = NOW.getTime();
  const body = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)); // invalid UTF-8 included
  const secret = unicode({ minLength: 1, maxLength: 40 });
  const encodings = ['hex', 'HEX', 'base64', 'base64url', 'sha256=hex', 'SHA256=hex', 'sha256=base64'] as const;
  type Encoding = (typeof encodings)[number];
  const encode = (mac: Buffer, e: Encoding) => {
    const [prefix, enc] = e.includes('=') ? [e.slice(0, e.indexOf('=') + 1), e.slice(e.indexOf('=') + 1)] : ['', e];
    const s = enc === 'HEX' ? mac.toString('hex').toUpperCase() : mac.toString(enc as BufferEncoding);
    return prefix + s;
  };
  /** The signature a sender computes, and the auth + headers that carry it. */
  const signed = fc.record({ body, secret, encoding: fc.constantFrom(...encodings), stamped: fc.boolean(), skew: fc.integer({ min: -299, max: 299 }), ms: fc.boolean(), pad: fc.constantFrom('', ' ', '\t') });
  const sign = (s: { body: Buffer; secret: string; stamped: boolean; skew: number; ms: boolean }) => {
    const tsMs = now + s.skew * 1000;
    const ts = s.ms ? String(tsMs) : String(Math.floor(tsMs / 1000));
    const mac = createHmac('sha256', s.secret);
    if (s.stamped) mac.update(`${ts}.`);
    const auth = SourceAuth.parse(s.stamped
      ? { type: 'hmac-sha256', header: 'X-Signature', secret: 'x'.repeat(8), timestampHeader: 'X-Timestamp', toleranceSeconds: 300 }
      : { type: 'hmac-sha256', header: 'X-Signature', secret: 'x'.repeat(8) });
    return { auth, mac: mac.update(s.body).digest(), stampHeaders: s.stamped ? { 'x-timestamp': ts } : {} };
  };

  it('accepts a correct HMAC in every documented form, for any body bytes and secret', () => {
    fc.assert(fc.property(signed, (s) => {
      const { auth, mac, stampHeaders } = sign(s);
      const headers = { ...stampHeaders, 'x-signature': `${s.pad}${encode(mac, s.encoding)}${s.pad}` };
      assert.equal(verifyRequest(auth, s.secret, headers, s.body, now), true);
    }), params(1000));
  });
  it('refuses the HMAC once any single bit of the body or of the signature changes', () => {
    fc.assert(fc.property(signed, fc.constantFrom('body', 'signature'), fc.nat(), fc.integer({ min: 0, max: 7 }), (s, what, at, bit) => {
      const { auth, mac, stampHeaders } = sign(s);
      let b = s.body;
      let m = mac;
      if (what === 'body' && b.length > 0) { b = Buffer.from(b); b[at % b.length]! ^= 1 << bit; }
      else { m = Buffer.from(mac); m[at % m.length]! ^= 1 << bit; }
      const headers = { ...stampHeaders, 'x-signature': encode(m, s.encoding) };
      assert.equal(verifyRequest(auth, s.secret, headers, b, now), false);
    }), params(1000));
  });
  it('refuses an HMAC made with another secret', () => {
    fc.assert(fc.property(signed, secret, (s, other) => {
      fc.pre(other !== s.secret);
      const { auth, mac, stampHeaders } = sign({ ...s, secret: other });
      assert.equal(verifyRequest(auth, s.secret, { ...stampHeaders, 'x-signature': encode(mac, s.encoding) }, s.body, now), false);
    }), params(500));
  });
  it('shared secret and channel token: only the exact secret passes', () => {
    const near = (s: string) => fc.oneof(
      fc.constant(s), unicode({ maxLength: 40 }),
      fc.constantFrom(`${s} `, ` ${s}`, `${s}\n`, s.slice(1), s.slice(0, -1), `Bearer ${s}`, s.toUpperCase(), s.toLowerCase(), s + s, s.normalize('NFD'), s.normalize('NFKC')),
    );
    fc.assert(fc.property(secret.chain((s) => fc.tuple(fc.constant(s), near(s), fc.boolean())), ([s, sent, google]) => {
      const auth = SourceAuth.parse(google ? { type: 'google-channel-token', token: 'x'.repeat(8) } : { type: 'shared-secret', header: 'Authorization', secret: 'x'.repeat(8) });
      const headers = google ? { 'x-goog-channel-token': sent } : { authorization: sent };
      assert.equal(verifyRequest(auth, s, headers, Buffer.alloc(0), now), sent === s);
    }), params(1000));
  });
  it('never throws on arbitrary header values, secrets, bodies and clocks; answers a boolean', () => {
    const auths = [
      { type: 'shared-secret', header: 'authorization', secret: 'x'.repeat(8) },
      { type: 'hmac-sha256', header: 'x-signature', secret: 'x'.repeat(8) },
      { type: 'hmac-sha256', header: 'x-signature', secret: 'x'.repeat(8), timestampHeader: 'x-timestamp', toleranceSeconds: 300 },
      { type: 'google-channel-token', token: 'x'.repeat(8) },
      { type: 'none' },
    ].map((a) => SourceAuth.parse(a));
    const value = fc.oneof(unicode({ maxLength: 100 }), fc.constantFrom('sha256=', 'SHA256=', '', ' ', '0', '-1', '1e3', '99999999999999999999', String(now), String(now / 1000)), fc.constant(undefined));
    fc.assert(fc.property(
      fc.constantFrom(...auths),
      fc.option(unicode({ maxLength: 40 })),
      fc.record({ authorization: value, 'x-signature': value, 'x-timestamp': value, 'x-goog-channel-token': value }, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 12 }), unicode({ maxLength: 40 }), { maxKeys: 3 }),
      body, fc.oneof(fc.constant(now), fc.integer(), fc.double()),
      (auth, sec, known, other, b, clock) => {
        assert.equal(typeof verifyRequest(auth, sec, { ...other, ...known }, b, clock), 'boolean');
      },
    ), params(1000));
  });
});

describe('fuzz: createIngest(...).http', () => {
  it('never throws and answers only documented statuses and shapes, for any method, source id, headers and body', async () => {
    await fc.assert(fc.asyncProperty(request(1_000), async (r) => { await exercise(r); }), params(1000));
  });

  it('an authenticated Okta hook with junk items appended: 200, and every item counted exactly once', async () => {
    const junk = fc.array(fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      mutatedOkta,
      fc.constantFrom(...oktaEvents), // a redelivery inside the body
    ), { maxLength: 8 });
    await fc.assert(fc.asyncProperty(junk, async (extra) => {
      const hook = structuredClone(oktaHook);
      hook.data.events.push(...(extra as Record<string, unknown>[]));
      const body = Buffer.from(JSON.stringify(hook));
      const res = await exercise({ method: 'POST', sourceId: 'acme-okta', headers: {}, auth: 'right', body });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const { accepted = NaN, duplicates = NaN, quarantined = NaN } = res.body as Record<string, number>;
      assert.equal(accepted + duplicates + quarantined, oktaEvents.length + extra.length, JSON.stringify(res.body));
      assert.ok(accepted >= oktaEvents.length, 'the valid events are stored');
    }), params(300));
  });

  it('a request without the right credentials never reaches the store or the quarantine', async () => {
    await fc.assert(fc.asyncProperty(request(200).map((r) => ({ ...r, auth: 'as-sent' })), async (r) => {
      fc.pre(r.sourceId !== 'acme-open' && !Object.values(r.headers).some((v) => Object.values(SECRETS).includes(v)));
      const res = await exercise(r); // which also checks that nothing was stored on 401, 404 and 413
      assert.ok([401, 404, 413].includes(res.status), `answered ${res.status} without credentials`);
    }), params(500));
  });

  it('never throws for nesting deeper than the JS stack (depth 3 000–20 000)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 3_000, max: 20_000 }), fc.constantFrom('[', '{"a":'), async (depth, open) => {
      const text = open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth);
      await exercise({ method: 'POST', sourceId: 'acme-okta', headers: {}, auth: 'right', body: Buffer.from(text) });
    }), params(10));
  });
  it('every quarantine record can be serialized, as the S3 sink must', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 5_000, max: 20_000 }), async (depth) => {
      const { ingest, quarantined } = fakeIntake(config);
      const body = Buffer.from('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
      await ingest.http({ method: 'POST', sourceId: 'acme-generic', headers: rightAuth('acme-generic', body), body });
      for (const r of quarantined) JSON.stringify(r);
    }), params(5));
  });
});

describe('fuzz: toIsoMillis', () => {
  const isIsoMillis = (out: string | null) => out === null || (ISO_MILLIS.test(out) && new Date(out).toISOString() === out);
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  /** ISO-shaped strings with every field drawn past its valid range. */
  const isoish = fc.record({
    y: fc.integer({ min: 0, max: 9999 }), mo: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }), mi: fc.integer({ min: 0, max: 61 }), s: fc.integer({ min: 0, max: 61 }),
    frac: fc.option(fc.stringMatching(/^\d{1,12}$/)), sep: fc.constantFrom('T', ' ', 't'),
    zone: fc.oneof(fc.constantFrom('', 'Z', 'z'), fc.record({ sign: fc.constantFrom('+', '-'), hh: fc.integer({ min: 0, max: 16 }), mm: fc.integer({ min: 0, max: 75 }), colon: fc.boolean() })
      .map(({ sign, hh, mm, colon }) => `${sign}${pad(hh, 2)}${colon ? ':' : ''}${pad(mm, 2)}`)),
  }).map((f) => ({ ...f, text: `${pad(f.y, 4)}-${pad(f.mo, 2)}-${pad(f.d, 2)}${f.sep}${pad(f.h, 2)}:${pad(f.mi, 2)}:${pad(f.s, 2)}${f.frac === null ? '' : `.${f.frac}`}${f.zone}` }));

  it('answers null or an ISO millis string that round-trips through Date, for any input', () => {
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.string(), isoish.map((f) => f.text), fc.double(), fc.integer(), fc.stringMatching(/^\d{8,18}(\.\d{1,4})?$/)), (v) => {
      assert.ok(isIsoMillis(toIsoMillis(v)), JSON.stringify(v));
    }), params(2000));
  });
  it('never moves a UTC time to another calendar field: a valid result repeats the input fields', () => {
    fc.assert(fc.property(isoish.filter((f) => ['', 'Z', 'z'].includes(f.zone)), (f) => {
      const out = toIsoMillis(f.text);
      if (out === null) return;
      const leap = f.s === 60;
      const want = `${pad(f.y, 4)}-${pad(f.mo, 2)}-${pad(f.d, 2)}T${pad(f.h, 2)}:${pad(f.mi, 2)}:${leap ? '59' : pad(f.s, 2)}`;
      assert.equal(out.slice(0, 19), want, f.text);
      if (leap) assert.equal(out.slice(19), '.999Z');
    }), params(2000));
  });
  it('reads back every ISO shape of a valid instant as the same instant', () => {
    const date = fc.date({ min: new Date('1970-01-02T00:00:00Z'), max: new Date('9999-12-30T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(fc.property(date, fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.stringMatching(/^\d{0,9}$/), fc.constantFrom('T', ' '), fc.boolean(), (d, offset, extra, sep, colon) => {
      const iso = d.toISOString();
      const local = new Date(d.getTime() + offset * 60_000).toISOString();
      const abs = Math.abs(offset);
      const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}${colon ? ':' : ''}${pad(abs % 60, 2)}`;
      const shapes = [
        iso, iso.slice(0, -1), iso.replace('T', sep), iso.replace('Z', '+00:00'), iso.replace('.', ','),
        `${local.slice(0, 23)}${extra}${zone}`.replace('T', sep),
        `${local.slice(0, 23)}${extra} ${zone}`,
      ];
      for (const s of shapes) assert.equal(toIsoMillis(s), iso, s);
      const whole = new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();
      assert.equal(toIsoMillis(`${local.slice(0, 19)}${zone}`), whole);
    }), params(1000));
  });
  it('reads back epoch seconds, milliseconds and microseconds, as numbers and numeric strings', () => {
    // Milliseconds are told from seconds by magnitude (from 1973-03-04); microseconds stay exact below 2^53.
    const date = fc.date({ min: new Date('1973-03-04T00:00:00Z'), max: new Date('2255-01-01T00:00:00Z'), noInvalidDate: true });
    fc.assert(fc.property(date, fc.integer({ min: 0, max: 999 }), (d, micros) => {
      const ms = d.getTime();
      const iso = d.toISOString();
      const whole = new Date(Math.floor(ms / 1000) * 1000).toISOString();
      for (const [v, want] of [[ms, iso], [String(ms), iso], [ms * 1000 + micros, iso], [String(ms * 1000 + micros), iso],
        [Math.floor(ms / 1000), whole], [String(Math.floor(ms / 1000)), whole], [ms / 1000, iso]] as const) {
        assert.equal(toIsoMillis(v), want, String(v));
      }
    }), params(1000));
  });
  it('reads a leap second at the end of any month as the last millisecond of that month', () => {
    const month = fc.record({ y: fc.integer({ min: 1972, max: 9998 }), mo: fc.integer({ min: 1, max: 12 }) });
    fc.assert(fc.property(month, fc.integer({ min: -14, max: 14 }), ({ y, mo }, hours) => {
      const last = new Date(Date.UTC(y, mo, 1) - 1); // 23:59:59.999 of the month's last day
      const local = new Date(last.getTime() + hours * 3_600_000).toISOString();
      const zone = `${hours < 0 ? '-' : '+'}${pad(Math.abs(hours), 2)}:00`;
      assert.equal(toIsoMillis(`${local.slice(0, 17)}60${zone}`), last.toISOString());
      // A minute, an hour or a day earlier is no leap second slot.
      for (const before of [60_000, 3_600_000, 86_400_000]) {
        const early = new Date(last.getTime() - before + hours * 3_600_000).toISOString();
        assert.equal(toIsoMillis(`${early.slice(0, 17)}60${zone}`), null, early);
      }
    }), params(500));
  });
});

describe('fuzz: cleanIp', () => {
  const port = fc.integer({ min: 0, max: 65_535 });
  const ipish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.[]%, f'), maxLength: 50 });
  const valid = (out: string | null) => out === null || isIP(out) !== 0;

  it('answers null or an address node:net accepts, for any input', () => {
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.string(), ipish, fc.ipV4Extended(), fc.ipV6().map((a) => `${a}:${'9'.repeat(3)}`)), (v) => {
      const out = cleanIp(v);
      assert.ok(valid(out), `${JSON.stringify(v)} → ${out}`);
      if (out !== null) assert.equal(out, out.trim());
    }), params(2000));
  });
  it('keeps a valid address, without its port, IPv6 in lower case', () => {
    fc.assert(fc.property(fc.ipV4(), fc.ipV6(), port, (v4, v6, p) => {
      const lower = v6.toLowerCase();
      assert.equal(cleanIp(v4), v4);
      assert.equal(cleanIp(`${v4}:${p}`), v4);
      assert.equal(cleanIp(` ${v4} `), v4);
      assert.equal(cleanIp(v6), lower);
      assert.equal(cleanIp(v6.toUpperCase()), lower);
      assert.equal(cleanIp(`[${v6}]`), lower);
      assert.equal(cleanIp(`[${v6}]:${p}`), lower);
      assert.equal(cleanIp(`${v6}%eth0`), lower);
      assert.equal(cleanIp(`${v4}:${p + 65_536}`), null);
      assert.equal(cleanIp(`[${v6}]:${p + 65_536}`), null);
    }), params(1000));
  });
  it('strips a port glued onto bare IPv6 for every port value or for none (the shape decides, not the number)', () => {
    fc.assert(fc.property(fc.ipV6(), port, port, (a, p1, p2) => {
      const lower = a.toLowerCase();
      const stripped = (p: number) => cleanIp(`${a}:${p}`) === lower;
      assert.equal(stripped(p1), stripped(p2), `${a}: port ${p1} vs ${p2}`);
      if (a.split(':').filter(Boolean).length === 8 && !a.includes('.')) assert.ok(stripped(p1), `${a}:${p1} is eight groups and a port`);
    }), params(1000));
  });
  it('takes the first valid entry of an X-Forwarded-For list', () => {
    const entry = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().chain((a) => port.map((p) => `${a}:${p}`)), ipish.filter((s) => !s.includes(',')), fc.constantFrom('unknown', '', '999.1.1.1'));
    fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), fc.constantFrom(',', ', ', ' , '), (entries, sep) => {
      const first = entries.map((e) => cleanIp(e)).find((x) => x !== null) ?? null;
      assert.equal(cleanIp(entries.join(sep)), first);
    }), params(1000));
  });
});
