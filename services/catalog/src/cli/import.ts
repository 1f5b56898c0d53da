import { commonConfig, databaseConfig, Type } from '@marquee/platform-config';
import { progressReporter, runCli } from '@marquee/platform-service/cli';
import { importConfig } from '../config';

await runCli({
  name: 'catalog import',
  summary:
    'Loads the data set (MovieLens + TMDb metadata) into the catalog; idempotent, each changed movie gets a movie.upserted event.',
  config: Type.Object({ ...commonConfig, ...databaseConfig, ...importConfig }),
  async run({ config, logger }) {
    const [{ openCatalogDatabase }, { runImport }] = await Promise.all([
      import('../db/open-catalog-database'),
      import('../jobs/run-import'),
    ]);
    const database = await openCatalogDatabase(config, 'catalog-import', logger);
    try {
      const s = await runImport(database, config, logger, progressReporter('import'));
      process.stderr.write(
        `imported ${s.movies} movies from ${s.dataDir} in ${s.ms} ms: ${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged; ` +
          `genres ${s.genresInserted} inserted, ${s.genresUpdated} updated; ${s.duplicateTmdbIds} duplicate TMDb ids dropped; ` +
          `${s.eventsRecorded} movie.upserted events in the outbox\n`,
      );
    } finally {
      await database.close();
    }
  },
});
