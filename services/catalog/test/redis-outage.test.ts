/**
 * Redis holds the catalog's cached details and list pages. A write while Redis cannot be reached does not wait on
 * it, and the invalidation it owes is made once Redis is back: a Redis that kept its data serves no entry the write
 * made stale (until now it did for the TTL). Redis is reached through a proxy this file takes down, and NATS is its
 * own, so no other catalog of the run makes the invalidation on its behalf.
 */
import { randomUUID } from 'node:crypto';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { connectRedis, type Redis, waitForRedis } from '@marquee/platform-cache';
import { eventually, type OwnNats, type TcpProxy, tcpProxy, testInfra } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogUnderTest, startIsolatedCatalog } from './helper';

let issuer: TestIssuer;
let nats: OwnNats;
let proxy: TcpProxy;
let direct: Redis;
let catalog: CatalogUnderTest;
let admin: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  proxy = await tcpProxy(testInfra().redisUrl);
  direct = connectRedis(testInfra().redisUrl, 'catalog-outage-direct');
  ({ catalog, nats } = await startIsolatedCatalog({
    jwksUrl: issuer.jwksUrl,
    label: 'catalog-redis-outage',
    movies: 5,
    extraEnv: { REDIS_URL: proxy.url },
  }));
  admin = await issuer.sign({ sub: randomUUID(), role: 'admin' });
}, 180_000);

afterAll(async () => {
  await catalog?.close();
  await proxy?.close();
  direct?.disconnect();
  await nats?.remove();
  await issuer?.close();
});

const get = async (url: string) => (await catalog.app.inject({ url })).json();

describe('catalog through a Redis outage', () => {
  it('When a movie is edited while Redis is unreachable, then the edit does not wait on it, and once Redis is back neither its cached detail nor a cached list page is served stale', {
    timeout: 120_000,
  }, async () => {
    const detailKey = `${catalog.config.CACHE_KEY_PREFIX}movie:2`;
    const listPattern = `${catalog.config.CACHE_KEY_PREFIX}list:*`;
    expect((await get('/v1/movies/2')).title).toBe('Jumanji');
    expect((await get('/v1/movies?limit=5')).items.map((m: { title: string }) => m.title)).toContain('Jumanji');
    await eventually(async () => (await direct.exists(detailKey)) === 1, { what: 'movie 2 cached in Redis' });
    const listKeys = async () => (await direct.scan('0', 'MATCH', listPattern, 'COUNT', 1000))[1];
    expect(await listKeys()).not.toEqual([]);

    await proxy.down();
    await eventually(() => catalog.deps.redis.status !== 'ready', { what: 'the catalog seeing Redis gone' });
    const started = Date.now();
    const edit = await catalog.app.inject({
      method: 'PATCH',
      url: '/v1/movies/2',
      payload: { title: 'Jumanji (edited in the outage)' },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(edit.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Served from PostgreSQL meanwhile; Redis itself still holds what the edit made stale.
    expect((await get('/v1/movies/2')).title).toBe('Jumanji (edited in the outage)');
    expect(await direct.get(detailKey)).toContain('"Jumanji"');

    await proxy.up();
    expect(await waitForRedis(catalog.deps.redis, 30_000)).toBe(true);
    await eventually(async () => (await direct.exists(detailKey)) === 0 && (await listKeys()).length === 0, {
      what: 'the stale detail and list pages deleted from Redis',
      timeoutMs: 20_000,
    });
    expect((await get('/v1/movies/2')).title).toBe('Jumanji (edited in the outage)');
    expect((await get('/v1/movies?limit=5')).items.map((m: { title: string }) => m.title)).toContain(
      'Jumanji (edited in the outage)',
    );
  });
});
