// pnpm --filter @marquee/catalog import: loads the data set into the catalog (idempotent; see README).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commonConfig, databaseConfig, loadConfigOrExit, Type } from '@marquee/platform-config';
import { createLogger } from '@marquee/platform-logging';
import { openServiceDatabase } from '@marquee/platform-service';
import { importConfig } from '../config';
import { progressReporter } from '../jobs/progress';
import { runImport } from '../jobs/run-import';

const config = loadConfigOrExit('catalog-import', Type.Object({ ...commonConfig, ...databaseConfig, ...importConfig }));
const logger = createLogger('catalog-import', config.LOG_LEVEL);
const migrations = path.join(path.dirname(fileURLToPath(import.meta.url)), '../db/migrations');

const database = await openServiceDatabase('catalog-import', config, { migrationsFolder: migrations, logger });
try {
  const s = await runImport(database, config, logger, progressReporter('import'));
  process.stderr.write(
    `imported ${s.movies} movies from ${s.dataDir} in ${s.ms} ms: ${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged; ` +
      `genres ${s.genresInserted} inserted, ${s.genresUpdated} updated; ${s.duplicateTmdbIds} duplicate TMDb ids dropped; ` +
      `${s.eventsRecorded} movie.upserted events in the outbox\n`,
  );
} catch (err) {
  logger.error({ err }, 'import failed');
  process.exitCode = 1;
} finally {
  await database.close();
}
