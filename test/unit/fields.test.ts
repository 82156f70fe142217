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
