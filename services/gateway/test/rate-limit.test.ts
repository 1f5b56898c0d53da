import { eventually, tcpProxy, testInfra, uniqueName, unreachableRedis } from '@marquee/platform-testing';
import { connectRedis, RedisUnavailableError } from '@marquee/platform-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_REDIS_SOCKET_TIMEOUT_MS } from '../src/deps';
import { slidingWindowLimiter } from '../src/limits/sliding-window';
import {
  aUser,
  anotherUser,
  type RunningGateway,
  startGateway,
  startTestIssuer,
  startUpstream,
  type TestIssuer,
  jsonOf,
} from './helpers';

describe('rate limits shared by gateway replicas', () => {
  let issuer: TestIssuer;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let first: RunningGateway;
  let second: RunningGateway;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    upstream = await startUpstream('catalog');
    const shared = {
      CATALOG_URL: upstream.url,
      AUTH_URL: upstream.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      REDIS_KEY_PREFIX: `${uniqueName('rl')}:`,
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '6',
      RATE_LIMIT_PER_MINUTE: '8',
      LOGIN_RATE_LIMIT_PER_MINUTE: '3',
      REGISTER_RATE_LIMIT_PER_MINUTE: '2',
      SUGGEST_RATE_LIMIT_PER_MINUTE: '30',
    };
    [first, second] = await Promise.all([startGateway(shared), startGateway(shared)]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await upstream?.close();
    await issuer?.close();
  });

  it('When one IP spreads requests over two replicas, then they share one budget and the excess gets 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 8; i++) {
      last = await fetch(`${(i % 2 === 0 ? first : second).url}/api/v1/genres`, {});
      if (i < 5) expect(Number(last.headers.get('x-ratelimit-remaining'))).toBe(5 - i);
      statuses.push(last.status);
      await last.arrayBuffer();
    }
    // /v1/genres is not served by the test upstream: 404 means "let through", 429 means "limited".
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 429, 429]);
    const limited = await fetch(`${second.url}/api/v1/movies/1`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('6');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(120);
    const body = await jsonOf(limited);
    expect(body.error.code).toBe('RATE_LIMIT.EXCEEDED');
    expect(body.error.details).toEqual({ limit: 6, retryAfterSeconds: retryAfter });
  });

  it('When users are signed in, then each has an own budget across replicas, apart from the IP budget', async () => {
    const alice = await issuer.sign({ sub: aUser, role: 'user' });
    const bob = await issuer.sign({ sub: anotherUser, role: 'user' });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await fetch(`${(i % 2 === 0 ? first : second).url}/api/v1/movies/1`, {
        headers: { authorization: `Bearer ${alice}` },
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    const bobs = await fetch(`${first.url}/api/v1/movies/1`, { headers: { authorization: `Bearer ${bob}` } });
    expect(bobs.status).toBe(200);
    expect(bobs.headers.get('x-ratelimit-limit')).toBe('8');
  });

  it('When login attempts from one IP exceed their own smaller budget, then 429 before auth is asked', async () => {
    const seenBefore = upstream.seen.length;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      // Signed in so the general (per-user) budget is not what stops it.
      const res = await fetch(`${(i % 2 === 0 ? first : second).url}/api/v1/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await issuer.sign({ sub: crypto.randomUUID(), role: 'user' })}`,
        },
        body: JSON.stringify({ email: 'a@example.com', password: 'wrong' }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
    expect(upstream.seen.length - seenBefore).toBe(3);
  });

  it('When sign-ups from one IP exceed their budget, then 429 before auth is asked (each costs an argon2 hash)', async () => {
    const seenBefore = upstream.seen.length;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${(i % 2 === 0 ? first : second).url}/api/v1/auth/register`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await issuer.sign({ sub: crypto.randomUUID(), role: 'user' })}`,
        },
        body: JSON.stringify({ username: `u${i}`, email: `u${i}@example.com`, password: 'Velvet-Curtain-2031' }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([404, 404, 429]);
    expect(upstream.seen.length - seenBefore).toBe(2);
  });

  it('When a title is typed with a suggestion per keystroke, then suggestions use their own budget and spare the general one', async () => {
    const typist = await issuer.sign({ sub: crypto.randomUUID(), role: 'user' });
    const headers = { authorization: `Bearer ${typist}` };
    const typed = 'the shawshank redemption';
    const statuses: number[] = [];
    for (let i = 1; i <= typed.length; i++) {
      const url = `${(i % 2 === 0 ? first : second).url}/api/v1/search/suggest?q=${encodeURIComponent(typed.slice(0, i))}`;
      const res = await fetch(url, { headers });
      statuses.push(res.status);
      if (i === 1) expect(res.headers.get('x-ratelimit-limit')).toBe('30');
      await res.arrayBuffer();
    }
    // The test upstream has no suggest route: 404 means "let through", 429 means "limited".
    expect(statuses.every((s) => s === 404)).toBe(true);
    const general = await fetch(`${first.url}/api/v1/movies/1`, { headers });
    expect(general.headers.get('x-ratelimit-remaining')).toBe('7');
    await general.arrayBuffer();
    const over: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${second.url}/api/v1/search/suggest?q=x${i}`, { headers });
      over.push(res.status);
      await res.arrayBuffer();
    }
    expect(over.slice(0, 6)).toEqual([404, 404, 404, 404, 404, 404]);
    expect(over.slice(6)).toEqual([429, 429]);
  });

  it('When Redis cannot be reached, then requests are let through without limit headers, but login and register keep a local limit', async () => {
    const blind = await startGateway({
      CATALOG_URL: upstream.url,
      AUTH_URL: upstream.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      REDIS_URL: 'redis://127.0.0.1:1',
      LOGIN_RATE_LIMIT_PER_MINUTE: '2',
    });
    try {
      const logins: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${blind.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login: 'a@example.com', password: 'wrong' }),
        });
        logins.push(res.status);
        await res.arrayBuffer();
      }
      expect(logins).toEqual([404, 404, 429]);
      const res = await fetch(`${blind.url}/api/v1/movies/3`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
      const ready = await fetch(`${blind.opsUrl}/health/ready`);
      expect(ready.status).toBe(503);
      expect((await jsonOf(ready)).checks.redis).toMatch(/^failing/);
    } finally {
      await blind.close();
    }
  });

  it('When Redis goes silent with the connection open, then the requests waiting on it are let through within seconds, later ones at once, and Redis judges again once it answers', async () => {
    const proxy = await tcpProxy(testInfra().redisUrl);
    const silent = await startGateway({
      CATALOG_URL: upstream.url,
      AUTH_URL: upstream.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      REDIS_URL: proxy.url,
      REDIS_KEY_PREFIX: `${uniqueName('rl-silent')}:`,
      LOGIN_RATE_LIMIT_PER_MINUTE: '2',
    });
    const login = async () => {
      const started = Date.now();
      const res = await fetch(`${silent.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'a@example.com', password: 'wrong' }),
      });
      await res.arrayBuffer();
      return { status: res.status, ms: Date.now() - started };
    };
    try {
      const before = await fetch(`${silent.url}/api/v1/movies/3`);
      await before.arrayBuffer();
      expect(before.headers.get('x-ratelimit-limit')).not.toBeNull();
      proxy.stall();
      // Judged by Redis (a login budget is small): waits until the connection is dropped, then the local limit.
      const first = await login();
      expect(first.status).toBe(404);
      expect(first.ms).toBeLessThan(GATEWAY_REDIS_SOCKET_TIMEOUT_MS + 3_000);
      const later = [await login(), await login()];
      expect(later.map((r) => r.status)).toEqual([404, 429]);
      for (const r of later) expect(r.ms).toBeLessThan(500);
      const started = Date.now();
      const res = await fetch(`${silent.url}/api/v1/movies/3`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(500);
      const ready = await fetch(`${silent.opsUrl}/health/ready`);
      expect(ready.status).toBe(503);
      expect((await jsonOf(ready)).checks.redis).toMatch(/^failing/);
      proxy.resume();
      await eventually(async () => (await fetch(`${silent.opsUrl}/health/ready`)).status === 200, {
        timeoutMs: 20_000,
        what: 'ready once Redis answers again',
      });
      // The local limit has no attempt left (429 above): a login let through now was judged by Redis.
      expect((await login()).status).toBe(404);
    } finally {
      await silent.close();
      await proxy.close();
    }
  }, 60_000);

  it('When the limiter finds its connection down, then it fails at once rather than wait in the offline queue for reconnections', async () => {
    const down = unreachableRedis('gateway-limits-down', connectRedis);
    try {
      const limiter = slidingWindowLimiter(down.redis, 'down:');
      await expect(limiter.hit('ip:10.0.0.1', 5)).rejects.toBeInstanceOf(RedisUnavailableError);
      await expect(limiter.record('ip:10.0.0.1', 5, 1)).rejects.toBeInstanceOf(RedisUnavailableError);
      // Both refused before the client's first reconnection: neither was queued for one.
      expect(down.reconnections()).toBe(0);
    } finally {
      down.close();
    }
  });
});
