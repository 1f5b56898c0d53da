import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  dropDatabase,
  eventually,
  repoRoot,
  runTs,
  serviceTestEnv,
  type TsProcess,
  uniqueName,
} from '@marquee/platform-testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestInteraction, type TestInteraction } from './fixtures/interaction-env';

const shared = path.resolve(repoRoot, '../shared/datasets');
const DEMO_USERS = 3;
const LEFT_OUT_MOVIE = 3; // rated by user 1, kept out of the catalog: counted as unmapped
const processes: TsProcess[] = [];
const databases: string[] = [];
let svc: TestInteraction;
let dataDir: string;
let cliEnv: Record<string, string>;

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

/** The shared data set cut to MovieLens users 1–3 and the movies they rated (one left out). */
async function sampleDataDir(): Promise<string> {
  const dir = path.join(tmpdir(), uniqueName('demo-community'));
  await mkdir(path.join(dir, 'movielens-small'), { recursive: true });
  await mkdir(path.join(dir, 'tmdb-metadata'), { recursive: true });
  const ml = (f: string) => readFile(path.join(shared, 'movielens-small', f), 'utf8').then((t) => t.split('\n'));
  const ratings = (await ml('ratings.csv')).filter((l, i) => i === 0 || (l && Number(l.split(',')[0]) <= DEMO_USERS));
  const rated = new Set(ratings.slice(1).map((l) => Number(l.split(',')[1])));
  rated.delete(LEFT_OUT_MOVIE);
  const keep = (lines: string[]) => lines.filter((l, i) => i === 0 || (l && rated.has(Number(l.split(',')[0]))));
  await writeFile(path.join(dir, 'movielens-small/ratings.csv'), `${ratings.join('\n')}\n`);
  await writeFile(path.join(dir, 'movielens-small/movies.csv'), `${keep(await ml('movies.csv')).join('\n')}\n`);
  await writeFile(path.join(dir, 'movielens-small/links.csv'), `${keep(await ml('links.csv')).join('\n')}\n`);
  const jsonl = gunzipSync(await readFile(path.join(shared, 'tmdb-metadata/movies.jsonl.gz'))).toString('utf8');
  const lines = jsonl.split('\n').filter((l) => l && rated.has((JSON.parse(l) as { movieId: number }).movieId));
  await writeFile(path.join(dir, 'tmdb-metadata/movies.jsonl.gz'), gzipSync(`${lines.join('\n')}\n`));
  await writeFile(
    path.join(dir, 'tmdb-metadata/genres.csv'),
    await readFile(path.join(shared, 'tmdb-metadata/genres.csv')),
  );
  return dir;
}

async function startMain(service: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = runTs(path.join(repoRoot, `services/${service}/src/main.ts`), { ...env, PORT: String(port) });
  processes.push(proc);
  databases.push(env.DATABASE_URL as string);
  const exited = proc.exited.then((code) => {
    throw new Error(`${service} exited with ${code}: ${proc.err().slice(-400)}`);
  });
  await Promise.race([
    exited,
    eventually(async () => (await fetch(`${url}/health/ready`)).ok, {
      what: `${service} ready`,
      timeoutMs: 240_000,
      intervalMs: 250,
    }),
  ]);
  exited.catch(() => {});
  return url;
}

beforeAll(async () => {
  dataDir = await sampleDataDir();
  const admin = { email: 'ops@marquee.test', password: 'Curtain-Call-Keeper-2031' };
  const authUrl = await startMain('auth', {
    ...serviceTestEnv('demo-auth'),
    AUTH_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_ENCRYPTION_ACTIVE_KID: 'k1',
    AUTH_EMAIL_HASH_KEY: randomBytes(32).toString('base64'),
    AUTH_BOOTSTRAP_ADMIN_EMAIL: admin.email,
    AUTH_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    AUTH_REDIS_PREFIX: `${uniqueName('demo')}:auth:`,
  });
  const jwks = `${authUrl}/.well-known/jwks.json`;
  const catalogUrl = await startMain('catalog', {
    ...serviceTestEnv('demo-catalog'),
    AUTH_JWKS_URL: jwks,
    MARQUEE_DATA_DIR: dataDir,
    CACHE_KEY_PREFIX: `${uniqueName('demo')}:catalog:`,
  });
  svc = await startTestInteraction('demo-interaction', { AUTH_JWKS_URL: jwks, CATALOG_URL: catalogUrl });
  await svc.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = svc.app.server.address() as { port: number };
  cliEnv = {
    AUTH_URL: authUrl,
    CATALOG_URL: catalogUrl,
    INTERACTION_URL: `http://127.0.0.1:${port}`,
    MARQUEE_ADMIN_EMAIL: admin.email,
    MARQUEE_ADMIN_PASSWORD: admin.password,
    MARQUEE_DEMO_PASSWORD: 'Popcorn-Matinee-Demo-7',
    MARQUEE_DATA_DIR: dataDir,
    DEMO_BATCH_SIZE: '100',
  };
}, 600_000);
afterAll(async () => {
  await svc?.stop();
  for (const p of processes) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
  for (const db of databases) await dropDatabase(db);
});

const cli = (env: Record<string, string>, args: string[] = []) => {
  const run = runTs(path.join(repoRoot, 'services/interaction/src/cli/demo-community.ts'), env, args);
  return run.exited.then((code) => ({ code, out: run.out(), err: run.err() }));
};

describe('demo community command', () => {
  it('When it runs on an empty system, then the users exist and their ratings are stored with original times', async () => {
    const { code, out, err } = await cli(cliEnv);
    expect(code, err).toBe(0);
    const summary = JSON.parse(out);
    const expectedRatings = 300;
    expect(summary).toMatchObject({
      skipped: false,
      users: DEMO_USERS,
      usersCreated: DEMO_USERS,
      ratings: expectedRatings,
    });
    expect(summary.unmappedMovies).toBeGreaterThan(0);
    expect(summary.recorded).toBe(expectedRatings - summary.unmappedMovies);
    expect(summary.rejected).toBe(0);
    // Its log (./marquee up's demo-community.log) ends saying it finished, and with what.
    expect(err.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^demo-community: done in [\\d.]+ s: ${DEMO_USERS} users \\(${DEMO_USERS} new\\), ${summary.recorded} ratings recorded`,
      ),
    );
    const login = await fetch(`${cliEnv.AUTH_URL}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: summary.demoLogin, password: cliEnv.MARQUEE_DEMO_PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const page = await svc.app.inject({
      url: '/v1/me/library/ratings?limit=100',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(page.statusCode).toBe(200);
    const items = page.json().items as { rating: number; updatedAt: string }[];
    expect(items.length).toBeGreaterThan(10);
    // MovieLens user 1 rated in 2000: the original times are kept.
    expect(items.every((i) => i.updatedAt.startsWith('2000-'))).toBe(true);
  }, 300_000);

  it('When it runs again, then nobody is registered and nothing is written; --if-empty skips at once', async () => {
    const again = await cli(cliEnv);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ usersCreated: 0, recorded: 0, rejected: 0 });
    const skipped = await cli(cliEnv, ['--if-empty']);
    expect(JSON.parse(skipped.out)).toMatchObject({ skipped: true });
    expect(skipped.err).toContain('already seeded');
  }, 300_000);

  it('When a run was cut off before its last user, then --if-empty finishes it, and skips once it has', async () => {
    // The state ./marquee down leaves in the middle of the first up's seeding: everyone but the last user replayed.
    const login = await fetch(`${cliEnv.AUTH_URL}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        login: `user${DEMO_USERS}@movielens.marquee.test`,
        password: cliEnv.MARQUEE_DEMO_PASSWORD,
      }),
    });
    expect(login.status).toBe(200);
    const auth = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
    const library = await svc.app.inject({ url: '/v1/me/library/ratings?limit=100', headers: auth });
    const rated = library.json().items as { movieId: number }[];
    expect(rated.length).toBeGreaterThan(0);
    for (const { movieId } of rated) {
      const removed = await svc.app.inject({
        method: 'DELETE',
        url: `/v1/me/interactions/${movieId}/rating`,
        headers: auth,
      });
      expect(removed.statusCode).toBe(204);
    }
    const resumed = await cli(cliEnv, ['--if-empty']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({
      skipped: false,
      usersCreated: 0,
      recorded: rated.length,
      rejected: 0,
    });
    const after = await svc.app.inject({ url: '/v1/me/library/ratings?limit=100', headers: auth });
    expect(after.json().items).toHaveLength(rated.length);
    expect(JSON.parse((await cli(cliEnv, ['--if-empty'])).out)).toMatchObject({ skipped: true });
  }, 300_000);

  it('When help is asked, an argument is unknown, config is missing or a service is down, then one line says so', async () => {
    expect((await cli({}, ['--help'])).code).toBe(0);
    expect((await cli(cliEnv, ['--bogus'])).code).toBe(64);
    const missing = await cli({ MARQUEE_DATA_DIR: dataDir });
    expect(missing.code).toBe(78);
    expect(missing.err).toContain('MARQUEE_ADMIN_EMAIL');
    const down = await cli({ ...cliEnv, AUTH_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(down.err).toContain('start Marquee with ./marquee up');
    expect(down.err).not.toContain('    at ');
  });
});
