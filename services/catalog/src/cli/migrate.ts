// pnpm --filter @marquee/catalog migrate: creates the database when missing and applies migrations.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commonConfig, databaseConfig, loadConfigOrExit, Type } from '@marquee/platform-config';
import { applyMigrations, ensureDatabase, openDatabase } from '@marquee/platform-db';
import { createLogger } from '@marquee/platform-logging';

const config = loadConfigOrExit('catalog-migrate', Type.Object({ ...commonConfig, ...databaseConfig }));
const logger = createLogger('catalog-migrate', config.LOG_LEVEL);
await ensureDatabase(config.DATABASE_URL);
const database = openDatabase(config.DATABASE_URL, { applicationName: 'catalog-migrate' });
try {
  await applyMigrations(database, path.join(path.dirname(fileURLToPath(import.meta.url)), '../db/migrations'), logger);
} finally {
  await database.close();
}
