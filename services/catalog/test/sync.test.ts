import { spawn } from 'node:child_process';
import path from 'node:path';
import { createLogger } from '@marquee/platform-logging';
import { collectOutput, repoRoot } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importCatalog } from '../src/jobs/import-catalog';
import { readDataset } from '../src/jobs/dataset';
import { syncCatalog } from '../src/jobs/sync';
import { SyncApiError } from '../src/sync/fetch-json';
import { createOmdbClient } from '../src/sync/omdb-client';
import { createTmdbClient } from '../src/sync/tmdb-client';
import { createDatabase, dropDatabase } from './db';
import { writeSampleDataDir } from './helper';
import { runtimeArgs } from '@marquee/platform-runtime';

// Local stand-ins answering in TMDb's and OMDb's documented response shapes.
let api: FastifyInstance;
let base: string;
const seen: { url: string; auth?: string }[] = [];
let popularCalls = 0;
const logger = createLogger('catalog-test', 'warn');
let database: Awaited<ReturnType<typeof createDatabase>>['database'];
let dbUrl: string;

const details = (id: number, title: string, extra: object = {}) => ({
  adult: false,
  backdrop_path: `/b${id}.jpg`,
  genres: [
    { id: 16, name: 'Animation' },
    { id: 35, name: 'Comedy' },
  ],
  id,
  imdb_id: id === 862 ? 'tt0114709' : 'tt9999001',
  original_language: 'en',
  original_title: title,
  overview: `${title} overview from TMDb.`,
  popularity: 123.4,
  poster_path: `/p${id}.jpg`,
  release_date: '1995-10-30',
  runtime: 81,
  status: 'Released',
  tagline: 'Fresh from TMDb',
  title,
  vote_average: 8.0,
  vote_count: 17000,
  credits: {
    id,
    cast: [
      { id: 2, name: 'Tim Allen', character: 'Buzz', order: 1 },
      { id: 1, name: 'Tom Hanks', character: 'Woody', order: 0 },
    ],
    crew: [
      { id: 7, name: 'Someone Else', job: 'Producer', department: 'Production' },
      { id: 8, name: 'John Lasseter', job: 'Director', department: 'Directing' },
    ],
  },
  ...extra,
});

beforeAll(async () => {
  api = Fastify();
  api.addHook('onRequest', async (req) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
  });
  const authorised = (req: { query: unknown; headers: { authorization?: string } }) =>
    (req.query as { api_key?: string }).api_key === 'v3key' || req.headers.authorization === 'Bearer ey.v4.token';
  api.get('/3/genre/movie/list', async (req, reply) =>
    authorised(req)
      ? {
          genres: [
            { id: 16, name: 'Animation' },
            { id: 35, name: 'Comedy' },
            { id: 10770, name: 'TV Movie' },
          ],
        }
      : reply.code(401).send({
          status_code: 7,
          status_message: 'Invalid API key: You must be granted a valid key.',
          success: false,
        }),
  );
  api.get('/3/movie/popular', async (_req, reply) => {
    if (++popularCalls === 1)
      return reply
        .code(429)
        .header('retry-after', '1')
        .send({ status_code: 25, status_message: 'Your request count is over the allowed limit.' });
    return {
      page: 1,
      results: [
        { id: 862, title: 'Toy Story' },
        { id: 777001, title: 'Brand New Film' },
      ],
      total_pages: 1,
      total_results: 2,
    };
  });
  api.get('/3/movie/changes', async () => ({
    results: [
      { id: 862, adult: false },
      { id: 555555, adult: false },
    ],
    page: 1,
    total_pages: 1,
    total_results: 2,
  }));
  api.get('/3/movie/862', async () => details(862, 'Toy Story'));
  api.get('/3/movie/777001', async () =>
    details(777001, 'Brand New Film', { genres: [{ id: 10770, name: 'TV Movie' }] }),
  );
  api.get('/3/movie/429429', async (_req, reply) =>
    reply.code(429).header('retry-after', '100').send({ status_code: 25 }),
  );
  api.get('/', async (req) => {
    const q = req.query as { i?: string; apikey?: string };
    if (q.apikey !== 'omdbkey') return { Response: 'False', Error: 'Invalid API key!' };
    if (q.i === 'tt0114709')
      return { Title: 'Toy Story', Year: '1995', imdbRating: '8.3', imdbID: 'tt0114709', Response: 'True' };
    if (q.i === 'tt0113497') return { Title: 'Jumanji', imdbRating: 'N/A', imdbID: 'tt0113497', Response: 'True' };
    return { Response: 'False', Error: 'Incorrect IMDb ID.' };
  });
  base = await api.listen({ port: 0, host: '127.0.0.1' });
  ({ database, url: dbUrl } = await createDatabase('catalog-sync'));
  await importCatalog(database, await readDataset(await writeSampleDataDir(3)), { batchSize: 100 });
});

afterAll(async () => {
  await api?.close();
  await database?.close();
  if (dbUrl) await dropDatabase(dbUrl);
});

beforeEach(() => {
  seen.length = 0;
});

describe('TMDb and OMDb sync', () => {
  it('When TMDb first answers 429 with Retry-After, then sync waits, retries, refreshes known movies, adds popular ones and ignores unknown changes', async () => {
    const started = Date.now();
    const tmdb = createTmdbClient({ baseUrl: base, apiKey: 'v3key' });
    const progress: [string, number, number][] = [];
    const summary = await syncCatalog(
      { database, logger, tmdb, progress: (...p) => progress.push(p) },
      { popularPages: 1, changesSince: '2026-11-20' },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(progress[0]).toEqual(['tmdb', 0, 2]);
    expect(progress.at(-1)).toEqual(['tmdb', 2, 2]);
    expect(summary).toMatchObject({ genres: 3, inserted: 1, updated: 1, unchanged: 0, failed: 0 });
    expect(seen.filter((s) => s.url.startsWith('/3/movie/popular'))).toHaveLength(2);
    expect(seen.every((s) => s.url.includes('api_key=v3key') && !s.auth)).toBe(true);
    expect(seen.some((s) => s.url.startsWith('/3/movie/555555'))).toBe(false);
    expect(seen.some((s) => s.url === '/3/movie/862?append_to_response=credits&api_key=v3key')).toBe(true);
    const { rows } =
      await database.db.execute(sql`select m.id, m.title, m.director, m.main_cast as cast, m.tagline, m.popularity_score as popularity,
      (select count(*)::int from outbox o where o.key = m.id::text and o.type = 'movie.upserted') as events
      from movies m where m.tmdb_id in (862, 777001) order by m.tmdb_id`);
    expect(rows).toMatchObject([
      {
        id: 1,
        title: 'Toy Story',
        director: 'John Lasseter',
        cast: ['Tom Hanks', 'Tim Allen'],
        tagline: 'Fresh from TMDb',
        popularity: 123.4,
        events: 2,
      },
      { title: 'Brand New Film', events: 1 },
    ]);
    const again = await syncCatalog({ database, logger, tmdb }, { tmdbIds: [862] });
    expect(again).toMatchObject({ updated: 0, unchanged: 1 });
  });

  it('When the key is a v4 token, then it is sent as a Bearer header and never in the URL; a bad key fails with the upstream status', async () => {
    const tmdb = createTmdbClient({ baseUrl: base, apiKey: 'ey.v4.token' });
    expect(await tmdb.genres()).toHaveLength(3);
    expect(seen[0]).toEqual({ url: '/3/genre/movie/list', auth: 'Bearer ey.v4.token' });
    const bad = await createTmdbClient({ baseUrl: base, apiKey: 'wrong' })
      .genres()
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(SyncApiError);
    expect((bad as SyncApiError).status).toBe(401);
    expect((bad as Error).message).not.toContain('wrong');
  });

  it('When TMDb keeps answering 429, then retries stop at the policy bound with the 429 error', async () => {
    const tmdb = createTmdbClient({
      baseUrl: base,
      apiKey: 'v3key',
      retry: { attempts: 3, maxWaitMs: 50, timeoutMs: 2000 },
    });
    const started = Date.now();
    const err = await tmdb.movie(429429).catch((e: unknown) => e);
    expect((err as SyncApiError).status).toBe(429);
    expect(seen).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('When OMDb has a rating, then omdb_rating is stored and published; N/A stores null', async () => {
    const omdb = createOmdbClient({ baseUrl: base, apiKey: 'omdbkey' });
    const summary = await syncCatalog({ database, logger, omdb }, { omdbLimit: 10 });
    expect(summary.failed).toBe(0);
    const { rows } = await database.db.execute(
      sql`select id, omdb_rating as rating from movies where id in (1, 2) order by id`,
    );
    expect(rows).toEqual([
      { id: 1, rating: 8.3 },
      { id: 2, rating: null },
    ]);
    expect(seen.every((s) => s.url.includes('apikey=omdbkey'))).toBe(true);
    const bad = await createOmdbClient({ baseUrl: base, apiKey: 'nope' })
      .rating('tt0114709')
      .catch((e: unknown) => e);
    expect(String((bad as Error).message)).toContain('Invalid API key');
  });

  const syncCommand = async (args: string[], env: Record<string, string> = {}) => {
    const child = spawn(
      process.execPath,
      [...runtimeArgs, path.join(repoRoot, 'services/catalog/src/cli/sync.ts'), ...args],
      {
        cwd: path.join(repoRoot, 'services/catalog'),
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: dbUrl,
          TMDB_BASE_URL: base,
          OMDB_BASE_URL: base,
          LOG_LEVEL: 'warn',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = collectOutput(child);
    return { code: await output.exited, err: output.err() };
  };

  it('When no key is configured, then the sync command calls neither API', async () => {
    expect(() => createTmdbClient({ baseUrl: base, apiKey: '' })).toThrow(/TMDB_API_KEY/);
    expect(() => createOmdbClient({ baseUrl: base, apiKey: '' })).toThrow(/OMDB_API_KEY/);
    const { code, err } = await syncCommand(['--popular-pages', '2', '--omdb', '5']);
    expect(code).toBe(0);
    expect(err).toContain('nothing to sync');
    expect(seen).toHaveLength(0);
  });

  it('When the sync command runs with a key, then it shows its progress on stderr like import does', async () => {
    const { code, err } = await syncCommand(['--omdb', '2'], { OMDB_API_KEY: 'omdbkey' });
    expect(code, err).toBe(0);
    expect(err).toContain('sync OMDb ratings: 0/2 (0%)\n');
    expect(err).toContain('sync OMDb ratings: 2/2 (100%)\n');
    expect(err).toContain('sync finished');
  });
});
