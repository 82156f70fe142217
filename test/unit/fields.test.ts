import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cleanIp, toCountryCode, toIsoMillis } from '../../lambdas/core/fields.ts';

describe('toIsoMillis', () => {
  const cases: [unknown, string | null][] = [
    ['2026-11-20T10:15:30.123Z', '2026-11-20T10:15:30.123Z'],
    ['2026-11-20T10:15:30Z', '2026-11-20T10:15:30.000Z'],
    ['2026-11-20T10:15:30.1234567Z', '2026-11-20T10:15:30.123Z'],
    ['2026-11-20T10:15:30.5+02:00', '2026-11-20T08:15:30.500Z'],
    ['2026-11-20T10:15:30-0530', '2026-11-20T15:45:30.000Z'],
    ['2026-11-20 10:15:30', '2026-11-20T10:15:30.000Z'],
    [1_763_633_730, '2025-11-20T10:15:30.000Z'],
    [1_763_633_730_123, '2025-11-20T10:15:30.123Z'],
    [1_763_633_730_123_456, '2025-11-20T10:15:30.123Z'],
    ['1763633730', '2025-11-20T10:15:30.000Z'],
    ['not-a-time', null], ['2026-13-01T00:00:00Z', null], ['', null], [null, null], [{}, null], [-5, null], [Number.NaN, null],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(toIsoMillis(input), want));
});

describe('toIsoMillis: calendar-valid times only, never shifted', () => {
  const valid: [string | number, string][] = [
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'], // leap year
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'], // divisible by 400
    ['2026-04-30T23:59:59.999Z', '2026-04-30T23:59:59.999Z'],
    ['2026-11-20t10:15:30,25z', '2026-11-20T10:15:30.250Z'],
    ['2026-11-20T10:15:30 +02:00', '2026-11-20T08:15:30.000Z'],
    ['2026-11-20T10:15:30+14:00', '2026-11-19T20:15:30.000Z'],
    ['2026-11-20T10:15:30-12:00', '2026-11-20T22:15:30.000Z'],
    ['2026-11-20T10:15:30-00:00', '2026-11-20T10:15:30.000Z'],
    ['1969-12-31T23:30:00-01:00', '1970-01-01T00:30:00.000Z'],
    ['1763633730.123', '2025-11-20T10:15:30.123Z'],
    ['4394263500.676', '2109-04-01T12:45:00.676Z'], // float seconds past 2^32: n * 1000 would floor to .675
    [4394263500.676, '2109-04-01T12:45:00.676Z'],
    ['1763633730.9999999999', '2025-11-20T10:15:30.999Z'], // truncated like ISO fractions, not rounded into the next second
    // A leap second is the last second of a UTC month; it is read as the end of the second before it.
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
    ['2016-12-31T18:59:60-05:00', '2016-12-31T23:59:59.999Z'],
    ['2026-06-30T23:59:60.5Z', '2026-06-30T23:59:59.999Z'],
  ];
  for (const [input, want] of valid) it(`${input} → ${want}`, () => assert.equal(toIsoMillis(input), want));

  const invalid: [string, string][] = [
    ['2026-02-30T12:00:00Z', 'February 30 (Date.UTC makes it March 2)'],
    ['2025-02-29T00:00:00Z', 'February 29 of a common year'],
    ['2100-02-29T00:00:00Z', 'February 29 of a century that is not a leap year'],
    ['2026-04-31T00:00:00Z', 'April 31'],
    ['2026-00-10T00:00:00Z', 'month 0'],
    ['2026-11-00T00:00:00Z', 'day 0'],
    ['2026-11-20T24:00:00Z', 'hour 24'],
    ['2026-11-20T10:60:00Z', 'minute 60'],
    ['2026-11-20T10:15:60Z', 'second 60 that is no leap second slot'],
    ['2026-12-31T22:59:60Z', 'second 60 an hour before the end of the month'],
    ['2026-12-31T23:59:60+01:00', 'second 60 at local midnight, an hour before the UTC one'],
    ['2026-06-29T23:59:60Z', 'second 60 before the last day of the month'],
    ['2026-11-20T10:15:61Z', 'second 61'],
    ['2026-11-20T10:15:30+14:01', 'offset beyond +14:00'],
    ['2026-11-20T10:15:30-15:00', 'offset beyond -14:00'],
    ['2026-11-20T10:15:30+05:60', 'offset minutes 60'],
    ['2026-11-20T10:15:30+0575', 'offset minutes 75'],
    ['0070-01-01T00:00:00Z', 'year 70 (Date.UTC reads it as 1970)'],
    ['1969-12-31T23:59:59Z', 'before the epoch'],
  ];
  for (const [input, why] of invalid) it(`${input} → null: ${why}`, () => assert.equal(toIsoMillis(input), null));

  it('quarantines an event with an impossible date instead of storing it on another day', async () => {
    const { generic } = await import('../../lambdas/sources/generic/map.ts');
    const r = generic.normalize({ event_uid: 'e-1', event_time: '2026-02-30T12:00:00Z' });
    assert.equal(r.kind, 'reject');
    assert.match((r as { reason: string }).reason, /event_time/);
  });
});

describe('toIsoMillis: the stored form passes through unchanged, and only when it is a real instant', () => {
  it('any instant from 1970 to 9999 in its stored form is returned as is', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
      const iso = new Date(ms).toISOString();
      assert.equal(toIsoMillis(iso), iso);
    }));
  });
  it('a stored-form string with an impossible field is never returned as is', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(fc.property(fc.integer({ min: 1960, max: 2100 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }),
      (y, mo, d, h, mi, se) => {
        const s = `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(se)}.123Z`;
        const real = y >= 1970 && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s; // nothing before 1970 is accepted
        const got = toIsoMillis(s);
        if (real) assert.equal(got, s);
        else if (se !== 60) assert.equal(got, null, s);
        else assert.ok(got === null || got.endsWith(':59.999Z'), s); // a leap second, read as the end of the second before
      }));
  });
});

describe('cleanIp', () => {
  const cases: [unknown, string | null][] = [
    ['198.51.100.7', '198.51.100.7'], ['198.51.100.7:443', '198.51.100.7'], ['[2001:db8::1]:443', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'], ['203.0.113.5, 10.0.0.1', '203.0.113.5'], ['localhost', null], ['', null], [42, null],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(cleanIp(input), want));
});

describe('cleanIp: validated addresses only (node:net isIP)', () => {
  const cases: [string, string | null, string][] = [
    ['999.1.1.1', null, 'an octet above 255'],
    ['010.1.1.1', null, 'a leading zero (octal in some parsers)'],
    ['198.51.100', null, 'three octets'],
    ['::::', null, 'colons only'],
    ['abc:def', null, 'hex words with a colon'],
    ['2001:db8::g', null, 'a non-hex group'],
    ['198.51.100.7:65536', null, 'a port above 65535'],
    ['198.51.100.7:', null, 'an empty port'],
    ['198.51.100.7:https', null, 'a service name for a port'],
    ['[2001:db8::1]:70000', null, 'a bracketed address with a port above 65535'],
    ['[2001:db8::1', null, 'an unclosed bracket'],
    ['[198.51.100.7]:443', null, 'IPv4 in brackets'],
    ['198.51.100.7:0', '198.51.100.7', 'port 0, which loggers write when they have none'],
    ['203.0.113.5:65535', '203.0.113.5', 'the highest port'],
    ['[2001:DB8::1]', '2001:db8::1', 'brackets without a port'],
    // The vendor quirk: a port glued onto an unbracketed IPv6 address.
    ['2001:db8:4b3f:e800:9c3d:1c1a:6fc6:ab12:1234', '2001:db8:4b3f:e800:9c3d:1c1a:6fc6:ab12', 'nine groups: the ninth is a port'],
    ['2001:DB8:4B3F:E800:9C3D:1C1A:6FC6:AB12:443', '2001:db8:4b3f:e800:9c3d:1c1a:6fc6:ab12', 'nine groups, upper case'],
    ['2001:db8::1:2:3:4:5:443', '2001:db8::1:2:3:4:5', 'eight groups written with :: and a port'],
    ['2001:db8:4b3f:e800:9c3d:1c1a:6fc6:ab12:65536', null, 'nine groups with a port above 65535'],
    ['2001:db8:4b3f:e800:9c3d:1c1a:6fc6:ab12:abcd', null, 'nine hex groups: no port, no address'],
    ['::ffff:198.51.100.7:443', '::ffff:198.51.100.7', 'a port after an embedded dotted quad'],
    ['2001:db8::1:443', '2001:db8::1:443', 'a valid address as written (a port cannot be told apart)'],
    ['::ffff:198.51.100.7', '::ffff:198.51.100.7', 'an IPv4-mapped address is kept as given'],
    ['::FFFF:C633:6407', '::ffff:c633:6407', 'the same in hex, lower-cased'],
    ['fe80::1%eth0', 'fe80::1', 'a zone id is dropped'],
    ['[FE80::1%25eth0]:443', 'fe80::1', 'a URL-encoded zone id in brackets'],
    ['fe80::1%', null, 'an empty zone id'],
    ['unknown, 203.0.113.5, 198.51.100.7', '203.0.113.5', 'X-Forwarded-For: the first valid entry'],
    [' 2001:db8::5 ,203.0.113.5', '2001:db8::5', 'X-Forwarded-For starting with IPv6'],
    ['999.1.1.1, junk', null, 'a list without any address'],
  ];
  for (const [input, want, why] of cases) it(`${JSON.stringify(input)} → ${want}: ${why}`, () => assert.equal(cleanIp(input), want));
});

describe('toCountryCode', () => {
  const cases: [unknown, string | null][] = [
    ['Germany', 'DE'], ['United States', 'US'], ['United States of America', 'US'], ['us', 'US'], ['USA', 'US'],
    ['840', 'US'], ['South Korea', 'KR'], ['Russia', 'RU'], ['United Kingdom', 'GB'], ['Japan', 'JP'],
    ['Unknown', null], ['Atlantis', null], ['ZZ', null], [null, null], [3, null],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(toCountryCode(input), want));
});

describe('parseUserAgent', async () => {
  const { parseUserAgent } = await import('../../lambdas/core/fields.ts');
  const cases: [string, { os: string | null; browser: string | null }][] = [
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', { os: 'Windows 10', browser: 'Chrome 131' }],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0', { os: 'Linux', browser: 'Firefox 132' }],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15', { os: 'Mac OS 14.6', browser: 'Safari 17' }],
    ['curl/8.5.0', { os: null, browser: null }],
  ];
  for (const [ua, want] of cases) it(ua.slice(0, 40), () => assert.deepEqual(parseUserAgent(ua), want));
});
