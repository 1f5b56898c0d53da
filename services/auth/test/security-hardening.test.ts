import { randomBytes } from 'node:crypto';
import { connectRedis, waitForRedis } from '@marquee/platform-cache';
import { loadConfig } from '@marquee/platform-config';
import { withUser } from '@marquee/platform-db';
import { createHttpApp, type HttpApp } from '@marquee/platform-http';
import { createLogger } from '@marquee/platform-logging';
import { v7 as uuidv7 } from 'uuid';
import { eventually, tcpProxy, testInfra, unreachableRedis } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdmin } from '../src/accounts/create-admin';
import { reencryptAll } from '../src/accounts/reencrypt-users';
import { users } from '../src/db/schema';
import { FieldCipher } from '@marquee/platform-crypto';
import { LoginThrottle } from '../src/sessions/login-throttle';
import { issueRefreshToken } from '../src/sessions/refresh-tokens';
import { authSchema } from '../src/config';
import { authTestEnv, bearer, newAccount, registerAccount, startTestAuth, type TestAuth } from './fixtures/auth-env';

let auth: TestAuth;
let app: HttpApp;

const post = (url: string, payload: unknown, headers: Record<string, string> = {}, remoteAddress?: string) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers, ...(remoteAddress ? { remoteAddress } : {}) });

beforeAll(async () => {
  auth = await startTestAuth('auth-security', {
    AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: '5',
    AUTH_LOGIN_MAX_FAILURES_PER_IP: '8',
  });
  app = auth.app;
  await app.ready();
});
afterAll(async () => {
  await auth?.stop();
});

async function deactivatedUser() {
  const admin = newAccount();
  await ensureAdmin(auth.ctx, admin);
  const adminLogin = await post('/v1/auth/login', { login: admin.email, password: admin.password }, {}, '10.9.0.1');
  const victim = await registerAccount(app);
  const off = await post(`/v1/admin/users/${victim.userId}/deactivate`, {}, bearer(adminLogin.json().accessToken));
  expect(off.statusCode).toBe(200);
  return victim;
}

describe('a deactivated account gets no tokens', () => {
  it('when a deactivated user changes the password with a still-valid access token, then 403 and no session is issued', async () => {
    const victim = await deactivatedUser();
    const res = await post(
      '/v1/auth/password',
      { currentPassword: victim.password, newPassword: 'Another-Long-Secret-77' },
      bearer(victim.accessToken),
    );
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('AUTH.ACCOUNT_DISABLED');
    const { rows } = await auth.raw.query(
      'select count(*)::int as n from refresh_tokens where user_id = $1 and revoked_at is null',
      [victim.userId],
    );
    expect(rows[0].n).toBe(0);
  });

  it('when a deactivated user logs in with the right password, then 403', async () => {
    const victim = await deactivatedUser();
    const res = await post('/v1/auth/login', { login: victim.email, password: victim.password }, {}, '10.9.0.2');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('AUTH.ACCOUNT_DISABLED');
  });

  it('when a deactivated user presents a refresh token, then no pair is issued', async () => {
    const victim = await deactivatedUser();
    const res = await post('/v1/auth/refresh', { refreshToken: victim.refreshToken });
    expect(res.statusCode).toBeGreaterThanOrEqual(401);
    expect(res.json().accessToken).toBeUndefined();
  });
});

describe('login throttling', () => {
  it('when 50 wrong guesses arrive at once, then no more than the limit reach password verification', async () => {
    const acct = await registerAccount(app);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post('/v1/auth/login', { login: acct.username, password: `Wrong-Guess-${i}-x` }, {}, `10.1.${i}.1`),
      ),
    );
    const verified = results.filter((r) => r.statusCode === 401).length;
    expect(verified).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.statusCode === 429).length).toBe(50 - verified);
  });

  it('when guesses alternate between email and username, then they share one counter', async () => {
    const acct = await registerAccount(app);
    const codes: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const login = i % 2 === 0 ? acct.email : acct.username;
      codes.push(
        (await post('/v1/auth/login', { login, password: `Wrong-Guess-${i}-x` }, {}, `10.2.${i}.1`)).statusCode,
      );
    }
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('when one client rotates through its IPv6 /64, then its addresses share one budget', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const res = await post(
        '/v1/auth/login',
        { login: newAccount().username, password: 'Wrong-Guess-0-x' },
        {},
        `2001:db8:77:1::${(i + 1).toString(16)}`,
      );
      codes.push(res.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 429]);
  });

  it('when Redis cannot be reached, then an attempt is refused with 503 at once: no guess is verified uncounted, none waits on the connection', async () => {
    const down = unreachableRedis('auth-throttle-down', connectRedis);
    try {
      const throttle = new LoginThrottle(down.redis, { windowSeconds: 60, maxPerAccount: 5, maxPerIp: 8 }, 'down');
      await expect(throttle.attempt('account', '10.3.0.1')).rejects.toMatchObject({
        status: 503,
        code: 'AUTH.THROTTLE_UNAVAILABLE',
      });
      // Refused before the client's first reconnection: the command was never queued for one.
      expect(down.reconnections()).toBe(0);
      await expect(throttle.recordSuccess('account', '10.3.0.1')).resolves.toBeUndefined();
    } finally {
      down.close();
    }
  });

  it('when Redis goes silent on an open connection, then the attempt that times out is refused with 503, not 500, and a verified one is not failed by clearing its count', async () => {
    const proxy = await tcpProxy(testInfra().redisUrl);
    // The service's client with a short timeout, so the test waits a fraction of a second, not the default 5 s.
    const silent = connectRedis(proxy.url, 'auth-throttle-silent', { socketTimeout: 200 });
    try {
      expect(await waitForRedis(silent, 10_000)).toBe(true);
      const throttle = new LoginThrottle(silent, { windowSeconds: 60, maxPerAccount: 5, maxPerIp: 8 }, uuidv7());
      proxy.stall();
      await expect(throttle.attempt('account', '10.3.0.2')).rejects.toMatchObject({
        status: 503,
        code: 'AUTH.THROTTLE_UNAVAILABLE',
      });
      proxy.resume();
      expect(await waitForRedis(silent, 10_000)).toBe(true);
      proxy.stall();
      await expect(throttle.recordSuccess('account', '10.3.0.2')).resolves.toBeUndefined();
    } finally {
      silent.disconnect();
      await proxy.close();
    }
  });
});

describe('the client address auth believes', () => {
  it('when a request does not come from the gateway, then its X-Forwarded-For cannot spread guesses over many addresses', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const res = await post(
        '/v1/auth/login',
        { login: newAccount().username, password: 'Wrong-Guess-0-x' },
        { 'x-forwarded-for': `198.51.100.${i}` },
        '192.0.2.50',
      );
      codes.push(res.statusCode);
    }
    expect(codes.at(-1)).toBe(429);
  });

  it('when the gateway (loopback) forwards the client address, then that address is the one counted', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const res = await post(
        '/v1/auth/login',
        { login: newAccount().username, password: 'Wrong-Guess-0-x' },
        { 'x-forwarded-for': `198.51.101.${i}` },
        '127.0.0.1',
      );
      codes.push(res.statusCode);
    }
    expect(codes.every((c) => c === 401)).toBe(true);
  });
});

describe('session lifetime', () => {
  it('when a login is older than the session maximum, then refreshing it is refused however recently it was used', async () => {
    const acct = await registerAccount(app);
    const day = 86_400_000;
    const old = await withUser(auth.deps.database.db, acct.userId, (tx) =>
      issueRefreshToken(tx, acct.userId, auth.ctx.sessions, uuidv7({ msecs: Date.now() - 91 * day })),
    );
    const refused = await post('/v1/auth/refresh', { refreshToken: old.refreshToken });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('AUTH.INVALID_REFRESH_TOKEN');

    const ageing = await withUser(auth.deps.database.db, acct.userId, (tx) =>
      issueRefreshToken(tx, acct.userId, auth.ctx.sessions, uuidv7({ msecs: Date.now() - 89 * day })),
    );
    const rotated = await post('/v1/auth/refresh', { refreshToken: ageing.refreshToken });
    expect(rotated.statusCode).toBe(200);
    const { rows } = await auth.raw.query('select max(expires_at) as ends from refresh_tokens where family_id = $1', [
      ageing.sessionId,
    ]);
    expect(new Date(rows[0].ends).getTime()).toBeLessThanOrEqual(Date.now() + 1.01 * day);
  });
});

describe('re-encryption', () => {
  it('when the new key id differs from the old one only where the old has "_", then every value still moves to the new key', async () => {
    await registerAccount(app);
    const ring = `${auth.env.AUTH_ENCRYPTION_KEYS},axb:${randomBytes(32).toString('base64')},a_b:${randomBytes(32).toString('base64')}`;
    await reencryptAll({ ...auth.ctx, cipher: FieldCipher.fromConfig(ring, 'axb') });
    const moved = await reencryptAll({ ...auth.ctx, cipher: FieldCipher.fromConfig(ring, 'a_b') });
    expect(moved.usersChanged).toBeGreaterThan(0);
    const { rows } = await auth.raw.query('select email_encrypted from users');
    expect(rows.every((r) => r.email_encrypted.startsWith('v1:a_b:'))).toBe(true);
    // Back under the service's own key, which signs and reads for the rest of the file.
    await reencryptAll({ ...auth.ctx, cipher: FieldCipher.fromConfig(ring, 'k1') });
  });
});

describe('responses with tokens or personal data', () => {
  it('when tokens or a profile are returned, then Cache-Control is no-store; the JWKS stays cacheable', async () => {
    const acct = await registerAccount(app);
    const login = await post('/v1/auth/login', { login: acct.email, password: acct.password }, {}, '10.3.0.1');
    const refreshed = await post('/v1/auth/refresh', { refreshToken: login.json().refreshToken });
    const me = await app.inject({ url: '/v1/me', headers: bearer(acct.accessToken) });
    for (const res of [login, refreshed, me]) expect(res.headers['cache-control']).toBe('no-store');
    const failed = await post('/v1/auth/login', { login: acct.email, password: 'Wrong-Guess-0-x' }, {}, '10.3.0.1');
    expect(failed.headers['cache-control']).toBe('no-store');
    const jwks = await app.inject({ url: '/.well-known/jwks.json' });
    expect(jwks.headers['cache-control']).toContain('max-age');
  });
});

describe('bad bytes and failures', () => {
  it('when a name field carries a NUL or other control character, then 400 names the field (no 500)', async () => {
    const res = await post('/v1/auth/register', newAccount({ firstName: 'Ada\u0000', lastName: 'Love\u001blace' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { field: 'body.firstName', reason: 'must not contain control characters' },
      { field: 'body.lastName', reason: 'must not contain control characters' },
    ]);
  });

  it('when a database error fails a request, then the log names the driver code and none of the query parameters', async () => {
    const lines: string[] = [];
    const logger = createLogger('auth-test', 'info', { write: (l: string) => void lines.push(l) });
    const probe = await createHttpApp({ service: 'auth-test', logger });
    probe.get('/v1/probe', async () => {
      await auth.deps.database.db.insert(users).values({
        id: uuidv7(),
        username: 'probe\u0000name',
        emailEncrypted: 'x',
        emailHash: 'x',
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$SECRETSALT$SECRETHASH',
      });
      return {};
    });
    const res = await probe.inject({ url: '/v1/probe' });
    await probe.close();
    expect(res.statusCode).toBe(500);
    const failure = lines.find((l) => l.includes('request failed')) as string;
    expect(JSON.parse(failure).err).toMatchObject({ type: 'DatabaseError', code: '22021' });
    expect(lines.join('\n')).not.toContain('SECRETHASH');
  });
});

describe('admin lookup by email', () => {
  it('when an admin looks a user up by email, then it goes in a POST body; an email in the URL is refused', async () => {
    const admin = newAccount();
    await ensureAdmin(auth.ctx, admin);
    const token = (
      await post('/v1/auth/login', { login: admin.email, password: admin.password }, {}, '10.4.0.1')
    ).json().accessToken;
    const victim = await registerAccount(app);
    const found = await post('/v1/admin/users/search', { email: victim.email }, bearer(token));
    expect(found.statusCode).toBe(200);
    expect(found.json().items.map((u: { id: string }) => u.id)).toEqual([victim.userId]);
    const inUrl = await app.inject({
      url: `/v1/admin/users?email=${encodeURIComponent(victim.email)}`,
      headers: bearer(token),
    });
    expect(inUrl.statusCode).toBe(400);
    expect(inUrl.json().error.details[0].field).toBe('querystring.email');
  });
});

describe('password hashing cost', () => {
  it('when argon2id is configured below OWASP minimums (19 MiB), then auth refuses to start naming the variable', () => {
    expect(() => loadConfig('auth', authSchema, authTestEnv('argon', { AUTH_ARGON2_MEMORY_KIB: '8192' }))).toThrow(
      /AUTH_ARGON2_MEMORY_KIB/,
    );
  });
});

describe('trusted proxies by name', () => {
  it('when TRUSTED_PROXIES names a host, then only its addresses are trusted once looked up', async () => {
    const { trustedProxies } = await import('../src/trusted-proxies');
    const proxies = trustedProxies('localhost,10.20.0.0/16', auth.deps.logger);
    await eventually(() => proxies.trust('127.0.0.1'), { what: 'localhost looked up' });
    expect(proxies.trust('10.20.3.4')).toBe(true);
    expect(proxies.trust('::ffff:10.20.3.4')).toBe(true);
    expect(proxies.trust('192.0.2.1')).toBe(false);
    proxies.stop();
  });
});
