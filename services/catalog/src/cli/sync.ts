// pnpm --filter @marquee/catalog sync [--popular-pages N] [--changes-since YYYY-MM-DD] [--tmdb-id ID]... [--omdb N]
import { parseArgs } from 'node:util';
import { commonConfig, databaseConfig, loadConfigOrExit, Type } from '@marquee/platform-config';
import { openDatabase } from '@marquee/platform-db';
import { createLogger } from '@marquee/platform-logging';
import { catalogConfigSchema } from '../config';
import { type SyncRequest, syncCatalog } from '../jobs/sync';
import { createOmdbClient } from '../sync/omdb-client';
import { createTmdbClient } from '../sync/tmdb-client';

const { TMDB_API_KEY, TMDB_BASE_URL, OMDB_API_KEY, OMDB_BASE_URL } = catalogConfigSchema.properties;
const config = loadConfigOrExit(
  'catalog-sync',
  Type.Object({ ...commonConfig, ...databaseConfig, TMDB_API_KEY, TMDB_BASE_URL, OMDB_API_KEY, OMDB_BASE_URL }),
);
const logger = createLogger('catalog-sync', config.LOG_LEVEL);

function usage(problem: string): never {
  process.stderr.write(
    `${problem}\nusage: sync [--popular-pages N] [--changes-since YYYY-MM-DD] [--tmdb-id ID]... [--omdb N]\n`,
  );
  process.exit(64);
}

let args: ReturnType<typeof parseArgs>['values'];
try {
  args = parseArgs({
    options: {
      'popular-pages': { type: 'string' },
      'changes-since': { type: 'string' },
      'tmdb-id': { type: 'string', multiple: true },
      omdb: { type: 'string' },
    },
  }).values;
} catch (err) {
  usage((err as Error).message);
}
const int = (name: string, v: unknown, max: number) => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) > max)
    usage(`--${name} must be a whole number up to ${max}, got ${String(v)}`);
  return Number(v);
};
const since = args['changes-since'];
if (since !== undefined && (typeof since !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(since)))
  usage('--changes-since must be YYYY-MM-DD');
const request: SyncRequest = {
  popularPages: int('popular-pages', args['popular-pages'], 500),
  changesSince: since as string | undefined,
  tmdbIds: ((args['tmdb-id'] as string[] | undefined) ?? []).map((v) => int('tmdb-id', v, 2147483647) as number),
  omdbLimit: int('omdb', args.omdb, 100_000),
};
if (!config.TMDB_API_KEY && !config.OMDB_API_KEY) {
  process.stderr.write('nothing to sync: neither TMDB_API_KEY nor OMDB_API_KEY is set\n');
  process.exit(0);
}

const database = openDatabase(config.DATABASE_URL, { applicationName: 'catalog-sync' });
try {
  const summary = await syncCatalog(
    {
      database,
      logger,
      ...(config.TMDB_API_KEY
        ? { tmdb: createTmdbClient({ baseUrl: config.TMDB_BASE_URL, apiKey: config.TMDB_API_KEY }) }
        : {}),
      ...(config.OMDB_API_KEY
        ? { omdb: createOmdbClient({ baseUrl: config.OMDB_BASE_URL, apiKey: config.OMDB_API_KEY }) }
        : {}),
    },
    request,
  );
  const { touched: _t, ...counts } = summary;
  process.stderr.write(`sync finished: ${JSON.stringify(counts)}\n`);
  if (summary.failed > 0) process.exitCode = 2;
} catch (err) {
  logger.error({ err }, 'sync failed');
  process.exitCode = 1;
} finally {
  await database.close();
}
