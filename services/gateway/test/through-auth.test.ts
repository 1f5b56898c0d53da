import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { dropDatabase, eventually, repoRoot, serviceTestEnv, uniqueName } from '@marquee/platform-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway, jsonOf } from './helpers';
import { runtimeArgs } from '@marquee/platform-runtime';

// One NATS subject prefix for this file's auth and gateway: other runs' auth instances stay out of its exports.
const natsPrefix = `gw${randomBytes(4).toString('hex')}.`;
const ADMIN = { login: 'root@example.com', password: 'Quiet-Harbor-Lantern-77' };

/** The real auth service, as its own process (its main.ts), with its own database. */
async function startAuthProcess(): Promise<{
  url: string;
  child: ChildProcess;
  env: Record<string, string>;
  stop(): Promise<void>;
}> {
  const key = () => randomBytes(32).toString('base64');
  const env: Record<string, string> = {
    ...serviceTestEnv('gw_auth'),
    LOG_LEVEL: 'info',
    PORT: '0',
    HOST: '127.0.0.1',
    AUTH_ENCRYPTION_KEYS: `k1:${key()}`,
    AUTH_ENCRYPTION_ACTIVE_KID: 'k1',
    AUTH_EMAIL_HASH_KEY: key(),
    AUTH_ARGON2_MEMORY_KIB: '19456',
    AUTH_BOOTSTRAP_ADMIN_EMAIL: ADMIN.login,
    AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    NATS_SUBJECT_PREFIX: natsPrefix,
  };
  const child = spawn(process.execPath, [...runtimeArgs, path.join(repoRoot, 'services/auth/src/main.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b) => (out += b));
  child.stderr?.on('data', (b) => (out += b));
  const deadline = Date.now() + 90_000;
  while (!/auth listening on (\d+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`auth did not start: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const port = /auth listening on (\d+)/.exec(out)?.[1];
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    env,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await dropDatabase(env.DATABASE_URL as string);
    },
  };
}

// auth counts failed logins per client IP in Redis shared by every test run: this file is its own client.
const clientIp = `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
const asClient = { 'x-forwarded-for': clientIp };

const json = (body: unknown, token?: string) => ({
  headers: { ...asClient, 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

describe('attacks and bad input through the gateway to the real auth service', () => {
  let auth: Awaited<ReturnType<typeof startAuthProcess>>;
  let gateway: RunningGateway;
  const tag = uniqueName('x')
    .slice(-6)
    .replace(/[^a-z0-9]/g, '');
  const alice = { username: `alice_${tag}`, email: `alice.${tag}@example.com`, password: 'Velvet-Curtain-2031' };
  let aliceToken = '';
  let adminToken = '';

  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${gateway.url}/api/v1${path}`, { method: 'POST', ...json(body, token) });
  const get = (path: string, token?: string) =>
    fetch(`${gateway.url}/api/v1${path}`, {
      headers: { ...asClient, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  const countUsers = async () => (await jsonOf(await get('/admin/users?pageSize=100', adminToken))).total as number;

  beforeAll(async () => {
    auth = await startAuthProcess();
    gateway = await startGateway({
      AUTH_URL: auth.url,
      AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      BODY_LIMIT_BYTES: '4096',
      LOGIN_RATE_LIMIT_PER_MINUTE: '50',
      REGISTER_RATE_LIMIT_PER_MINUTE: '50',
      TRUST_PROXY: '127.0.0.1',
      NATS_SUBJECT_PREFIX: natsPrefix,
      GDPR_EXPORT_SERVICES: 'auth,catalog',
      GDPR_EXPORT_TIMEOUT_MS: '3000',
    });
    const registered = await post('/auth/register', alice);
    expect(registered.status, await registered.clone().text()).toBe(201);
    aliceToken = (await jsonOf(registered)).accessToken;
    const admin = await post('/auth/login', ADMIN);
    expect(admin.status, await admin.clone().text()).toBe(200);
    adminToken = (await jsonOf(admin)).accessToken;
  }, 120_000);
  afterAll(async () => {
    await gateway?.close();
    await auth?.stop();
  });

  it("When a user signs up and calls /me through the gateway, then auth's own token is accepted at both hops", async () => {
    const me = await fetch(`${gateway.url}/api/v1/me`, {
      headers: { ...asClient, authorization: `Bearer ${aliceToken}`, 'x-request-id': 'me-req-1' },
    });
    expect(me.status).toBe(200);
    expect(me.headers.get('x-request-id')).toBe('me-req-1');
    expect(await jsonOf(me)).toMatchObject({ username: alice.username, email: alice.email });
  });

  it('When the email or username is taken, then 409 naming the field and no second account', async () => {
    const before = await countUsers();
    const sameEmail = await post('/auth/register', { ...alice, username: `other_${tag}` });
    expect(sameEmail.status).toBe(409);
    expect((await jsonOf(sameEmail)).error).toMatchObject({ code: 'USER.EMAIL_TAKEN', details: [{ field: 'email' }] });
    const sameName = await post('/auth/register', { ...alice, email: `other.${tag}@example.com` });
    expect(sameName.status).toBe(409);
    expect((await jsonOf(sameName)).error).toMatchObject({
      code: 'USER.USERNAME_TAKEN',
      details: [{ field: 'username' }],
    });
    expect(await countUsers()).toBe(before);
  });

  it('When the password is weak, then 400 with its reasons and no account', async () => {
    const before = await countUsers();
    const weak = await post('/auth/register', {
      username: `weak_${tag}`,
      email: `weak.${tag}@example.com`,
      password: 'password',
    });
    expect(weak.status).toBe(400);
    const body = await jsonOf(weak);
    expect(body.error.code).toBe('AUTH.WEAK_PASSWORD');
    expect(body.error.details.length).toBeGreaterThan(0);
    expect(body.error.details[0].field).toBe('password');
    expect(await countUsers()).toBe(before);
  });

  it('When the password is wrong, then 401 with the same answer whether or not the account exists', async () => {
    const known = await post('/auth/login', { login: alice.email, password: 'Wrong-Password-2031' });
    const unknown = await post('/auth/login', { login: `nobody.${tag}@example.com`, password: 'Wrong-Password-2031' });
    expect(known.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await jsonOf(known)).toEqual(await jsonOf(unknown));
  });

  it("When a non-admin calls admin routes or asks for another user's data, then 403", async () => {
    const list = await get('/admin/users', aliceToken);
    expect(list.status).toBe(403);
    expect((await jsonOf(list)).error.code).toBe('AUTH.FORBIDDEN');
    const adminId = (await jsonOf(await get('/me', adminToken))).id;
    expect((await get(`/admin/users/${adminId}`, aliceToken)).status).toBe(403);
    expect((await get(`/admin/users/${adminId}/export`, aliceToken)).status).toBe(403);
  });

  it('When the body is oversized or malformed, then 413 / 400 at the gateway and nothing is written', async () => {
    const before = await countUsers();
    const big = await post('/auth/register', {
      username: `big_${tag}`,
      email: `big.${tag}@example.com`,
      password: 'Velvet-Curtain-2031',
      bio: 'x'.repeat(8000),
    });
    expect(big.status).toBe(413);
    const malformed = await fetch(`${gateway.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { ...asClient, 'content-type': 'application/json' },
      body: `{"username":"m_${tag}","email":"m.${tag}@example.com","password":"Velvet-Curtain-2031"`,
    });
    expect(malformed.status).toBe(400);
    expect((await jsonOf(malformed)).error.code).toBe('REQUEST.MALFORMED_JSON');
    expect(await countUsers()).toBe(before);
  });

  it("When a user exports their data, then auth's part comes back over NATS and the silent catalog is named missing", async () => {
    const res = await get('/me/export', aliceToken);
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    expect(body.services.auth).toMatchObject({
      service: 'auth',
      account: { username: alice.username, email: alice.email },
    });
    expect(body.services.auth.sessions.length).toBeGreaterThan(0);
    expect(body.missing).toEqual([{ service: 'catalog', reason: 'no responder (service not running)' }]);
    expect(body.complete).toBe(false);
  });

  it('When a user deletes their account through DELETE /api/v1/me, then auth erases it and its login stops working', async () => {
    const bob = { username: `bob_${tag}`, email: `bob.${tag}@example.com`, password: 'Velvet-Curtain-2031' };
    const token = (await jsonOf(await post('/auth/register', bob))).accessToken;
    const wrong = await fetch(`${gateway.url}/api/v1/me`, {
      method: 'DELETE',
      ...json({ password: 'Not-His-Password-1' }, token),
    });
    expect([401, 403]).toContain(wrong.status);
    expect((await get('/me', token)).status).toBe(200);
    const deleted = await fetch(`${gateway.url}/api/v1/me`, {
      method: 'DELETE',
      ...json({ password: bob.password }, token),
    });
    expect(deleted.status).toBe(204);
    expect((await post('/auth/login', { login: bob.email, password: bob.password })).status).toBe(401);
  });

  it('When a user logs out or changes the password, then the live stream of that session ends at once', async () => {
    const carol = { username: `carol_${tag}`, email: `carol.${tag}@example.com`, password: 'Velvet-Curtain-2031' };
    const first = await jsonOf(await post('/auth/register', carol));
    const second = await jsonOf(await post('/auth/login', { login: carol.email, password: carol.password }));
    const open = async (token: string) => {
      const res = await fetch(`${gateway.url}/api/v1/stream`, {
        headers: { ...asClient, authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      const state = { text: '', ended: false };
      void (async () => {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) state.text += Buffer.from(chunk);
        state.ended = true;
      })();
      await eventually(() => state.text.includes(': connected'), { what: 'stream connected' });
      return state;
    };
    const loggedOut = await open(first.accessToken);
    const other = await open(second.accessToken);
    expect((await post('/auth/logout', { refreshToken: first.refreshToken })).status).toBe(204);
    await eventually(() => loggedOut.ended, { what: 'stream of the logged-out session ended' });
    expect(loggedOut.text).toContain('"reason":"session_revoked"');
    expect(other.ended).toBe(false);
    const changed = await post(
      '/auth/password',
      { currentPassword: carol.password, newPassword: 'Another-Long-Secret-77' },
      second.accessToken,
    );
    expect(changed.status).toBe(200);
    await eventually(() => other.ended, { what: 'stream of the other session ended on password change' });
  });
});
