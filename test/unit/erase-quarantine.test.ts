/**
 * `authtrail erase` and the quarantine: which quarantined bodies name the subject. They are kept
 * as received (compressed, not UTF-8, or written by an earlier version), so the subject is looked
 * for in the body's text, as a whole value in any case.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { quarantineText, textNamesSubject } from '../../lambdas/adapters/erase.ts';
import { serializeQuarantine } from '../../lambdas/adapters/quarantine.ts';

describe('erase: the subject in quarantined bodies', () => {
  it('names the subject as a whole value, in any case, not inside a longer name', () => {
    const cases: [string, string, boolean][] = [
      ['{"alternateId":"carol@example.com"}', 'Carol@Example.com', true],
      ['{"alternateId":"CAROL@EXAMPLE.COM"}', 'carol@example.com', true],
      ['{"alternateId":"jimcarol@example.com"}', 'carol@example.com', false],
      ['{"alternateId":"carol@example.com.au"}', 'carol@example.com', false],
      ['{"alternateId":"carol@example.comx"}', 'carol@example.com', false],
      ['{"msg":"sign-in of carol@example.com."}', 'carol@example.com', true],
      ['{"login":"carol"}', 'carol', true],
      ['{"login":"carol@example.com"}', 'carol', false],
      ['{"login":"carol.smith"}', 'carol', false],
      ['{"login":"EXAMPLE\\\\carol"}', 'carol', true],
      ['{"email":"a+b@example.com"}', 'a+b@example.com', true],
      ['{"id":"00u1abcd"}', '00u1abc', false],
      ['{"id":"00u1abc"}', ' 00u1abc ', true],
      ['{"id":"x"}', '  ', false],
      ['{"pattern":"c.rol"}', 'c.rol', true],
      ['{"pattern":"carol"}', 'c.rol', false],
    ];
    for (const [text, subject, expected] of cases) assert.equal(textNamesSubject(text, subject), expected, `${subject} in ${text}`);
  });

  const record = (body: Buffer, content_encoding: string | null) => serializeQuarantine({
    id: 'q1', tenant: 'acme', source_id: 'acme-okta', received_time: '2026-11-20T10:00:00.000Z', origin: 'webhook',
    body, content_encoding, items: 1, quarantined: 1, reasons: [{ reason: 'published: not a date', unit: 'item', count: 1, ranges: [[0, 0]] }],
  } as Parameters<typeof serializeQuarantine>[0]);

  it('reads a body sent compressed, one that is not UTF-8, and an object of the first format', async () => {
    const json = Buffer.from('[{"actor":{"alternateId":"carol@example.com"},"published":"2026-02-30"}]');
    assert.ok(textNamesSubject(await quarantineText(record(gzipSync(json), 'gzip')), 'carol@example.com'), 'gzip');
    const latin1 = Buffer.concat([Buffer.from('{"user":"carol@example.com","name":"'), Buffer.from([0xe9, 0xff]), Buffer.from('"}')]);
    assert.ok(textNamesSubject(await quarantineText(record(latin1, null)), 'carol@example.com'), 'not UTF-8');
    const v1 = JSON.stringify({ id: 'q0', tenant: 'acme', source_id: 'acme-okta', received_time: '2026-11-20T10:00:00.000Z', entries: [{ reason: 'x', payload: { user: 'carol@example.com' } }] });
    assert.ok(textNamesSubject(await quarantineText(v1), 'carol@example.com'), 'format 1');
    // A compressed body that no longer inflates is searched as stored.
    assert.equal(textNamesSubject(await quarantineText(record(Buffer.from('{"user":"carol@example.com"}'), 'gzip')), 'carol@example.com'), true);
    assert.equal(textNamesSubject(await quarantineText(record(json, null)), 'dave@example.com'), false);
  });
});
