// The catalog benchmark (run by `pnpm bench catalog`): search, suggest and list latency at 10k and 50k movies,
// and cached movie detail throughput beside a bare Fastify route reading the same Redis key.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, ensureDatabase, openDatabase } from '@marquee/platform-db';
import { createLogger } from '@marquee/platform-logging';
import autocannon from 'autocannon';
import { buildCatalogApp } from '../src/app';
import { readDataset, resolveDataDir } from '../src/jobs/dataset';
import { importCatalog } from '../src/jobs/import-catalog';
import { chooseRanking, EXHAUSTIVE_UP_TO, type Ranking, rankFullText } from '../src/db/full-text-ranking';
import { searchMovies } from '../src/db/search-movies';
import type { Measure } from '../../../bench/machine';
import { explainUnreachable, migrationsFolder, noCache } from './bench-env';
import { createMetricsRegistry } from '@marquee/platform-metrics';
import { runtimeArgs } from '@marquee/platform-runtime';

const here = path.dirname(fileURLToPath(import.meta.url));
const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

const SEARCHES = [
  'love',
  'star wars',
  'the dark knight',
  'toy story',
  'Forest Gump',
  'Termnator',
  'godfater',
  'matrix',
  'lord of the rings',
  '"Tom Hanks"',
  'space alien invasion',
  'zombie',
  "o'brien",
  'war -world',
];
/** Titles typed one keystroke at a time (misspelt ones too): each prefix is one suggestion request. */
const TYPED_TITLES = [
  'the dark knight',
  'star trek',
  'godfater',
  'amelie',
  'jurassic park',
  'forest gump',
  'love actually',
];
const SUGGESTS = TYPED_TITLES.flatMap((t) => Array.from(t, (_, i) => t.slice(0, i + 1)).filter((p) => p.trim()));

/** Frequent words alone: what the candidate windows are for (each matches 5–15% of the catalog). */
const COMMON_WORDS = ['love', 'life', 'man', 'new', 'world', 'story', 'friend', 'family'];
/** Phrases and negations, which the planner over-estimates (a phrase as its words ANDed): the windows' cost bound. */
const OVERESTIMATED = ['"origins return"', '"part ii"', 'love -life', 'war -world'];
const LISTS = [
  'sort=popularity',
  'sort=rating&genres=drama',
  'sort=release_date&order=asc&year_from=1990&year_to=1999',
  'sort=title&genres=comedy,romance&genre_match=all',
  'sort=our_rating&min_rating=7',
  'sort=popularity&original_language=fr',
  'sort=popularity&genres=animation,family&limit=100',
];

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
const ms = (n: number) => n.toFixed(2);

async function latencies(app: Awaited<ReturnType<typeof buildCatalogApp>>, urls: string[], rounds: number) {
  for (const url of urls) await app.inject({ method: 'GET', url }); // warm plans and pools
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const url of urls) {
      const t = process.hrtime.bigint();
      const res = await app.inject({ method: 'GET', url });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`);
    }
  }
  times.sort((a, b) => a - b);
  return { n: times.length, p50: pct(times, 50), p99: pct(times, 99) };
}

/** List URLs including second pages, reached by the first page's cursor (keyset path, never cached). */
async function listUrls(app: Awaited<ReturnType<typeof buildCatalogApp>>) {
  const urls: string[] = [];
  for (const q of LISTS) {
    urls.push(`/v1/movies?${q}`);
    const first = (await app.inject({ method: 'GET', url: `/v1/movies?${q}` })).json() as { nextCursor: string | null };
    if (first.nextCursor) urls.push(`/v1/movies?${q}&cursor=${first.nextCursor}`);
  }
  return urls;
}

/**
 * Full-text ranking as served (every match ranked up to EXHAUSTIVE_UP_TO estimated matches, candidate windows above)
 * against ranking every match, side by side on the same rows: the whole search's latency both ways, how many queries
 * took the windows, and how many queries' full-text top 20 come out the same.
 */
async function servedVsExhaustive(database: ReturnType<typeof openDatabase>, queries: string[]) {
  const run = (q: string, ranking: Ranking) =>
    searchMovies(database.db, q, { limit: 20, includeAdult: false, ranking });
  const fullText = (q: string, ranking: Ranking) =>
    rankFullText(database.db, q, { limit: 20, includeAdult: false, ranking });
  let same = 0;
  let windowed = 0;
  for (const q of queries) {
    if ((await chooseRanking(database.db, q, { includeAdult: false })) === 'windows') windowed++;
    if (JSON.stringify(await fullText(q, 'auto')) === JSON.stringify(await fullText(q, 'exhaustive'))) same++;
  }
  const times: Record<'auto' | 'exhaustive', number[]> = { auto: [], exhaustive: [] };
  // Rounds alternate the two modes so neither always runs on a warmer cache or a quieter machine.
  for (let r = 0; r < 20; r++) {
    for (const mode of r % 2 ? (['exhaustive', 'auto'] as const) : (['auto', 'exhaustive'] as const)) {
      for (const q of queries) {
        const t = process.hrtime.bigint();
        await run(q, mode);
        times[mode].push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
  }
  const summary = (a: number[]) => {
    a.sort((x, y) => x - y);
    return { p50: pct(a, 50), p99: pct(a, 99) };
  };
  return { same, windowed, served: summary(times.auto), exhaustive: summary(times.exhaustive) };
}

/** Ids of synthetic copies: 2,000,000 + copy × 200,000 + source id (MovieLens ids stay below 200,000). */
async function grow(database: ReturnType<typeof openDatabase>, target: number) {
  // Synthetic sequels of real movies: same text with a suffix, later years, lower ratings, same genres.
  await database.pool.query(
    `
    insert into movies (id, title, original_title, overview, tagline, release_date, release_year, runtime, director, main_cast,
      tmdb_rating, tmdb_vote_count, popularity_score, adult, original_language)
    overriding system value
    select 2000000 + s.n * 200000 + m.id, m.title || ' ' || (array['Returns', 'Reloaded', 'Origins', 'Legacy', 'Part II'])[s.n],
      m.original_title, m.overview, m.tagline, m.release_date + (s.n * 365), m.release_year + s.n, m.runtime, m.director, m.main_cast,
      greatest(0, m.tmdb_rating - s.n * 0.3), m.tmdb_vote_count, m.popularity_score / (s.n + 1), m.adult, m.original_language
    from generate_series(1, 5) s(n) cross join movies m
    where m.id < 200000
    order by s.n, m.id
    limit greatest(0, $1 - (select count(*) from movies))`,
    [target],
  );
  await database.pool.query(`insert into movie_genres (movie_id, genre_id)
    select m.id, mg.genre_id from movies m join movie_genres mg on mg.movie_id = (m.id - 2000000) % 200000
    where m.id > 2000000 on conflict do nothing`);
  await database.pool.query('vacuum (analyze) movies, movie_genres, title_words');
}

async function throughput(url: string, seconds: number) {
  const result = await autocannon({ url, connections: 16, duration: seconds, pipelining: 1 });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

export async function runCatalogBench(): Promise<{ table: string; measures: Measure[] }> {
  const started = Date.now();
  const dbName = `catalog_bench_${Date.now()}`;
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  await ensureDatabase(dbUrl.toString()).catch((err) => explainUnreachable(err, ADMIN_URL));
  const database = openDatabase(dbUrl.toString());
  const logger = createLogger('catalog-bench', 'error');
  const lines: string[] = [];
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await applyMigrations(database, migrationsFolder);
    const dataDir = resolveDataDir(process.env.MARQUEE_DATA_DIR ?? '');
    if (!dataDir) throw new Error('no data directory: set MARQUEE_DATA_DIR');
    const imported = await importCatalog(database, await readDataset(dataDir), { batchSize: 1000 });
    lines.push(
      `Import of ${imported.movies} movies: ${imported.ms} ms (${imported.eventsRecorded} outbox events).`,
      '',
    );
    const app = await buildCatalogApp(
      { database, cache: noCache, logger, metrics: createMetricsRegistry('catalog') },
      { jwksUrl: 'http://127.0.0.1:9/unused' },
    );
    await app.ready();
    lines.push('| movies | route | requests | p50 ms | p99 ms |', '|---:|---|---:|---:|---:|');
    const searchUrls = SEARCHES.map((q) => `/v1/search?q=${encodeURIComponent(q)}`);
    const suggestUrls = SUGGESTS.map((q) => `/v1/search/suggest?q=${encodeURIComponent(q)}`);
    const results: Record<string, { p50: number; p99: number }> = {};
    const sideBySide = [
      '',
      `| movies | queries | ranked in windows (over ${EXHAUSTIVE_UP_TO} estimated matches) | searchMovies as served p50 / p99 ms | ranking every match p50 / p99 ms | p99 every match ÷ as served | same full-text top 20 |`,
      '|---:|---|---:|---:|---:|---:|---:|',
    ];
    for (const size of [imported.movies, 50_000]) {
      if (size > imported.movies) await grow(database, size);
      const count = ((await database.pool.query('select count(*)::int as n from movies')).rows[0] as { n: number }).n;
      const search = await latencies(app, searchUrls, 20);
      const suggest = await latencies(app, suggestUrls, 10);
      const list = await latencies(app, await listUrls(app), 20);
      results[`search@${size}`] = search;
      results[`suggest@${size}`] = suggest;
      results[`list@${size}`] = list;
      lines.push(
        `| ${count} | search (${SEARCHES.length} queries, incl. misspelt) | ${search.n} | ${ms(search.p50)} | ${ms(search.p99)} |`,
      );
      lines.push(
        `| ${count} | suggest (${TYPED_TITLES.length} titles typed, ${SUGGESTS.length} keystrokes) | ${suggest.n} | ${ms(suggest.p50)} | ${ms(suggest.p99)} |`,
      );
      lines.push(
        `| ${count} | list (${LISTS.length} filters × first and cursor page) | ${list.n} | ${ms(list.p50)} | ${ms(list.p99)} |`,
      );
      for (const [name, queries] of [
        [`the ${SEARCHES.length} queries above`, SEARCHES],
        [`${COMMON_WORDS.length} common words`, COMMON_WORDS],
        [`${OVERESTIMATED.length} phrases and negations`, OVERESTIMATED],
      ] as const) {
        const side = await servedVsExhaustive(database, [...queries]);
        sideBySide.push(
          `| ${count} | ${name} | ${side.windowed}/${queries.length} | ${ms(side.served.p50)} / ${ms(side.served.p99)} | ${ms(side.exhaustive.p50)} / ${ms(side.exhaustive.p99)} | ${(side.exhaustive.p99 / side.served.p99).toFixed(2)} | ${side.same}/${queries.length} |`,
        );
      }
    }
    await app.close();
    lines.push(...sideBySide);

    child = spawn(process.execPath, [...runtimeArgs, path.join(here, 'detail-servers.ts')], {
      cwd: path.join(here, '..'),
      env: {
        ...process.env,
        DATABASE_URL: dbUrl.toString(),
        REDIS_URL,
        NATS_URL,
        KAFKA_BROKERS,
        KAFKA_TOPIC_PREFIX: `${dbName}.`,
        CACHE_KEY_PREFIX: `${dbName}:`,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ports = await new Promise<{ withLocal: number; redisOnly: number; bare: number }>((resolve, reject) => {
      let out = '';
      child?.stdout?.on('data', (b) => {
        out += b;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] as string));
      });
      child?.once('exit', (code) => reject(new Error(`detail servers exited ${code}`)));
    });
    await fetch(`http://127.0.0.1:${ports.redisOnly}/v1/movies/1`); // fills the Redis key the bare route reads
    const bareBody = await (await fetch(`http://127.0.0.1:${ports.bare}/bare/movies/1`)).text();
    if (!bareBody.includes('"Toy Story"'))
      throw new Error(`bare route did not find the cached movie: ${bareBody.slice(0, 100)}`);
    const bare = await throughput(`http://127.0.0.1:${ports.bare}/bare/movies/1`, 8);
    const redisOnly = await throughput(`http://127.0.0.1:${ports.redisOnly}/v1/movies/1`, 8);
    const withLocal = await throughput(`http://127.0.0.1:${ports.withLocal}/v1/movies/1`, 8);
    const search50 = results['search@50000'] as { p99: number };
    const suggest50 = results['suggest@50000'] as { p50: number; p99: number };
    const list50 = results['list@50000'] as { p50: number; p99: number };
    const search50Both = results['search@50000'] as { p50: number; p99: number };
    lines.push(
      '',
      '| cached GET /v1/movies/1 (16 connections, 8 s each) | req/s | p99 ms | errors | ratio to bare |',
      '|---|---:|---:|---:|---:|',
      `| bare Fastify route: redis GET of the same key | ${bare.rps.toFixed(0)} | ${bare.p99} | ${bare.errors} | 1.00 |`,
      `| catalog, Redis only (CACHE_LOCAL_TTL_MS=0) | ${redisOnly.rps.toFixed(0)} | ${redisOnly.p99} | ${redisOnly.errors} | ${(redisOnly.rps / bare.rps).toFixed(2)} |`,
      `| catalog, in-process cache in front of Redis (default) | ${withLocal.rps.toFixed(0)} | ${withLocal.p99} | ${withLocal.errors} | ${(withLocal.rps / bare.rps).toFixed(2)} |`,
      '',
      `Targets: search p99 at 50k < 20 ms: ${ms(search50.p99)} ms (${search50.p99 < 20 ? 'met' : 'NOT met'}); ` +
        `suggest p99 at 50k < 10 ms: ${ms(suggest50.p99)} ms (${suggest50.p99 < 10 ? 'met' : 'NOT met'}); ` +
        `cached detail ≥ 60% of the bare route: Redis-only ${(redisOnly.rps / bare.rps).toFixed(2)} (${redisOnly.rps / bare.rps >= 0.6 ? 'met' : 'NOT met'}).`,
      '',
      // The list route's code is not what a search change touches: its time in the same run says how busy the machine was.
      `Against the list route in the same run at 50k (p50 / p99 ratio): search ${(search50Both.p50 / list50.p50).toFixed(2)} / ${(search50Both.p99 / list50.p99).toFixed(2)}, ` +
        `suggest ${(suggest50.p50 / list50.p50).toFixed(2)} / ${(suggest50.p99 / list50.p99).toFixed(2)}.`,
      '',
      'Latencies are in-process `inject` round trips through Fastify (validation, routing, serialisation) with the cache bypassed, one request at a time;',
      'throughput runs autocannon here against one child process holding all three servers (one hit at a time), on the same 2 cores.',
      `Run took ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    );
    const redisRatio = redisOnly.rps / bare.rps;
    const measures: Measure[] = [
      { name: 'search p99 at 50k movies', value: search50.p99, unit: 'ms', target: '< 20', met: search50.p99 < 20 },
      { name: 'suggest p99 at 50k movies', value: suggest50.p99, unit: 'ms', target: '< 10', met: suggest50.p99 < 10 },
      {
        name: 'cached detail, Redis only, ÷ bare route',
        value: redisRatio,
        unit: 'ratio',
        target: '>= 0.6',
        met: redisRatio >= 0.6,
      },
    ];
    return { table: lines.join('\n'), measures };
  } finally {
    child?.kill('SIGTERM');
    await database.close();
    const admin = openDatabase(ADMIN_URL);
    await admin.pool.query(`drop database if exists "${dbName}" with (force)`).catch(() => {});
    await admin.close();
  }
}
