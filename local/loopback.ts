/**
 * Loopback checks shared by the local API and the local S3 guard.
 */

/** The names a loopback client may use for this machine (the Host header, without the port). */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether `host` (a Host header, or an origin's host) names this machine's loopback on `port`:
 * `127.0.0.1:<port>`, `localhost:<port>` or `[::1]:<port>` (the port may be left out only for 80).
 * Any other name is refused, which defeats DNS rebinding (the attacker's name stays in Host).
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]*\]|[^:]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  if (!m || !LOOPBACK_NAMES.has(m[1]!)) return false;
  return m[2] === undefined ? port === 80 : Number(m[2]) === port;
}
