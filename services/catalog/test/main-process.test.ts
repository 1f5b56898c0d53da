import path from 'node:path';
import { dropDatabase, freePort, repoRoot, runTs, serviceReady, serviceTestEnv } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';
import { writeSampleDataDir } from './helper';

const main = path.join(repoRoot, 'services/catalog/src/main.ts');

const run = (env: Record<string, string>) => runTs(main, env);

describe('catalog main.ts', () => {
  it('When a setting is invalid, then the process exits 78 naming it', { timeout: 120_000 }, async () => {
    const p = run({ ...serviceTestEnv('catalog-bad'), CACHE_TTL_SECONDS: 'soon', CATALOG_IMPORT_ON_EMPTY: 'perhaps' });
    expect(await p.exited).toBe(78);
    expect(p.all()).toContain('CACHE_TTL_SECONDS: "soon"');
    expect(p.all()).toContain('CATALOG_IMPORT_ON_EMPTY: "perhaps"');
  });

  it('When started on an empty database, then it imports the data set, is ready on every dependency, serves movies and stops cleanly on SIGTERM', {
    timeout: 180_000,
  }, async () => {
    const env = serviceTestEnv('catalog-main');
    const port = await freePort();
    const p = run({
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MARQUEE_DATA_DIR: await writeSampleDataDir(25),
      AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
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
      const list = (await (await fetch(`http://127.0.0.1:${port}/v1/movies?limit=100`)).json()) as { items: unknown[] };
      expect(list.items).toHaveLength(25);
      const openapi = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as {
        paths: object;
        info: { description: string };
      };
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining(['/v1/movies', '/v1/movies/{id}', '/v1/search', '/v1/genres']),
      );
      expect(openapi.info.description).toContain(
        'This product uses the TMDB API but is not endorsed or certified by TMDB',
      );
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await dropDatabase(env.DATABASE_URL as string);
    }
  });
});
