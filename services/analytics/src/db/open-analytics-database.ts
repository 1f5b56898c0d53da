import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, type Database, ensureDatabase, openDatabase } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The database alone, created and migrated: what the commands (archive, restore, recompute) need. */
export async function openAnalyticsDatabase(url: string, logger: Logger): Promise<Database> {
  await ensureDatabase(url);
  const database = openDatabase(url, { applicationName: 'analytics-cli', max: 2 });
  try {
    await applyMigrations(database, migrationsFolder, logger);
    return database;
  } catch (err) {
    await database.close();
    throw err;
  }
}
