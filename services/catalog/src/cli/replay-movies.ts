// pnpm --filter @marquee/catalog replay-movies: publishes every movie as movie.upserted (rebuilds consumers' projections).
import { commonConfig, databaseConfig, loadConfigOrExit, Type } from '@marquee/platform-config';
import { openDatabase } from '@marquee/platform-db';
import { createLogger } from '@marquee/platform-logging';
import { replayMovies } from '../jobs/replay-movies';
import { progressReporter } from '../jobs/progress';

const config = loadConfigOrExit(
  'catalog-replay',
  Type.Object({
    ...commonConfig,
    ...databaseConfig,
    REPLAY_BATCH_SIZE: Type.Integer({
      minimum: 1,
      maximum: 5000,
      default: 500,
      description: 'Movies per outbox transaction.',
    }),
  }),
);
const logger = createLogger('catalog-replay', config.LOG_LEVEL);
const database = openDatabase(config.DATABASE_URL, { applicationName: 'catalog-replay' });
try {
  const n = await replayMovies(database, config.REPLAY_BATCH_SIZE, progressReporter('replay'));
  process.stderr.write(
    `recorded ${n} movie.upserted events in the outbox; the running service's relay publishes them\n`,
  );
} catch (err) {
  logger.error({ err }, 'replay failed');
  process.exitCode = 1;
} finally {
  await database.close();
}
