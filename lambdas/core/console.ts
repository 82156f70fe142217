/**
 * Serving the web console: its static files under `/console/` and `config.json`, which tells the
 * page how to sign in. Pure: the same answers locally (local/api-server.ts) and in Lambda
 * (handlers/console.ts). Every answer carries a Content-Security-Policy that allows the page's own
 * files and, deployed, the user pool's endpoints, and nothing else (no inline script, no framing).
 */
import { createHash } from 'node:crypto';
import type { ConsoleAsset, ConsoleAssets, ConsoleSettings } from './console-types.ts';

export type { ConsoleAsset, ConsoleAssets, ConsoleSettings } from './console-types.ts';

export const CONSOLE_PREFIX = '/console';
export const isConsolePath = (p: string) => p === CONSOLE_PREFIX || p.startsWith(`${CONSOLE_PREFIX}/`);

export interface ConsoleResponse { statusCode: number; headers: Record<string, string>; body: string }

export function contentSecurityPolicy(s: ConsoleSettings): string {
  const idp = s.auth === 'cognito' ? ` ${new URL(s.domain).origin}` : '';
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", `connect-src 'self'${idp}`,
    "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
  ].join('; ');
}

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

export function consoleResponse(req: { method: string; path: string; ifNoneMatch?: string | undefined }, assets: ConsoleAssets, settings: ConsoleSettings): ConsoleResponse {
  const headers: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(settings),
    'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin', 'cache-control': 'no-cache',
  };
  const text = (statusCode: number, body: string) => ({ statusCode, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body });
  if (req.method !== 'GET' && req.method !== 'HEAD') return { ...text(405, 'use GET'), headers: { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' } };
  // The page by its file name: a greedy route on API Gateway matches it, where `/console/` might not.
  if (req.path === CONSOLE_PREFIX) return { statusCode: 308, headers: { ...headers, location: `${CONSOLE_PREFIX}/index.html` }, body: '' };
  const name = req.path === `${CONSOLE_PREFIX}/` ? 'index.html' : req.path.slice(CONSOLE_PREFIX.length + 1);
  const asset: ConsoleAsset | undefined = name === 'config.json'
    ? { type: 'application/json', body: JSON.stringify(settings) }
    : Object.hasOwn(assets, name) ? assets[name] : undefined;
  if (!asset) return text(404, 'not found');
  const etag = etagOf(asset.body);
  if (req.ifNoneMatch === etag) return { statusCode: 304, headers: { ...headers, etag }, body: '' };
  return { statusCode: 200, headers: { ...headers, 'content-type': asset.type, etag }, body: req.method === 'HEAD' ? '' : asset.body };
}
