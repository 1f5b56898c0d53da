import { counterOn, type Registry } from '@marquee/platform-metrics';
import { Redis, type RedisOptions } from 'ioredis';
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

/**
 * True when the connection can answer now. While Redis cannot be reached, ioredis keeps each command in its offline
 * queue until `maxRetriesPerRequest` more reconnection attempts have failed, and its backoff doubles up to 5 s between
 * attempts: a few seconds into an outage every command waited 10–15 s (a gateway request through the rate limiter
 * took 15 s) for an answer that was not coming. A caller with something better to do — a cache read
 * that can load, a rate limit that lets through — asks first and does it at once; writes that must not be lost
 * (invalidations) still wait in the queue.
 */
export function redisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}

/** Thrown instead of waiting on a connection that is not ready (redisReady). */
export class RedisUnavailableError extends Error {
  constructor(status: string) {
    super(`Redis is not connected (${status})`);
    this.name = 'RedisUnavailableError';
  }
}

/** How long a service's start waits for Redis before going on without it (openRedis). */
export const REDIS_START_WAIT_MS = 3_000;

/**
 * How long a connection with commands waiting may go without a byte from Redis before the client drops it and
 * reconnects (ioredis' socketTimeout), and how long a command waits for its answer (commandTimeout). A Redis that
 * hangs, or a network that drops packets without a reset, keeps the socket open and silent: without these every
 * command waited until TCP gave up on the connection (about 11 minutes of keep-alive probes by Linux's defaults) —
 * and with it the gateway's rate limiter, every cache read and auth's login throttle — while the status stayed
 * `ready`, so redisReady could not tell. Both are needed: a dropped connection is not ready until Redis answers
 * again, so callers pass it by at once, but ioredis keeps the commands that were in flight on it to send again after
 * the reconnection, however long that takes; the command timeout, a second later (so that the connection is already
 * dropped when a caller hears of it), fails them. Long enough for a busy Redis, or a Node process whose event loop a
 * recommendation fold-in of a thousand users holds for a second or two, not to be taken for a dead one (if it is, the
 * client reconnects and the commands cut are sent again). A write refused this way may still have been applied.
 */
export const REDIS_SOCKET_TIMEOUT_MS = 5_000;
const commandTimeout = (socketTimeout: number) => socketTimeout + 1_000;

/** Where openRedis says what happened: the service's logger, and what the service does while Redis is away. */
export interface RedisLog {
  logger: { warn(fields: object, message: string): void; info(fields: object, message: string): void };
  /** "rate limits are local", "going on without it": finishes "… until it answers (REDIS_URL)". */
  whileAway: string;
}

/**
 * A service's client at start (connectRedis), once it is ready or REDIS_START_WAIT_MS have passed: its first
 * requests use Redis rather than pass it by for want of a connection, and without Redis the service starts anyway,
 * degraded. Logged: giving up the wait at start (`redis_unavailable`), a connection dropped for going silent
 * (`redis_silent`, once until Redis answers again: `redis_answering`).
 */
export async function openRedis(url: string, name: string, log: RedisLog, extra: RedisOptions = {}): Promise<Redis> {
  const { logger, whileAway } = log;
  const redis = connectRedis(url, name, extra);
  // Once per silence: while Redis stays silent every reconnection's handshake is dropped the same way.
  let silentSince: number | undefined;
  redis.on('error', (err: Error) => {
    if (!err.message.startsWith('Socket timeout') || silentSince !== undefined) return;
    silentSince = Date.now();
    logger.warn(
      { event: 'redis_silent', err: err.message },
      `Redis stopped answering on an open connection; reconnecting, ${whileAway} until it answers (REDIS_URL)`,
    );
  });
  redis.on('ready', () => {
    if (silentSince === undefined) return;
    logger.info({ event: 'redis_answering', silentMs: Date.now() - silentSince }, 'Redis answers again');
    silentSince = undefined;
  });
  if (!(await waitForRedis(redis, REDIS_START_WAIT_MS)))
    logger.warn(
      { event: 'redis_unavailable', status: redis.status },
      `Redis did not answer within ${REDIS_START_WAIT_MS} ms; ${whileAway} until it answers (REDIS_URL)`,
    );
  return redis;
}

/**
 * Resolves true once the connection is ready, false after `timeoutMs` without: a service starts without Redis and
 * degrades, but one whose Redis answers does not serve its first requests before the connection is up.
 */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redisReady(redis)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}

/**
 * quit() when connected (the replies still due arrive first), disconnect() otherwise: quit() on a lost connection
 * waits for a reconnection that may not come (13 s in the gateway's test with Redis down).
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redisReady(redis)) await redis.quit();
  else redis.disconnect();
}

/** A service's Redis client; `extra` adds options of its own (the gateway's auto-pipelining, a shorter timeout). */
export function connectRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
    socketTimeout: REDIS_SOCKET_TIMEOUT_MS,
    commandTimeout: commandTimeout(extra.socketTimeout ?? REDIS_SOCKET_TIMEOUT_MS),
    ...extra,
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
 * A read-through cache's read of several keys in one MGET: each one's text or null when Redis answered that it has
 * none; undefined when Redis cannot answer now (the connection is not up — not waited for, see redisReady — or the
 * read failed, as on a connection gone silent).
 */
export async function readCachedMany(redis: Redis, keys: string[]): Promise<Array<string | null> | undefined> {
  if (!redisReady(redis)) return undefined;
  try {
    return await redis.mget(keys);
  } catch {
    return undefined;
  }
}

/** readCachedMany of one key: its text, null when Redis has none, undefined when Redis cannot answer now. */
export async function readCached(redis: Redis, key: string): Promise<string | null | undefined> {
  return (await readCachedMany(redis, [key]))?.[0];
}

/**
 * Read-through JSON cache: returns the cached value, or loads, stores (with TTL) and returns it.
 * A Redis failure degrades to the loader instead of failing the request, and a connection that is not up is not
 * waited for (readCached).
 */
export async function cached<T>(
  redis: Redis,
  key: string,
  ttlSeconds: number,
  load: () => Promise<T>,
  metrics?: CacheMetrics,
): Promise<{ value: T; hit: boolean }> {
  const text = await readCached(redis, key);
  if (typeof text === 'string') {
    try {
      const value = JSON.parse(text) as T;
      metrics?.record('hit');
      return { value, hit: true };
    } catch {
      // A stored value that does not parse counts as the cache failing: loaded, and not stored again.
      metrics?.record('error');
      return { value: await load(), hit: false };
    }
  }
  metrics?.record(text === null ? 'miss' : 'error');
  const value = await load();
  if (text === null && value !== undefined && value !== null && redisReady(redis)) {
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

/** How many keys one DEL of remembered ones carries. */
const DELETE_BATCH = 500;

/**
 * Deletions that must not be lost to a Redis outage: cache invalidations after a write (catalog), a cached list that
 * a fold-in or an erasure made stale (recommendation). While the connection is not up they are not waited for —
 * ioredis would hold each through its reconnection attempts and then fail it — and their keys and patterns are
 * remembered instead, as are those of a deletion that fails; once the connection is ready again they are made, so no
 * entry a write made stale outlives the outage in a Redis that comes back with its data. Remembered in this process
 * only: a restart during the outage forgets them, and the entries' TTL bounds what is left then.
 */
export class PendingDeletions {
  private readonly redis: Redis;
  private readonly keys = new Set<string>();
  private readonly patterns = new Set<string>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(redis: Redis) {
    this.redis = redis;
    redis.on('ready', () => {
      this.flushing = this.flushing.then(() => this.flush());
    });
  }

  /** Keys and patterns waiting for Redis to be back. */
  get pending(): number {
    return this.keys.size + this.patterns.size;
  }

  /**
   * Deletes the keys, and those matching the patterns (invalidate); while Redis is not up, or when that fails (then
   * the error is thrown too, for the caller to log), they are remembered for the next `ready`.
   */
  async delete(keys: string[], patterns: string[] = []): Promise<void> {
    if (keys.length + patterns.length === 0) return;
    if (!redisReady(this.redis)) return this.remember(keys, patterns);
    try {
      await invalidate(this.redis, keys, patterns);
    } catch (err) {
      this.remember(keys, patterns);
      throw err;
    }
  }

  /** Remembers keys and patterns to delete once Redis is back (a write of them that failed, say). */
  remember(keys: string[], patterns: string[] = []): void {
    for (const k of keys) this.keys.add(k);
    for (const p of patterns) this.patterns.add(p);
  }

  /** Resolves once what was remembered so far has been deleted or remembered again (for tests). */
  settled(): Promise<void> {
    return this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.pending > 0 && redisReady(this.redis)) {
      const keys = [...this.keys].slice(0, DELETE_BATCH);
      const patterns = keys.length === 0 ? [...this.patterns].slice(0, 1) : [];
      for (const k of keys) this.keys.delete(k);
      for (const p of patterns) this.patterns.delete(p);
      try {
        await invalidate(this.redis, keys, patterns);
      } catch {
        // Remembered again: the next 'ready' tries once more.
        this.remember(keys, patterns);
        return;
      }
    }
  }
}
