import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadConfig } from '@marquee/platform-config';
import {
  keepOutboxCopies,
  type OwnNats,
  repoRoot,
  serviceTestEnv,
  startOwnNats,
  uniqueName,
} from '@marquee/platform-testing';
import { type CatalogConfig, catalogConfigSchema } from '../src/config';
import { runImport } from '../src/jobs/run-import';
import { type RunningCatalog, startCatalog as startCatalogService } from '../src/service';

export { migrationsFolder } from '../src/db/open-catalog-database';
export const sharedDatasets = path.resolve(repoRoot, '../shared/datasets');

export interface CatalogUnderTest extends RunningCatalog {
  config: CatalogConfig;
  env: Record<string, string>;
}

/**
 * The real catalog in this process (its start function, no listen; use app.inject), with no import at start. Its
 * relay deletes what it published: `outbox_written` keeps a copy of every outbox row for the tests to read.
 */
export async function startCatalog(opts: {
  env?: Record<string, string>;
  jwksUrl: string;
  extraEnv?: Record<string, string>;
}): Promise<CatalogUnderTest> {
  const env = opts.env ?? serviceTestEnv('catalog');
  // Runs share one Redis: each catalog under test caches under its own prefix.
  const config = loadConfig('catalog', catalogConfigSchema, {
    CACHE_KEY_PREFIX: `${env.KAFKA_TOPIC_PREFIX}catalog:`,
    CATALOG_IMPORT_ON_EMPTY: 'false',
    ...env,
    ...opts.extraEnv,
    AUTH_JWKS_URL: opts.jwksUrl,
  });
  const running = await startCatalogService(config);
  await keepOutboxCopies(env.DATABASE_URL as string);
  await running.app.ready();
  return { ...running, config, env };
}

/**
 * A small data directory in the shared datasets' layout: the first `count` MovieLens movies plus the
 * extra ids asked for, with their links and TMDb lines.
 */
export async function writeSampleDataDir(count: number, extraIds: number[] = []): Promise<string> {
  const dir = path.join(tmpdir(), uniqueName('catalog-data'));
  await mkdir(path.join(dir, 'movielens-small'), { recursive: true });
  await mkdir(path.join(dir, 'tmdb-metadata'), { recursive: true });
  const keep = (lines: string[]) => {
    const [header, ...rest] = lines;
    const picked = rest.filter((l, i) => l && (i < count || extraIds.includes(Number(l.split(',')[0]))));
    return { header: header as string, picked, ids: new Set(picked.map((l) => Number(l.split(',')[0]))) };
  };
  const ml = path.join(sharedDatasets, 'movielens-small');
  const movies = keep((await readFile(path.join(ml, 'movies.csv'), 'utf8')).split('\n'));
  const links = (await readFile(path.join(ml, 'links.csv'), 'utf8')).split('\n');
  await writeFile(path.join(dir, 'movielens-small/movies.csv'), `${[movies.header, ...movies.picked].join('\n')}\n`);
  await writeFile(
    path.join(dir, 'movielens-small/links.csv'),
    `${[links[0], ...links.slice(1).filter((l) => movies.ids.has(Number(l.split(',')[0])))].join('\n')}\n`,
  );
  const jsonl = gunzipSync(await readFile(path.join(sharedDatasets, 'tmdb-metadata/movies.jsonl.gz'))).toString('utf8');
  const lines = jsonl.split('\n').filter((l) => l && movies.ids.has((JSON.parse(l) as { movieId: number }).movieId));
  await writeFile(path.join(dir, 'tmdb-metadata/movies.jsonl.gz'), gzipSync(`${lines.join('\n')}\n`));
  await writeFile(
    path.join(dir, 'tmdb-metadata/genres.csv'),
    await readFile(path.join(sharedDatasets, 'tmdb-metadata/genres.csv')),
  );
  return dir;
}

export function importSettings(config: CatalogConfig, dataDir: string) {
  return { ...config, MARQUEE_DATA_DIR: dataDir };
}

/**
 * A catalog on a NATS of its own (so no other catalog of the run acts on its cache invalidations) with no in-process
 * cache, holding the first `movies` MovieLens movies: for tests that take NATS or Redis away from it.
 */
export async function startIsolatedCatalog(opts: {
  jwksUrl: string;
  label: string;
  movies: number;
  extraEnv?: Record<string, string>;
}): Promise<{ catalog: CatalogUnderTest; nats: OwnNats }> {
  const nats = await startOwnNats(opts.label);
  const catalog = await startCatalog({
    jwksUrl: opts.jwksUrl,
    extraEnv: { NATS_URL: nats.url, CACHE_LOCAL_TTL_MS: '0', ...opts.extraEnv },
  });
  await runImport(
    catalog.deps.database,
    importSettings(catalog.config, await writeSampleDataDir(opts.movies)),
    catalog.deps.logger,
  );
  return { catalog, nats };
}
