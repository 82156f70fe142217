/**
 * Webhook bodies: one JSON value (object, array or a vendor envelope) or NDJSON. A body that is
 * neither is `invalid_body`; an NDJSON body with some bad lines keeps the good ones and reports
 * the bad ones for quarantine.
 */
export type ParsedBody =
  | { ok: true; payload: unknown; badLines: { line: number; text: string }[] }
  | { ok: false; reason: string };

export function parseBody(raw: Buffer): ParsedBody {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!text.trim()) return { ok: false, reason: 'the body is empty' };
  try {
    return { ok: true, payload: JSON.parse(text), badLines: [] };
  } catch (err) {
    const lines = text.split(/\r?\n/);
    const values: unknown[] = [];
    const badLines: { line: number; text: string }[] = [];
    lines.forEach((l, i) => {
      if (!l.trim()) return;
      try {
        values.push(JSON.parse(l));
      } catch {
        badLines.push({ line: i + 1, text: l });
      }
    });
    // NDJSON only when at least two lines parse on their own; else the whole body is broken JSON.
    if (values.length >= 2 || (values.length === 1 && badLines.length === 0)) return { ok: true, payload: values, badLines };
    return { ok: false, reason: `the body is neither JSON nor NDJSON: ${(err as Error).message}` };
  }
}
