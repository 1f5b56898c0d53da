import type { Logger } from '@marquee/platform-logging';
import type { AuthCoreConfig } from '../config';
import type { AuthContext } from '../context';

/** Runs a command's work on the auth database (created and migrated if needed), then closes it. */
export async function withAuthContext<T>(
  config: AuthCoreConfig,
  logger: Logger,
  work: (ctx: AuthContext) => Promise<T>,
): Promise<T> {
  // Loaded here, not at the top: a command's --help and usage errors load nothing that opens a connection.
  const { openAuthDatabase } = await import('../db/open-auth-database');
  const ctx = await openAuthDatabase(config, logger);
  try {
    return await work(ctx);
  } finally {
    await ctx.database.close();
  }
}
