import { randomUUID } from 'node:crypto';
import { Redis, waitForRedis } from '@marquee/platform-cache';
import { serviceTestEnv } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferredHits } from '../src/limits/deferred-hits';
import type { LimitDecision } from '../src/limits/sliding-window';
import { slidingWindowLimiter } from '../src/limits/sliding-window';

describe('rate-limit hits deferred while a caller is well inside its budget', () => {
  let redis: Redis;
  const prefix = `${randomUUID()}:`;

  beforeAll(async () => {
    redis = new Redis(serviceTestEnv('gateway').REDIS_URL as string, { enableAutoPipelining: true });
    // As the gateway does at start: the limiter does not wait for a connection that is not up yet.
    expect(await waitForRedis(redis, 10_000)).toBe(true);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('When a caller is far from its limit, then it is answered without Redis, and every request still reaches the shared count', async () => {
    const limiter = deferredHits(slidingWindowLimiter(redis, prefix), { flushMs: 60_000 });
    const first = limiter.hit('user:a', 1000);
    expect(first).toBeInstanceOf(Promise);
    expect((await first).remaining).toBe(999);
    const next = Array.from({ length: 20 }, () => limiter.hit('user:a', 1000));
    expect(next.some((d) => d instanceof Promise)).toBe(false);
    expect((next as LimitDecision[]).map((d) => d.remaining)).toEqual(Array.from({ length: 20 }, (_, i) => 998 - i));
    expect(await redis.hget(`${prefix}rl:{user:a}`, 'c')).toBe('1');
    await limiter.flush();
    expect(await redis.hget(`${prefix}rl:{user:a}`, 'c')).toBe('21');
    expect((limiter.hit('user:a', 1000) as LimitDecision).remaining).toBe(978);
    await limiter.flush();
  });

  it('When callers come close to their limit on two replicas, then Redis judges each request and no more than the limit pass', async () => {
    const [a, b] = [0, 1].map(() => deferredHits(slidingWindowLimiter(redis, prefix), { flushMs: 5 }));
    const allowed: boolean[] = [];
    for (let i = 0; i < 90; i++) {
      const d = await (i % 2 === 0 ? a : b)?.hit('user:b', 60);
      allowed.push(Boolean(d?.allowed));
    }
    await Promise.all([a?.flush(), b?.flush()]);
    expect(allowed.filter(Boolean).length).toBe(60);
    expect(allowed.slice(60).some(Boolean)).toBe(false);
    expect(await redis.hget(`${prefix}rl:{user:b}`, 'c')).toBe('60');
  });
});
