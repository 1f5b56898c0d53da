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
): Promise<{ value: T; hit: boolean }> {
  try {
    const hit = await redis.get(key);
    if (hit !== null) return { value: JSON.parse(hit) as T, hit: true };
  } catch {
    return { value: await load(), hit: false };
  }
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
