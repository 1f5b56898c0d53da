import { tcpProxy, testInfra, uniqueName, unreachableRedis } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMetricsRegistry, parseExposition } from '@marquee/platform-metrics';
import {
  cached,
  cacheMetrics,
  checkRedis,
  closeRedis,
  connectRedis,
  invalidate,
  localCache,
  openRedis,
  PendingDeletions,
  REDIS_SOCKET_TIMEOUT_MS,
  type Redis,
  redisReady,
  waitForRedis,
} from '../src/index';

let redis: Redis;
let ns: string;
beforeAll(async () => {
  redis = connectRedis(testInfra().redisUrl, 'cache-test');
  ns = uniqueName('cache');
  await checkRedis(redis);
});
afterAll(async () => {
  await invalidate(redis, [], [`${ns}:*`]);
  redis.disconnect();
});

describe('read-through cache', () => {
  it('When a key is read twice, then the loader runs once and the second read is a hit', async () => {
    let loads = 0;
    const load = async () => ({ n: ++loads });
    const a = await cached(redis, `${ns}:movie:1`, 60, load);
    const b = await cached(redis, `${ns}:movie:1`, 60, load);
    expect(a).toEqual({ value: { n: 1 }, hit: false });
    expect(b).toEqual({ value: { n: 1 }, hit: true });
    expect(await redis.ttl(`${ns}:movie:1`)).toBeGreaterThan(50);
  });

  it('When keys are invalidated by name and pattern, then later reads load again', async () => {
    await cached(redis, `${ns}:list:a`, 60, async () => 1);
    await cached(redis, `${ns}:list:b`, 60, async () => 2);
    expect(await invalidate(redis, [`${ns}:movie:1`], [`${ns}:list:*`])).toBe(3);
    expect((await cached(redis, `${ns}:list:a`, 60, async () => 5)).value).toBe(5);
  });

  it('When reads hit, miss and find Redis down, then cache_requests_total counts each by cache and result', async () => {
    const registry = createMetricsRegistry('cache-test');
    const reads = cacheMetrics(registry, 'movies');
    await cached(redis, `${ns}:m:1`, 60, async () => 1, reads);
    await cached(redis, `${ns}:m:1`, 60, async () => 1, reads);
    await cached(redis, `${ns}:m:1`, 60, async () => 1, reads);
    const down = connectRedis('redis://127.0.0.1:1', 'cache-down');
    try {
      expect((await cached(down, `${ns}:m:1`, 60, async () => 7, reads)).value).toBe(7);
    } finally {
      down.disconnect();
    }
    const counts = parseExposition(await registry.metrics())
      .filter((s) => s.name === 'cache_requests_total' && s.labels.cache === 'movies')
      .map((s) => [s.labels.result, s.value]);
    expect(Object.fromEntries(counts)).toEqual({ hit: 2, miss: 1, error: 1 });
  });
  it('When Redis has been down long enough for its reconnections to back off, then a read loads at once, waiting for no reconnection, and closing does not wait either', async () => {
    const down = unreachableRedis('cache-down-long', connectRedis);
    try {
      expect(await waitForRedis(down.redis, 50)).toBe(false);
      await down.backedOff();
      const before = down.reconnections();
      expect(await cached(down.redis, `${ns}:m:2`, 60, async () => 9)).toEqual({ value: 9, hit: false });
      expect(down.reconnections()).toBe(before);
      await closeRedis(down.redis);
      expect(down.reconnections()).toBe(before);
    } finally {
      down.close();
    }
  });

  it('When Redis goes silent with the connection open, then a read waits at most the socket timeout, the next one none, and once it answers again the client is back', async () => {
    const proxy = await tcpProxy(testInfra().redisUrl);
    const warnings: Array<{ event?: string; err?: string }> = [];
    const infos: Array<{ event?: string; silentMs?: number }> = [];
    const logger = { warn: (fields: object) => warnings.push(fields), info: (fields: object) => infos.push(fields) };
    const silent = await openRedis(proxy.url, 'cache-silent', { logger, whileAway: 'loading' });
    try {
      expect(redisReady(silent)).toBe(true);
      proxy.stall();
      let started = Date.now();
      // In flight when it went silent: loaded once the connection is dropped, not when TCP gives up on it.
      expect(await cached(silent, `${ns}:silent`, 60, async () => 'loaded')).toEqual({ value: 'loaded', hit: false });
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(REDIS_SOCKET_TIMEOUT_MS - 50);
      expect(waited).toBeLessThan(REDIS_SOCKET_TIMEOUT_MS + 3_000);
      expect(warnings).toEqual([{ event: 'redis_silent', err: expect.stringMatching(/^Socket timeout/) }]);
      // The dropped connection is not ready, so the next read does not wait on it.
      started = Date.now();
      expect(await cached(silent, `${ns}:silent`, 60, async () => 'again')).toEqual({ value: 'again', hit: false });
      expect(Date.now() - started).toBeLessThan(500);
      // Held long enough for the reconnection's handshake to be dropped too: still one warning for the silence.
      await vi.waitFor(() => expect(silent.status).toBe('reconnecting'), { timeout: 2 * REDIS_SOCKET_TIMEOUT_MS });
      proxy.resume();
      expect(await waitForRedis(silent, 2 * REDIS_SOCKET_TIMEOUT_MS + 10_000)).toBe(true);
      expect(warnings.map((w) => w.event)).toEqual(['redis_silent']);
      expect(infos).toEqual([{ event: 'redis_answering', silentMs: expect.any(Number) }]);
      await silent.set(`${ns}:silent`, JSON.stringify('stored'));
      expect(await cached(silent, `${ns}:silent`, 60, async () => 'not read')).toEqual({ value: 'stored', hit: true });
    } finally {
      silent.disconnect();
      await proxy.close();
    }
  }, 60_000);

  it('When keys and patterns are deleted while Redis is unreachable, then nothing waits, and once it is back they are deleted', async () => {
    const proxy = await tcpProxy(testInfra().redisUrl);
    const through = connectRedis(proxy.url, 'cache-deletions');
    const keys = [`${ns}:del:movie:1`, `${ns}:del:list:a`, `${ns}:del:list:b`, `${ns}:del:kept`];
    try {
      expect(await waitForRedis(through, 10_000)).toBe(true);
      const deletions = new PendingDeletions(through);
      for (const k of keys) await redis.set(k, 'stale', 'EX', 60);
      await proxy.down();
      await vi.waitFor(() => expect(through.status).not.toBe('ready'));
      const started = Date.now();
      await deletions.delete([`${ns}:del:movie:1`], [`${ns}:del:list:*`]);
      expect(Date.now() - started).toBeLessThan(100);
      expect(deletions.pending).toBe(2);
      // What the outage leaves in Redis itself until the client is back.
      expect(await redis.exists(...keys)).toBe(4);
      await proxy.up();
      await vi.waitFor(() => expect(deletions.pending).toBe(0), { timeout: 20_000 });
      await deletions.settled();
      expect(await redis.mget(...keys)).toEqual([null, null, null, 'stale']);
      // Once up, a deletion is made at once.
      await deletions.delete([`${ns}:del:kept`]);
      expect(await redis.exists(`${ns}:del:kept`)).toBe(0);
    } finally {
      through.disconnect();
      await proxy.close();
    }
  });

  it('When the connection is up, then waitForRedis answers true and closeRedis quits it', async () => {
    const up = connectRedis(testInfra().redisUrl, 'cache-up');
    expect(await waitForRedis(up, 10_000)).toBe(true);
    await closeRedis(up);
    await vi.waitFor(() => expect(up.status).toBe('end'));
  });
});

describe('in-process cache', () => {
  it('When more keys are stored than its bound (any filter combination makes a new list key), then it keeps only the most recently used', () => {
    const local = localCache<{ n: number }>({ max: 100, ttlMs: 60_000 });
    for (let n = 0; n < 10_000; n++) {
      local.set(`list:genre=${n}`, { n });
      if (n % 10 === 0) local.get('list:genre=0');
    }
    expect(local.size).toBe(100);
    expect(local.get('list:genre=0')).toEqual({ n: 0 });
    expect(local.get('list:genre=1')).toBeUndefined();
    expect(local.get('list:genre=9999')).toEqual({ n: 9999 });
  });

  it('When an entry is older than its TTL, then it is gone', async () => {
    const local = localCache<{ n: number }>({ max: 10, ttlMs: 50 });
    local.set('movie:1', { n: 1 });
    expect(local.get('movie:1')).toEqual({ n: 1 });
    await new Promise((r) => setTimeout(r, 80));
    expect(local.get('movie:1')).toBeUndefined();
    expect(local.size).toBe(0);
  });
});
