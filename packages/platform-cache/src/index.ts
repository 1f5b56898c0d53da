import { counterOn, type Registry } from '@marquee/platform-metrics';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export { Redis };

/** An in-process cache in front of Redis: at most `max` entries (least recently used go first), each for `ttlMs`. */
export type LocalCache<V extends object> = LRUCache<string, V>;

/**
 * A bounded in-process cache. Keys may come from user input (any filter combination of a list), so
 * both the entry count and each entry's age are bounded; expired entries are dropped when read.
 */
export function localCache<V extends object>(opts: { max: number; ttlMs: number }): LocalCache<V> {
  return new LRUCache<string, V>({ max: opts.max, ttl: opts.ttlMs, ttlAutopurge: false });
}

/** How a cache read went: found, not found (loaded), or the cache failed (loaded anyway). */
export type CacheResult = 'hit' | 'miss' | 'error';

/** Counts one named cache's reads on a service's registry: hit ratio = hit / all, per cache. */
export interface CacheMetrics {
  record(result: CacheResult): void;
}

/** `cache_requests_total{cache, result}` on `registry`; nothing is recorded without one. */
export function cacheMetrics(registry: Registry | undefined, cache: string): CacheMetrics {
  if (!registry) return { record: () => {} };
  const requests = counterOn(registry, {
    name: 'cache_requests_total',
    help: 'Cache reads by cache and result (hit, miss, error); hit ratio = hit / all',
    labelNames: ['cache', 'result'],
  });
  for (const result of ['hit', 'miss', 'error'] as const) requests.inc({ cache, result }, 0);
  return { record: (result) => requests.inc({ cache, result }) };
}

export function connectRedis(url: string, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  // Errors are surfaced by the commands that fail and by /health/ready; avoid unhandled 'error' crashes.
  redis.on('error', () => {});
  return redis;
}

export async function checkRedis(redis: Redis): Promise<void> {
  const pong = await redis.ping();
  if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
}

/**
 * Read-through JSON cache: returns the cached value, or loads, stores (with TTL) and returns it.
 * A Redis failure degrades to the loader instead of failing the request.
 */
export async function cached<T>(
  redis: Redis,
  key: string,
  ttlSeconds: number,
  load: () => Promise<T>,
  metrics?: CacheMetrics,
): Promise<{ value: T; hit: boolean }> {
  try {
    const hit = await redis.get(key);
    if (hit !== null) {
      metrics?.record('hit');
      return { value: JSON.parse(hit) as T, hit: true };
    }
  } catch {
    metrics?.record('error');
    return { value: await load(), hit: false };
  }
  metrics?.record('miss');
  const value = await load();
  if (value !== undefined && value !== null) {
    await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds).catch(() => {});
  }
  return { value, hit: false };
}

/** Deletes keys by exact name and by glob pattern (SCAN, never KEYS). */
export async function invalidate(redis: Redis, keys: string[], patterns: string[] = []): Promise<number> {
  let removed = keys.length > 0 ? await redis.del(...keys) : 0;
  for (const match of patterns) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      if (found.length > 0) removed += await redis.unlink(...found);
    } while (cursor !== '0');
  }
  return removed;
}
