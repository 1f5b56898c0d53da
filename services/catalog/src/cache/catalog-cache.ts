import { randomUUID } from 'node:crypto';
import { type NatsConnection, publishJson, Subjects, type Subscription, subscribeJson } from '@marquee/platform-bus';
import { cached, cacheMetrics, localCache, PendingDeletions, type Redis, readCached } from '@marquee/platform-cache';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';

/** Keys and patterns relative to the cache's prefix (CACHE_KEY_PREFIX). */
export const CacheKeys = {
  movie: (id: number) => `movie:${id}`,
  allMovies: 'movie:*',
  genres: 'genres',
  list: (query: string) => `list:${query}`,
  allLists: 'list:*',
};

export const INVALIDATE_SUBJECT = Subjects.cacheInvalidate('catalog');

interface InvalidationMessage {
  origin: string;
  keys: string[];
  patterns: string[];
}

export interface CatalogCache {
  /** In-process cache, then Redis, then load; null/undefined results are not cached. */
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
  /**
   * Like get, but returns the JSON text as stored, for routes that send it as it is (no parse and
   * re-serialise on a hit); null when load finds nothing.
   */
  getSerialized(key: string, load: () => Promise<unknown>): Promise<string | null>;
  /** Deletes keys now here and in Redis, and tells every replica (NATS) to drop them too. */
  invalidate(keys: string[], patterns?: string[]): Promise<void>;
  /** Coalesces invalidations for a moment: counter updates must not flood Redis and NATS. A no-op after close. */
  invalidateSoon(keys: string[], patterns?: string[]): void;
  close(): Promise<void>;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
}

export function createCatalogCache(opts: {
  redis: Redis;
  nats: NatsConnection;
  logger: Logger;
  ttlSeconds: number;
  localTtlMs: number;
  /** Most entries the in-process cache holds (list keys come from any filter combination). */
  localMaxEntries: number;
  /** Prepended to every key, so deployments (and test runs) sharing a Redis stay apart. */
  prefix: string;
  coalesceMs?: number;
  /** The service's registry: cache_requests_total{cache="catalog"} (a hit in either layer is a hit). */
  metrics?: Registry;
}): CatalogCache {
  const { redis, nats, logger, prefix } = opts;
  const full = (list: string[]) => list.map((k) => `${prefix}${k}`);
  const origin = randomUUID();
  const reads = cacheMetrics(opts.metrics, 'catalog');
  // A wrapper, since the cache holds objects and a cached value may be a string of JSON.
  const local = localCache<{ value: unknown }>({ max: opts.localMaxEntries, ttlMs: Math.max(opts.localTtlMs, 1) });
  // Invalidations during a Redis outage are made once it is back, not lost after the client's retries: an entry a
  // write made stale does not outlive the outage in a Redis that kept its data (until now: its TTL, minutes).
  const deletions = new PendingDeletions(redis);
  const pendingKeys = new Set<string>();
  const pendingPatterns = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function dropLocal(keys: string[], patterns: string[]): void {
    for (const k of keys) local.delete(k);
    if (patterns.length === 0) return;
    const res = patterns.map(globToRegExp);
    for (const k of [...local.keys()]) if (res.some((r) => r.test(k))) local.delete(k);
  }

  const sub: Subscription = subscribeJson<InvalidationMessage>(nats, INVALIDATE_SUBJECT, async (msg) => {
    if (msg.origin === origin) return;
    dropLocal(msg.keys, msg.patterns);
    await deletions
      .delete(msg.keys, msg.patterns)
      .catch((err) => logger.warn({ err }, 'cache invalidation in Redis failed; made once Redis answers again'));
  });

  /** keys and patterns are already prefixed here (they travel over NATS as they are). */
  async function invalidateNow(keys: string[], patterns: string[]): Promise<void> {
    dropLocal(keys, patterns);
    try {
      // Not waited for while Redis is not up (remembered, and made when it is back).
      await deletions.delete(keys, patterns);
    } catch (err) {
      logger.warn({ err, keys, patterns }, 'cache invalidation in Redis failed; made once Redis answers again');
    }
    publishJson(nats, INVALIDATE_SUBJECT, { origin, keys, patterns } satisfies InvalidationMessage);
  }

  function flush(): Promise<void> {
    timer = undefined;
    const keys = [...pendingKeys];
    const patterns = [...pendingPatterns];
    pendingKeys.clear();
    pendingPatterns.clear();
    return keys.length + patterns.length > 0 ? invalidateNow(keys, patterns) : Promise.resolve();
  }

  return {
    async get<T>(relativeKey: string, load: () => Promise<T>): Promise<T> {
      const key = `${prefix}${relativeKey}`;
      if (opts.localTtlMs > 0) {
        const hit = local.get(key);
        if (hit) {
          reads.record('hit');
          return hit.value as T;
        }
      }
      const { value } = await cached(redis, key, opts.ttlSeconds, load, reads);
      if (opts.localTtlMs > 0 && value !== null && value !== undefined) local.set(key, { value });
      return value;
    },
    async getSerialized(relativeKey: string, load: () => Promise<unknown>): Promise<string | null> {
      const key = `${prefix}${relativeKey}`;
      const remember = (text: string) => {
        if (opts.localTtlMs > 0) local.set(key, { value: text });
        return text;
      };
      if (opts.localTtlMs > 0) {
        const hit = local.get(key);
        if (hit) {
          reads.record('hit');
          return hit.value as string;
        }
      }
      const stored = await readCached(redis, key);
      reads.record(stored === undefined ? 'error' : stored === null ? 'miss' : 'hit');
      if (typeof stored === 'string') return remember(stored);
      const value = await load();
      if (value === null || value === undefined) return null;
      const text = JSON.stringify(value);
      // Stored only where Redis answered the read.
      if (stored === null) await redis.set(key, text, 'EX', opts.ttlSeconds).catch(() => {});
      return remember(text);
    },
    invalidate: (keys, patterns = []) => invalidateNow(full(keys), full(patterns)),
    invalidateSoon(keys, patterns = []) {
      // After close the connections go next: a timer set now would fire on closed ones.
      if (closed) return;
      for (const k of full(keys)) pendingKeys.add(k);
      for (const p of full(patterns)) pendingPatterns.add(p);
      timer ??= setTimeout(() => void flush(), opts.coalesceMs ?? 250);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await flush();
      sub.unsubscribe();
    },
  };
}
