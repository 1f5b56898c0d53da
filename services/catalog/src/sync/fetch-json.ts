/** An upstream API answered with an error (after retries, for 429 and 5xx). */
export class SyncApiError extends Error {
  readonly code = 'SYNC.UPSTREAM_FAILED';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface RetryPolicy {
  /** Attempts in all, including the first. */
  attempts: number;
  /** Longest single wait, whatever Retry-After asks for. */
  maxWaitMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, maxWaitMs: 10_000, timeoutMs: 15_000 };

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * GETs JSON; on 429 waits as Retry-After says (else exponential backoff), on 5xx and network errors backs
 * off, each wait capped at maxWaitMs, for at most `attempts` tries. `describe` names the URL without secrets.
 */
export async function fetchJson<T>(
  url: URL,
  init: { headers?: Record<string, string>; describe: string },
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    let wait = Math.min(policy.maxWaitMs, 250 * 2 ** (attempt - 1));
    try {
      const res = await fetch(url, {
        headers: { accept: 'application/json', ...init.headers },
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      if (res.ok) return (await res.json()) as T;
      const body = await res.text().catch(() => '');
      lastError = new SyncApiError(`${init.describe} answered ${res.status}: ${body.slice(0, 200)}`, res.status);
      if (res.status === 429) wait = Math.min(policy.maxWaitMs, retryAfterMs(res.headers.get('retry-after')) ?? wait);
      else if (res.status < 500) throw lastError;
    } catch (err) {
      if (err instanceof SyncApiError && err.status < 500 && err.status !== 429) throw err;
      lastError =
        err instanceof SyncApiError ? err : new SyncApiError(`${init.describe} failed: ${(err as Error).message}`, 0);
    }
    if (attempt < policy.attempts) await new Promise((r) => setTimeout(r, wait));
  }
  throw lastError ?? new SyncApiError(`${init.describe} failed`, 0);
}
