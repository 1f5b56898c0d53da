import { loadConfigOrExit } from '@marquee/platform-config';
import type { Database } from '@marquee/platform-db';
import { createLogger, type Logger } from '@marquee/platform-logging';
import { type AnalyticsCliConfig, analyticsCliSchema } from '../config';
import { openAnalyticsDatabase } from '../db/open-analytics-database';

/**
 * Runs a command against the analytics database (created and migrated if needed): prints its JSON result,
 * or one line saying what failed (exit 1). `failed` turns a result into exit code 2 (e.g. differences found).
 */
export async function runCommand<T>(
  name: string,
  command: (database: Database, config: AnalyticsCliConfig, logger: Logger) => Promise<T>,
  failed: (result: T) => boolean = () => false,
): Promise<void> {
  const config = loadConfigOrExit(`analytics ${name}`, analyticsCliSchema);
  const logger = createLogger(`analytics-${name}`, config.LOG_LEVEL);
  let database: Database;
  try {
    database = await openAnalyticsDatabase(config, logger);
  } catch (err) {
    process.stderr.write(
      `analytics ${name}: cannot open the database (${(err as Error).message}); start PostgreSQL (./marquee up) or set DATABASE_URL\n`,
    );
    process.exit(1);
  }
  let code = 0;
  try {
    const result = await command(database, config, logger);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (failed(result)) code = 2;
  } catch (err) {
    process.stderr.write(`analytics ${name}: ${(err as Error).message}\n`);
    code = 1;
  } finally {
    await database.close();
  }
  process.exit(code);
}

/** The value after `--name`, if given. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function usage(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(64);
}
