import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Database, openDatabase, prepareDatabase } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * The database alone, prepared (created, application role granted, migrated) and opened as its owner:
 * what the commands need, since archive and restore detach, drop and create partitions.
 */
export async function openAnalyticsDatabase(
  config: { DATABASE_URL: string; DATABASE_OWNER_URL: string },
  logger: Logger,
): Promise<Database> {
  const ownerUrl = config.DATABASE_OWNER_URL || config.DATABASE_URL;
  await prepareDatabase({ appUrl: config.DATABASE_URL, ownerUrl, migrationsFolder, logger });
  return openDatabase(ownerUrl, { applicationName: 'analytics-cli', max: 2 });
}
