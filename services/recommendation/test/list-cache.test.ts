import { connectRedis, type Redis, waitForRedis } from '@marquee/platform-cache';
import { type TcpProxy, tcpProxy, testInfra, uniqueName } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ListCache } from '../src/recommend/list-cache';

describe('cached lists through a Redis outage', () => {
  let direct: Redis;
  let proxy: TcpProxy;
  let through: Redis;
  const ns = uniqueName('rec-list-cache');
  const key = (name: string) => `${ns}:list:${name}`;

  beforeAll(async () => {
    direct = connectRedis(testInfra().redisUrl, 'list-cache-direct');
    proxy = await tcpProxy(testInfra().redisUrl);
    through = connectRedis(proxy.url, 'list-cache-through');
    expect(await waitForRedis(through, 10_000)).toBe(true);
  });
  afterAll(async () => {
    through?.disconnect();
    await proxy?.close();
    await direct?.del(key('a'), key('b'), key('c'));
    direct?.disconnect();
  });

  it('When lists are written or deleted while Redis is unreachable, then nothing waits, and once it is back those keys are deleted: no older list and no erased user stays cached', async () => {
    const lists = new ListCache(through);
    await lists.set(
      [
        [key('a'), 'old a'],
        [key('b'), 'old b'],
        [key('c'), 'c'],
      ],
      60,
    );
    expect(await direct.mget(key('a'), key('b'), key('c'))).toEqual(['old a', 'old b', 'c']);

    let reconnections = 0;
    through.on('reconnecting', () => {
      reconnections++;
    });
    await proxy.down();
    await vi.waitFor(() => expect(through.status).not.toBe('ready'));
    const before = reconnections;
    // A fold-in's new list for a, and b's erasure: neither reaches Redis, neither waits on the connection.
    await lists.set([[key('a'), 'new a']], 60);
    await lists.delete([key('b')]);
    expect(reconnections - before).toBeLessThanOrEqual(1);
    expect(lists.pending).toBe(2);
    // What the outage left behind in Redis itself: the older list and the erased user's.
    expect(await direct.mget(key('a'), key('b'))).toEqual(['old a', 'old b']);

    await proxy.up();
    await waitForRedis(through, 20_000);
    await vi.waitFor(() => expect(lists.pending).toBe(0), { timeout: 20_000 });
    await lists.settled();
    expect(await direct.mget(key('a'), key('b'), key('c'))).toEqual([null, null, 'c']);

    await lists.set([[key('a'), 'newer a']], 60);
    expect(await direct.get(key('a'))).toBe('newer a');
  });
});
