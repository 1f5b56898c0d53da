import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dropDatabase, repoRoot, serviceTestEnv, uniqueName } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';
import { runtimeArgs } from '@marquee/platform-runtime';

const main = path.join(repoRoot, 'services/analytics/src/main.ts');

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [...runtimeArgs, main], {
    cwd: path.join(repoRoot, 'services/analytics'),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => out };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('analytics main.ts', () => {
  it('When a setting is invalid or encrypt has no key, then the process exits 78 before connecting, saying which', {
    timeout: 120_000,
  }, async () => {
    // An unreachable database: exiting 78 shows the check ran before any connection.
    const env = { ...serviceTestEnv('analytics-bad'), DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' };
    const p = run({ ...env, ANALYTICS_IP_POLICY: 'encrypt', ANALYTICS_RETENTION_MONTHS: 'forever' });
    expect(await p.exited).toBe(78);
    expect(p.out()).toContain('ANALYTICS_RETENTION_MONTHS: "forever"');
    const keyless = run({ ...env, ANALYTICS_IP_POLICY: 'encrypt', PORT: '0' });
    expect(await keyless.exited).toBe(78);
    expect(keyless.out()).toContain('analytics: cannot start: ANALYTICS_IP_POLICY=encrypt needs ANALYTICS_IP_KEYS');
  });

  it('When started, then it is ready on every dependency, documents its routes and stops cleanly on SIGTERM', {
    timeout: 180_000,
  }, async () => {
    const env = serviceTestEnv('analytics-main');
    const port = await freePort();
    const p = run({
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
      ANALYTICS_ARCHIVE_DIR: path.join(tmpdir(), uniqueName('main-archive')),
    });
    try {
      let ready: Response | undefined;
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline) {
        ready = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
        if (ready?.status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(ready?.status, p.out()).toBe(200);
      expect(((await (ready as Response).json()) as { checks: unknown }).checks).toEqual({
        postgres: 'ok',
        kafka: 'ok',
        redis: 'ok',
        nats: 'ok',
      });
      const openapi = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as { paths: object };
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining([
          '/v1/admin/analytics/movies/{movieId}/metrics',
          '/v1/admin/analytics/trending',
          '/v1/admin/analytics/click-through',
          '/v1/admin/analytics/activity/daily',
          '/v1/analytics/users/{userId}/activity',
          '/v1/analytics/trending',
        ]),
      );
      p.child.kill('SIGTERM');
      expect(await p.exited, p.out().slice(-2000)).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });
});
