import { commonConfig, databaseConfig, Type } from '@marquee/platform-config';
import { progressReporter, runCli } from '@marquee/platform-service/cli';

await runCli({
  name: 'catalog replay-movies',
  summary:
    "Records movie.upserted for every movie so consumers can rebuild their projections; the running service's relay publishes them.",
  config: Type.Object({
    ...commonConfig,
    ...databaseConfig,
    REPLAY_BATCH_SIZE: Type.Integer({
      minimum: 1,
      maximum: 5000,
      default: 500,
      description: 'Movies per outbox transaction.',
    }),
  }),
  async run({ config }) {
    const [{ openDatabase }, { replayMovies }] = await Promise.all([
      import('@marquee/platform-db'),
      import('../jobs/replay-movies'),
    ]);
    const database = openDatabase(config.DATABASE_URL, { applicationName: 'catalog-replay' });
    try {
      const n = await replayMovies(database, config.REPLAY_BATCH_SIZE, progressReporter('replay'));
      process.stderr.write(
        `recorded ${n} movie.upserted events in the outbox; the running service's relay publishes them\n`,
      );
    } finally {
      await database.close();
    }
  },
});
