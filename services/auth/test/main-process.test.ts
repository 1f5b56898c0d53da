import path from 'node:path';
import { createAccessTokenVerifier } from '@marquee/platform-auth';
import { dropDatabase, repoRoot, runTs } from '@marquee/platform-testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@marquee/platform-config';
import { authSchema } from '../src/config';
import { startAuth } from '../src/service';
import { authTestEnv } from './fixtures/auth-env';

const run = (script: string, env: Record<string, string>, args: string[] = []) =>
  runTs(path.join(repoRoot, 'services/auth/src', script), env, args);

describe('auth as a process', () => {
  it('When main.ts runs, then it migrates, is ready, bootstraps the admin, and its tokens verify against its JWKS across a key rotation', {
    timeout: 240_000,
  }, async () => {
    const admin = { email: 'root@marquee.test', password: 'Projector-Lamp-4242' };
    const env = authTestEnv('auth-main', {
      AUTH_BOOTSTRAP_ADMIN_EMAIL: admin.email,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    });
    const p = run('main.ts', { ...env, LOG_LEVEL: 'info' });
    try {
      const deadline = Date.now() + 150_000;
      while (!/auth listening on (\d+)/.test(p.out()) && Date.now() < deadline) {
        if (p.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const port = /auth listening on (\d+)/.exec(p.out())?.[1];
      expect(port, p.err()).toBeDefined();
      const base = `http://127.0.0.1:${port}`;
      const db = new pg.Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      const tables = await db
        .query(`select array_agg(tablename::text order by tablename) as t from pg_tables where schemaname = 'public'`)
        .finally(() => db.end());
      expect(tables.rows[0].t).toEqual([
        'known_genres',
        'outbox',
        'processed_events',
        'refresh_tokens',
        'signing_keys',
        'users',
      ]);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: unknown }).checks).toEqual({
        postgres: 'ok',
        kafka: 'ok',
        redis: 'ok',
        nats: 'ok',
      });

      const login = await fetch(`${base}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: admin.email, password: admin.password }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      const verify = createAccessTokenVerifier({ jwksUrl: `${base}/.well-known/jwks.json`, jwksCooldownMs: 0 });
      expect(await verify(accessToken)).toMatchObject({ role: 'admin' });

      const rotated = run('cli/rotate-signing-key.ts', env);
      expect(await rotated.exited, rotated.err()).toBe(0);
      const { kid, retired } = JSON.parse(rotated.out().trim());
      const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid).sort()).toEqual([kid, ...retired].sort());
      // Tokens signed before the rotation keep verifying while the retired key is published.
      expect(await verify(accessToken)).toMatchObject({ role: 'admin' });

      const second = { email: 'ops@marquee.test', password: 'Second-Admin-Key-77' };
      const created = run('cli/create-admin.ts', { ...env, AUTH_NEW_ADMIN_PASSWORD: second.password }, [
        '--email',
        second.email,
        '--username',
        'ops',
      ]);
      expect(await created.exited, created.err()).toBe(0);
      const opsLogin = await fetch(`${base}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'ops', password: second.password }),
      });
      const opsToken = ((await opsLogin.json()) as { accessToken: string }).accessToken;
      expect(await verify(opsToken)).toMatchObject({ role: 'admin' });

      const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining(['/v1/auth/register', '/v1/me', '/v1/admin/users/{id}/deactivate']),
      );

      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });

  it('When the bootstrap admin password is weak, then start-up fails naming the rule (main.ts turns it into exit 78)', async () => {
    const env = authTestEnv('auth-weak', {
      AUTH_BOOTSTRAP_ADMIN_EMAIL: 'root@marquee.test',
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: 'password',
    });
    try {
      await expect(startAuth(loadConfig('auth', authSchema, env))).rejects.toMatchObject({
        code: 'AUTH.WEAK_PASSWORD',
        message: expect.stringContaining('must be at least 10 characters'),
      });
    } finally {
      await dropDatabase(env.DATABASE_URL as string);
    }
  });
});
