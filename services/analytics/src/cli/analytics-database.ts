import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { AnalyticsCliConfig } from '../config';

/** Runs fn against the analytics database (created and migrated if needed) and closes it after. */
export async function withAnalyticsDatabase<T>(
  config: AnalyticsCliConfig,
  logger: Logger,
  fn: (database: Database) => Promise<T>,
): Promise<T> {
  // Loaded here, not at the top: a command's --help and usage errors load nothing that opens a connection.
  const { openAnalyticsDatabase } = await import('../db/open-analytics-database');
  let database: Database;
  try {
    database = await openAnalyticsDatabase(config, logger);
  } catch (err) {
    throw new Error(
      `cannot open the database (${(err as Error).message}); start PostgreSQL (./marquee up) or set DATABASE_URL`,
    );
  }
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

/** A partition name as the archive writes it: user_activity_logs_pYYYY_MM. */
export const partitionOption = {
  type: 'string',
  value: 'user_activity_logs_pYYYY_MM',
  description: 'one monthly partition of the activity log',
} as const;
