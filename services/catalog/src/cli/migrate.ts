import { commonConfig, databaseConfig, Type } from '@marquee/platform-config';
import { runCli } from '@marquee/platform-service/cli';

await runCli({
  name: 'catalog migrate',
  summary:
    'As the owner, creates the database when missing, grants the application role and applies migrations, without starting the service.',
  config: Type.Object({ ...commonConfig, ...databaseConfig }),
  async run({ config, logger }) {
    const { openCatalogDatabase } = await import('../db/open-catalog-database');
    const database = await openCatalogDatabase(config, 'catalog-migrate', logger);
    await database.close();
    return { migrated: true };
  },
});
