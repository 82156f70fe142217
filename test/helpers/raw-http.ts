/**
 * A raw HTTP request: the path and Host go out exactly as written (fetch would normalize `..` and
 * `%2E%2E`, and sets Host itself), which the local API's and S3 guard's tests need.
 */
import { request } from 'node:http';

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

export function rawRequest(o: { port: number; host?: string; method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number }): Promise<Reply> {
  const host = o.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const req = request({ host, port: o.port, method: o.method ?? 'GET', path: o.path, headers: { host: `${host}:${o.port}`, ...o.headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.setTimeout(o.timeoutMs ?? 15_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}
