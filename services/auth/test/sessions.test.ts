import type { HttpApp } from '@marquee/platform-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerAccount, startTestAuth, type TestAuth } from './fixtures/auth-env';

let auth: TestAuth;
let app: HttpApp;

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers });
const count = async (table: string) =>
  Number((await auth.raw.query(`select count(*)::int as n from ${table}`)).rows[0].n);

beforeAll(async () => {
  auth = await startTestAuth('auth-sessions', {
    AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
    AUTH_LOGIN_MAX_FAILURES_PER_IP: '1000',
  });
  app = auth.app;
  await app.ready();
});
afterAll(async () => {
  await auth?.stop();
});

describe('refresh tokens', () => {
  it('When a refresh token is used, then it rotates; reusing the spent one revokes the whole family', async () => {
    const acct = await registerAccount(app);
    const login = (await post('/v1/auth/login', { login: acct.email, password: acct.password })).json();
    const first = await post('/v1/auth/refresh', { refreshToken: login.refreshToken });
    expect(first.statusCode).toBe(200);
    const rotated = first.json();
    expect(rotated.refreshToken).not.toBe(login.refreshToken);
    expect((await app.inject({ url: '/v1/me', headers: bearer(rotated.accessToken) })).statusCode).toBe(200);

    const reuse = await post('/v1/auth/refresh', { refreshToken: login.refreshToken });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().error.code).toBe('AUTH.REFRESH_TOKEN_REUSED');
    const successor = await post('/v1/auth/refresh', { refreshToken: rotated.refreshToken });
    expect(successor.statusCode).toBe(401);
    const { rows } = await auth.raw.query(
      `select count(*) filter (where revoked_at is null)::int as live, count(*)::int as total from refresh_tokens where user_id = $1`,
      [acct.userId],
    );
    // The registration session is another family and stays alive.
    expect(rows[0]).toEqual({ live: 1, total: 3 });
  });

  it('When one refresh token is used twice at the same time, then one call rotates and the family is revoked', async () => {
    const acct = await registerAccount(app);
    const results = await Promise.all([
      post('/v1/auth/refresh', { refreshToken: acct.refreshToken }),
      post('/v1/auth/refresh', { refreshToken: acct.refreshToken }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.statusCode === 200)?.json();
    expect((await post('/v1/auth/refresh', { refreshToken: winner.refreshToken })).statusCode).toBe(401);
  });

  it('When refresh tokens are stored, then only their hashes are', async () => {
    const acct = await registerAccount(app);
    const { rows } = await auth.raw.query('select token_hash from refresh_tokens where user_id = $1', [acct.userId]);
    expect(rows.map((r) => r.token_hash)).not.toContain(acct.refreshToken);
  });

  it('When the user logs out, then that refresh token no longer works', async () => {
    const acct = await registerAccount(app);
    expect((await post('/v1/auth/logout', { refreshToken: acct.refreshToken })).statusCode).toBe(204);
    const res = await post('/v1/auth/refresh', { refreshToken: acct.refreshToken });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH.INVALID_REFRESH_TOKEN');
    expect((await post('/v1/auth/refresh', { refreshToken: 'made-up' })).statusCode).toBe(401);
  });
});

describe('password change', () => {
  it('When the password changes, then old sessions and the old password stop working and the new one works', async () => {
    const acct = await registerAccount(app);
    const wrong = await post(
      '/v1/auth/password',
      { currentPassword: 'Not-It-At-All-1', newPassword: 'Brand-New-Secret-77' },
      bearer(acct.accessToken),
    );
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('AUTH.WRONG_PASSWORD');
    const weak = await post(
      '/v1/auth/password',
      { currentPassword: acct.password, newPassword: 'short' },
      bearer(acct.accessToken),
    );
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.details[0].field).toBe('newPassword');
    const ok = await post(
      '/v1/auth/password',
      { currentPassword: acct.password, newPassword: 'Brand-New-Secret-77' },
      bearer(acct.accessToken),
    );
    expect(ok.statusCode).toBe(200);
    expect((await post('/v1/auth/refresh', { refreshToken: acct.refreshToken })).statusCode).toBe(401);
    expect((await post('/v1/auth/refresh', { refreshToken: ok.json().refreshToken })).statusCode).toBe(200);
    expect((await post('/v1/auth/login', { login: acct.username, password: acct.password })).statusCode).toBe(401);
    expect((await post('/v1/auth/login', { login: acct.username, password: 'Brand-New-Secret-77' })).statusCode).toBe(
      200,
    );
    expect((await post('/v1/auth/password', { currentPassword: 'x', newPassword: 'y' })).statusCode).toBe(401);
  });
});

describe('password confirmation', () => {
  it('When the current password is guessed repeatedly with a valid token, then 429 stops the guessing', async () => {
    const acct = await registerAccount(app);
    const change = (currentPassword: string) =>
      post('/v1/auth/password', { currentPassword, newPassword: 'Brand-New-Secret-88' }, bearer(acct.accessToken));
    for (let i = 0; i < 3; i += 1) expect((await change(`Guess-Number-${i}x`)).statusCode).toBe(403);
    const blocked = await change(acct.password);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const del = await app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(acct.accessToken),
      payload: { password: acct.password },
    });
    expect(del.statusCode).toBe(429);
    expect(await count('users')).toBeGreaterThan(0);
  });
});

describe('refresh token housekeeping', () => {
  it('When refresh tokens expired more than a day ago, then the prune job deletes them and keeps live ones', async () => {
    const { pruneExpiredRefreshTokens } = await import('../src/jobs/prune-refresh-tokens');
    const acct = await registerAccount(app);
    const pool = auth.raw;
    await pool.query(`update refresh_tokens set expires_at = now() - interval '2 days' where user_id = $1`, [
      acct.userId,
    ]);
    const live = await registerAccount(app);
    expect(await pruneExpiredRefreshTokens(auth.deps.database)).toBeGreaterThanOrEqual(1);
    expect((await pool.query('select 1 from refresh_tokens where user_id = $1', [acct.userId])).rowCount).toBe(0);
    expect((await pool.query('select 1 from refresh_tokens where user_id = $1', [live.userId])).rowCount).toBe(1);
  });
});
