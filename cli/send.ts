/**
 * `authtrail send <sourceId> <file>`: posts a file of vendor events to the running collector,
 * authenticated as the source's auth says. A file larger than one request may carry is split
 * into batches of whole events.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { findSource, type Source } from '../lambdas/core/config.ts';
import { MAX_BODY_BYTES } from '../lambdas/core/ingest.ts';
import { loadConfig } from '../infra/config.ts';
import { parseCommand } from './args.ts';
import { collectorFetch, localFetch, readEndpoints } from './endpoints.ts';
import { CliError } from './errors.ts';

export function authHeaders(source: Source, body: Buffer, nowMs = Date.now()): Record<string, string> {
  const a = source.auth;
  if (!a || a.type === 'none') return {};
  if (a.type === 'shared-secret') {
    if (!a.secret) throw new CliError(`source ${source.id} keeps its secret in Secrets Manager; send needs the inline secret (put it in the local config's auth.secret)`);
    return { [a.header]: a.secret };
  }
  if (a.type === 'google-channel-token') {
    if (!a.token) throw new CliError(`source ${source.id} keeps its token in Secrets Manager; send needs the inline token (put it in the local config's auth.token)`);
    return { 'x-goog-channel-token': a.token };
  }
  if (!a.secret) throw new CliError(`source ${source.id} keeps its secret in Secrets Manager; send needs the inline secret (put it in the local config's auth.secret)`);
  const mac = createHmac(a.type === 'hmac-sha512' ? 'sha512' : 'sha256', a.secret);
  const headers: Record<string, string> = {};
  if (a.timestampHeader) {
    const ts = String(Math.floor(nowMs / 1000));
    headers[a.timestampHeader] = ts;
    mac.update(`${ts}.`);
  }
  headers[a.header] = mac.update(body).digest('hex');
  return headers;
}

/** Splits a too-large JSON array or NDJSON file into bodies under the limit. */
export function batches(text: string, limit = MAX_BODY_BYTES): string[] {
  if (Buffer.byteLength(text) <= limit) return [text];
  let items: unknown[];
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) throw new CliError('the file is one JSON object larger than one request may carry: split it into a JSON array or NDJSON');
    items = v;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    try {
      items = text.split(/\r?\n/).filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
    } catch {
      throw new CliError('the file is larger than one request may carry and is neither a JSON array nor NDJSON, so it cannot be split');
    }
  }
  const out: string[] = [];
  let cur: string[] = [];
  let size = 2;
  for (const it of items) {
    const s = JSON.stringify(it);
    if (cur.length && size + s.length + 1 > limit * 0.9) { out.push(`[${cur.join(',')}]`); cur = []; size = 2; }
    cur.push(s);
    size += Buffer.byteLength(s) + 1;
  }
  if (cur.length) out.push(`[${cur.join(',')}]`);
  return out;
}

/** True when the file is one EventBridge event or an array of them (`detail-type` + `detail`). */
export function isEventBridgeFile(text: string): boolean {
  let v: unknown;
  try { v = JSON.parse(text); } catch { return false; }
  const one = (x: unknown) => typeof x === 'object' && x !== null && 'detail-type' in x && 'detail' in x;
  return Array.isArray(v) ? v.length > 0 && v.every(one) : one(v);
}

export async function send(args: string[]): Promise<number> {
  const { positionals } = parseCommand('send', args, {}, ['<sourceId>', '<file>']);
  const [sourceId, file] = positionals as [string, string];
  const { config } = loadConfig();
  const source = findSource(config, sourceId);
  if (!source) throw new CliError(`unknown source: no source "${sourceId}" is configured (sources: ${config.sources.map((x) => x.id).join(', ')})`);
  if (!existsSync(file)) throw new CliError(`${file} does not exist: give the path of a file of ${source.kind} events`);
  const endpoints = readEndpoints();
  const text = readFileSync(file, 'utf8');
  // EventBridge envelopes, and any file for a source that has no webhook, go where the deployed
  // EventBridge rule would deliver them: the local EventBridge route, which routes by the envelope.
  const viaEventBridge = !source.auth && !!source.eventbridge || isEventBridgeFile(text);
  if (viaEventBridge && !source.eventbridge) throw new CliError(`${file} holds EventBridge events, and source ${sourceId} has no "eventbridge" setting`);
  let failed = false;
  for (const part of batches(text)) {
    const body = Buffer.from(part);
    const res = viaEventBridge
      ? await localFetch(endpoints, '/v1/eventbridge', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      : await collectorFetch(`${endpoints.api}/v1/ingest/${encodeURIComponent(sourceId)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders(source, body) },
        body,
      });
    const answer = await res.text();
    console.log(answer);
    if (!res.ok) failed = true;
  }
  return failed ? 1 : 0;
}
