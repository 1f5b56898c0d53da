// pnpm --filter @marquee/catalog migrate: as the owner, creates the database when missing, grants the application role and applies migrations.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commonConfig, databaseConfig, loadConfigOrExit, Type } from '@marquee/platform-config';
import { createLogger } from '@marquee/platform-logging';
import { openServiceDatabase } from '@marquee/platform-service';

const config = loadConfigOrExit('catalog-migrate', Type.Object({ ...commonConfig, ...databaseConfig }));
const logger = createLogger('catalog-migrate', config.LOG_LEVEL);
const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), '../db/migrations');
const database = await openServiceDatabase('catalog-migrate', config, { migrationsFolder, logger });
await database.close();
