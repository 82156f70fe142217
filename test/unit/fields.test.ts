import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

describe('cleanIp', () => {
  const cases: [unknown, string | null][] = [
    ['198.51.100.7', '198.51.100.7'], ['198.51.100.7:443', '198.51.100.7'], ['[2001:db8::1]:443', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'], ['203.0.113.5, 10.0.0.1', '203.0.113.5'], ['localhost', null], ['', null], [42, null],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(cleanIp(input), want));
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
