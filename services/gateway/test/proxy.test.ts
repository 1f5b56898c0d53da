import http from 'node:http';
import { freePort } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aUser,
  type RunningGateway,
  startGateway,
  startTestIssuer,
  startUpstream,
  type TestIssuer,
  jsonOf,
} from './helpers';

function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}`, { path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway proxy', () => {
  let issuer: TestIssuer;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    upstream = await startUpstream('catalog');
    gateway = await startGateway({
      CATALOG_URL: upstream.url,
      AUTH_URL: `http://127.0.0.1:${await freePort()}`,
      AUTH_JWKS_URL: issuer.jwksUrl,
      BODY_LIMIT_BYTES: '2048',
      CORS_ORIGINS: 'https://app.example.com',
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await issuer?.close();
  });

  it('When a signed-in call goes through, then method, query, body, token and ids reach the service and its answer comes back', async () => {
    const token = await issuer.sign({ sub: aUser, role: 'user' });
    const before = upstream.seen.length;
    const ok = await fetch(`${gateway.url}/api/v1/movies/7?lang=en`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-123', 'x-correlation-id': 'corr-456' },
    });
    expect(ok.status).toBe(200);
    expect(await jsonOf(ok)).toEqual({ id: 7, title: 'Movie 7' });
    expect(ok.headers.get('x-request-id')).toBe('req-123');
    expect(ok.headers.get('x-correlation-id')).toBe('corr-456');
    const seen = upstream.seen.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe('/v1/movies/7?lang=en');
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(seen[0]?.headers['x-request-id']).toBe('req-123');
    expect(seen[0]?.headers['x-correlation-id']).toBe('corr-456');
    expect(seen[0]?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('When a body is sent, then the service gets the same JSON and its status and headers come back', async () => {
    const res = await fetch(`${gateway.url}/api/v1/admin/movies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ title: 'Alien' }),
    });
    expect(res.status).toBe(201);
    expect(upstream.seen.at(-1)?.body).toEqual({ title: 'Alien' });

    const invalid = await fetch(`${gateway.url}/api/v1/admin/movies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: '' }),
    });
    expect(invalid.status).toBe(400);
    const body = await jsonOf(invalid);
    expect(body.error.code).toBe('VALIDATION.FAILED');
    expect(body.error.details[0].field).toBe('body.title');
  });

  it('When no id is sent, then the gateway makes one and the service sees the same request and correlation id', async () => {
    const res = await fetch(`${gateway.url}/api/v1/search?q=heat`);
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const seen = upstream.seen.at(-1);
    expect(seen?.headers['x-request-id']).toBe(requestId);
    expect(seen?.headers['x-correlation-id']).toBe(requestId);
  });

  it('When the token is tampered, expired, signed by another key or badly formed, then 401 and nothing reaches the service', async () => {
    const stranger = await startTestIssuer();
    try {
      const good = await issuer.sign({ sub: aUser, role: 'user' });
      const [h, p, s] = good.split('.');
      const claims = JSON.parse(Buffer.from(p as string, 'base64url').toString());
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${s}`;
      const tokens = {
        tampered,
        expired: await issuer.sign({ sub: aUser, role: 'user' }, { expiresInSeconds: -120 }),
        'wrong key': await stranger.sign({ sub: aUser, role: 'admin' }),
        'wrong audience': await issuer.sign({ sub: aUser, role: 'user' }, { audience: 'someone-else' }),
        'alg none': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`,
        garbage: 'not-a-jwt',
      };
      const before = upstream.seen.length;
      for (const [what, token] of Object.entries(tokens)) {
        const res = await fetch(`${gateway.url}/api/v1/movies/1`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status, what).toBe(401);
        expect((await jsonOf(res)).error.code, what).toBe('AUTH.INVALID_TOKEN');
      }
      expect(upstream.seen.length).toBe(before);
    } finally {
      await stranger.close();
    }
  });

  it('When the body is too large or malformed JSON, then 413 / 400 at the gateway and nothing reaches the service', async () => {
    const before = upstream.seen.length;
    const big = await fetch(`${gateway.url}/api/v1/admin/movies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(5000) }),
    });
    expect(big.status).toBe(413);
    expect((await jsonOf(big)).error.code).toBe('REQUEST.TOO_LARGE');
    const malformed = await fetch(`${gateway.url}/api/v1/admin/movies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title": "Alien",',
    });
    expect(malformed.status).toBe(400);
    expect((await jsonOf(malformed)).error.code).toBe('REQUEST.MALFORMED_JSON');
    expect(upstream.seen.length).toBe(before);
  });

  it('When the service is down or not configured, then 502 / 503 in the one error shape naming the service', async () => {
    const down = await fetch(`${gateway.url}/api/v1/auth/login`, { method: 'POST' });
    expect(down.status).toBe(502);
    expect(await jsonOf(down)).toMatchObject({
      error: { code: 'GATEWAY.UPSTREAM_UNREACHABLE', details: { service: 'auth' } },
    });
    const unconfigured = await fetch(`${gateway.url}/api/v1/recommendations`);
    expect(unconfigured.status).toBe(503);
    expect(await jsonOf(unconfigured)).toMatchObject({
      error: { code: 'GATEWAY.UPSTREAM_UNAVAILABLE', details: { service: 'recommendation' } },
    });
  });

  it('When a path is unknown or climbs with dot segments, then 404 / 400 without reaching a service', async () => {
    const before = upstream.seen.length;
    expect((await fetch(`${gateway.url}/api/v1/nowhere`)).status).toBe(404);
    const climbing = await fetch(`${gateway.url}/api/v1/movies/%2e%2e/admin`);
    expect([400, 404]).toContain(climbing.status);
    // fetch and inject normalise "..", a raw client does not.
    const raw = await rawGet(gateway.url, '/api/v1/movies/../admin/users');
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body).error.code).toBe('GATEWAY.BAD_PATH');
    expect(upstream.seen.length).toBe(before);
  });

  it('When a browser from an allowed origin asks, then CORS allows it and exposes the id and rate-limit headers', async () => {
    const preflight = await fetch(`${gateway.url}/api/v1/movies/1`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const res = await fetch(`${gateway.url}/api/v1/movies/1`, { headers: { origin: 'https://app.example.com' } });
    expect(res.headers.get('access-control-expose-headers')).toContain('x-ratelimit-remaining');
    const other = await fetch(`${gateway.url}/api/v1/movies/1`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
