import { createHttpApp, type HttpApp } from '@marquee/platform-http';
import { createLogger } from '@marquee/platform-logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAuth, requireAdmin, requireUser, startTestIssuer, type TestIssuer } from '../src/index';

const userId = '0190a0b0-0000-7000-8000-000000000001';
let issuer: TestIssuer;
let stranger: TestIssuer;
let app: HttpApp;

async function buildApp(jwksUrl: string, extra: { jwksCooldownMs?: number } = {}): Promise<HttpApp> {
  const a = await createHttpApp({ service: 'auth-test', logger: createLogger('auth-test', 'silent') });
  registerAuth(a, { jwksUrl, ...extra });
  a.get('/whoami', async (req) => ({ identity: req.identity }));
  a.get('/mine', { preHandler: requireUser }, async (req) => ({ userId: req.identity?.userId }));
  a.get('/admin', { preHandler: requireAdmin }, async () => ({ ok: true }));
  await a.ready();
  return a;
}

const get = (url: string, token?: string) =>
  app.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  issuer = await startTestIssuer();
  stranger = await startTestIssuer();
  app = await buildApp(issuer.jwksUrl);
});
afterAll(async () => {
  await app?.close();
  await issuer?.close();
  await stranger?.close();
});

describe('registerAuth', () => {
  it('When a valid token is sent, then request.identity carries its user, role, expiry and session', async () => {
    const sessionId = '0190c4a2-7b1e-7c3d-8e4f-5a6b7c8d9e11';
    const res = await get('/whoami', await issuer.sign({ sub: userId, role: 'user' }, { claims: { sid: sessionId } }));
    expect(res.statusCode).toBe(200);
    const { identity } = res.json();
    expect(identity).toMatchObject({ userId, role: 'user', sessionId });
    expect(new Date(identity.expiresAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('When no token is sent, then identity is null on open routes and requireUser answers 401 AUTH.REQUIRED', async () => {
    expect((await get('/whoami')).json()).toEqual({ identity: null });
    const res = await get('/mine');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH.REQUIRED');
  });

  it('When the token is tampered with, then 401 AUTH.INVALID_TOKEN even on open routes', async () => {
    const token = await issuer.sign({ sub: userId, role: 'user' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url');
    for (const bad of [`${h}.${forged}.${s}`, `${h}.${p}.${s.slice(0, -4)}AAAA`]) {
      const res = await get('/whoami', bad);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('AUTH.INVALID_TOKEN');
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    }
  });

  it('When the token has expired, then 401 says so', async () => {
    const res = await get('/mine', await issuer.sign({ sub: userId, role: 'user' }, { expiresInSeconds: -60 }));
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'AUTH.INVALID_TOKEN', message: expect.stringContaining('expired') });
  });

  it('When issuer or audience is wrong, then 401 names the claim', async () => {
    const wrongIss = await get('/mine', await issuer.sign({ sub: userId, role: 'user' }, { issuer: 'someone-else' }));
    expect(wrongIss.statusCode).toBe(401);
    expect(wrongIss.json().error.message).toContain('"iss"');
    const wrongAud = await get('/mine', await issuer.sign({ sub: userId, role: 'user' }, { audience: 'other-app' }));
    expect(wrongAud.statusCode).toBe(401);
    expect(wrongAud.json().error.message).toContain('"aud"');
  });

  it('When the token is signed by another key, then 401', async () => {
    const res = await get('/mine', await stranger.sign({ sub: userId, role: 'admin' }));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH.INVALID_TOKEN');
  });

  it('When claims are unusable (role unknown, sub not a user id) or the header is not Bearer, then 401', async () => {
    expect((await get('/mine', await issuer.sign({ sub: userId, role: 'root' }))).statusCode).toBe(401);
    expect((await get('/mine', await issuer.sign({ sub: 'alice', role: 'user' }))).statusCode).toBe(401);
    const basic = await app.inject({ method: 'GET', url: '/whoami', headers: { authorization: 'Basic YTpi' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().error.code).toBe('AUTH.INVALID_TOKEN');
  });

  it('When an unsigned (alg none) token claims admin, then 401', async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const none = `${enc({ alg: 'none' })}.${enc({ sub: userId, role: 'admin', iss: 'marquee-auth', aud: 'marquee', exp: now + 60, jti: 'x' })}.x`;
    expect((await get('/admin', none)).statusCode).toBe(401);
  });

  it('When a user calls an admin route, then 403 AUTH.FORBIDDEN; an admin gets through', async () => {
    const res = await get('/admin', await issuer.sign({ sub: userId, role: 'user' }));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('AUTH.FORBIDDEN');
    expect((await get('/admin', await issuer.sign({ sub: userId, role: 'admin' }))).statusCode).toBe(200);
  });

  it('When the OpenAPI document is read, then the guard each route runs is its security, with the 401/403 it answers', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/whoami'].get).toMatchObject({ operationId: 'getWhoami', security: [] });
    expect(doc.paths['/mine'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(doc.paths['/mine'].get.responses)).toEqual(['401']);
    expect(doc.paths['/admin'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(doc.paths['/admin'].get.responses).sort()).toEqual(['401', '403']);
  });

  it('When the issuer rotates to a new key, then the verifier refetches the JWKS and accepts it', async () => {
    const rotating = await startTestIssuer();
    const rotatingApp = await buildApp(rotating.jwksUrl, { jwksCooldownMs: 0 });
    try {
      const before = await rotating.sign({ sub: userId, role: 'user' });
      const r1 = await rotatingApp.inject({ url: '/mine', headers: { authorization: `Bearer ${before}` } });
      expect(r1.statusCode).toBe(200);
      await rotating.rotate();
      const after = await rotating.sign({ sub: userId, role: 'user' });
      const r2 = await rotatingApp.inject({ url: '/mine', headers: { authorization: `Bearer ${after}` } });
      expect(r2.statusCode).toBe(200);
      expect(rotating.jwksFetches).toBe(2);
      const r3 = await rotatingApp.inject({ url: '/mine', headers: { authorization: `Bearer ${before}` } });
      expect(r3.statusCode).toBe(200);
      expect(rotating.jwksFetches).toBe(2);
    } finally {
      await rotatingApp.close();
      await rotating.close();
    }
  });

  it('When the JWKS cannot be fetched, then 503 AUTH.KEYS_UNAVAILABLE rather than blaming the token', async () => {
    const gone = await startTestIssuer();
    const token = await gone.sign({ sub: userId, role: 'user' });
    await gone.close();
    const orphan = await buildApp(gone.jwksUrl);
    try {
      const res = await orphan.inject({ url: '/mine', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('AUTH.KEYS_UNAVAILABLE');
    } finally {
      await orphan.close();
    }
  });
});
