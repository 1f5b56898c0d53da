import { spawn } from 'node:child_process';
import path from 'node:path';
import { dropDatabase, freePort, repoRoot, serviceTestEnv } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';
import { writeSampleDataDir } from './helper';
import { runtimeArgs } from '@marquee/platform-runtime';

const main = path.join(repoRoot, 'services/catalog/src/main.ts');

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [...runtimeArgs, main], {
    cwd: path.join(repoRoot, 'services/catalog'),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => out };
}

describe('catalog main.ts', () => {
  it('When a setting is invalid, then the process exits 78 naming it', { timeout: 120_000 }, async () => {
    const p = run({ ...serviceTestEnv('catalog-bad'), CACHE_TTL_SECONDS: 'soon', CATALOG_IMPORT_ON_EMPTY: 'perhaps' });
    expect(await p.exited).toBe(78);
    expect(p.out()).toContain('CACHE_TTL_SECONDS: "soon"');
    expect(p.out()).toContain('CATALOG_IMPORT_ON_EMPTY: "perhaps"');
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
