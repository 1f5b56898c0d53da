import { testInfra, uniqueName } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cached, checkRedis, connectRedis, invalidate, type Redis } from '../src/index';

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
});
