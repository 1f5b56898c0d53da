import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  dropDatabase,
  freePort,
  repoRoot,
  runTs,
  serviceReady,
  serviceTestEnv,
  uniqueName,
} from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';

const main = path.join(repoRoot, 'services/analytics/src/main.ts');

const run = (env: Record<string, string>) => runTs(main, env);

describe('analytics main.ts', () => {
  it('When a setting is invalid or encrypt has no key, then the process exits 78 before connecting, saying which', {
    timeout: 120_000,
  }, async () => {
    // An unreachable database: exiting 78 shows the check ran before any connection.
    const env = { ...serviceTestEnv('analytics-bad'), DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' };
    const p = run({ ...env, ANALYTICS_IP_POLICY: 'encrypt', ANALYTICS_RETENTION_MONTHS: 'forever' });
    expect(await p.exited).toBe(78);
    expect(p.all()).toContain('ANALYTICS_RETENTION_MONTHS: "forever"');
    const keyless = run({ ...env, ANALYTICS_IP_POLICY: 'encrypt', PORT: '0' });
    expect(await keyless.exited).toBe(78);
    expect(keyless.all()).toContain('analytics: cannot start: ANALYTICS_IP_POLICY=encrypt needs ANALYTICS_IP_KEYS');
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
      const ready = await serviceReady(port);
      expect(ready?.status, p.all()).toBe(200);
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
      expect(await p.exited, p.all().slice(-2000)).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });
});
