/**
 * Outbound HTTP for pollers: a timeout per request, `429` honoured through `Retry-After`, 5xx
 * and network errors retried with exponential backoff and jitter, all bounded. A wait longer
 * than the run can afford ends the run; the next scheduled run resumes from the cursor.
 */
import type { HttpFetch, HttpResponse } from '../core/pull.ts';

export class VendorHttpError extends Error {
  override name = 'VendorHttpError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function retryAfterMs(header: string | null, nowMs = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export interface RetryingFetchOptions {
  readonly attempts?: number;
  readonly timeoutMs?: number;
  readonly baseDelayMs?: number;
  /** The longest Retry-After or backoff this run will sit through. */
  readonly maxWaitMs?: number;
  readonly fetchImpl?: typeof fetch;
}

export function retryingFetch(o: RetryingFetchOptions = {}): HttpFetch {
  const attempts = o.attempts ?? 5;
  const f = o.fetchImpl ?? fetch;
  return async (url, init = {}) => {
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let res: Response;
      try {
        res = await f(url, { ...init, signal: AbortSignal.timeout(o.timeoutMs ?? 20_000) });
      } catch (err) {
        last = `network error: ${(err as Error).message}`;
        if (attempt < attempts) await sleep(Math.min(o.maxWaitMs ?? 30_000, (o.baseDelayMs ?? 500) * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        last = `HTTP ${res.status}`;
        const wait = res.status === 429 ? retryAfterMs(res.headers.get('retry-after')) ?? (o.baseDelayMs ?? 500) * 2 ** attempt : (o.baseDelayMs ?? 500) * 2 ** (attempt - 1);
        if (wait > (o.maxWaitMs ?? 30_000)) throw new VendorHttpError(`${new URL(url).host} asks to wait ${Math.round(wait / 1000)} s; resuming next run`, res.status);
        await res.body?.cancel();
        if (attempt < attempts) await sleep(wait);
        continue;
      }
      return res as unknown as HttpResponse;
    }
    throw new VendorHttpError(`${new URL(url).host}: giving up after ${attempts} attempts (${last})`);
  };
}

/** A response that is not 2xx, as an error naming the vendor's message but no credentials. */
export async function expectOk(res: HttpResponse, what: string): Promise<HttpResponse> {
  if (res.status >= 200 && res.status < 300) return res;
  const body = (await res.text()).slice(0, 300);
  throw new VendorHttpError(`${what}: HTTP ${res.status} ${body}`, res.status);
}
