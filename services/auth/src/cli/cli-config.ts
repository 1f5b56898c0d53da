import type { Logger } from '@marquee/platform-logging';
import type { AuthCoreConfig } from '../config';
import type { AuthContext } from '../context';
import { openAuthDatabase } from '../db/open-auth-database';

/** Runs a command's work on the auth database (created and migrated if needed), then closes it. */
export async function withAuthContext<T>(
  config: AuthCoreConfig,
  logger: Logger,
  work: (ctx: AuthContext) => Promise<T>,
): Promise<T> {
  const ctx = await openAuthDatabase(config, logger);
  try {
    return await work(ctx);
  } finally {
    await ctx.database.close();
  }
}
