import { commonConfig, databaseConfig, Type } from '@marquee/platform-config';
import { CommandFailed, intFlag, progressReporter, runCli, UsageError } from '@marquee/platform-service/cli';
import { catalogConfigSchema } from '../config';

const { TMDB_API_KEY, TMDB_BASE_URL, OMDB_API_KEY, OMDB_BASE_URL } = catalogConfigSchema.properties;

await runCli({
  name: 'catalog sync',
  summary:
    'Refreshes from TMDb (genres, known movies TMDb lists as changed, popular movies) and OMDb ratings; does nothing without a key.',
  options: {
    'popular-pages': { type: 'string', value: 'N', description: "pages of TMDb's popular list to upsert (up to 500)" },
    'changes-since': {
      type: 'string',
      value: 'YYYY-MM-DD',
      description: 'refresh known movies TMDb changed since then',
    },
    'tmdb-id': { type: 'string', multiple: true, value: 'ID', description: 'refresh (or add) this TMDb movie' },
    omdb: { type: 'string', value: 'N', description: 'fetch OMDb ratings for up to N movies' },
  },
  notes: ['Exits 2 when some movies failed (the rest are kept).'],
  config: Type.Object({ ...commonConfig, ...databaseConfig, TMDB_API_KEY, TMDB_BASE_URL, OMDB_API_KEY, OMDB_BASE_URL }),
  async run({ args, config, logger }) {
    const since = args['changes-since'];
    if (since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(since))
      throw new UsageError('--changes-since must be YYYY-MM-DD');
    const request = {
      popularPages: intFlag('popular-pages', args['popular-pages'], { min: 0, max: 500 }),
      changesSince: since,
      tmdbIds: (args['tmdb-id'] ?? []).map((v) => intFlag('tmdb-id', v, { min: 1, max: 2147483647 }) as number),
      omdbLimit: intFlag('omdb', args.omdb, { min: 0, max: 100_000 }),
    };
    if (!config.TMDB_API_KEY && !config.OMDB_API_KEY) {
      process.stderr.write('nothing to sync: neither TMDB_API_KEY nor OMDB_API_KEY is set\n');
      return;
    }
    const [{ openDatabase }, { syncCatalog }, { createOmdbClient }, { createTmdbClient }] = await Promise.all([
      import('@marquee/platform-db'),
      import('../jobs/sync'),
      import('../sync/omdb-client'),
      import('../sync/tmdb-client'),
    ]);
    const database = openDatabase(config.DATABASE_URL, { applicationName: 'catalog-sync' });
    const reporters = { tmdb: progressReporter('sync TMDb movies'), omdb: progressReporter('sync OMDb ratings') };
    try {
      const summary = await syncCatalog(
        {
          database,
          logger,
          progress: (phase, done, total) => reporters[phase](done, total),
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
      if (summary.failed > 0) throw new CommandFailed(`${summary.failed} movies failed; see the log`, 2);
    } finally {
      await database.close();
    }
  },
});
