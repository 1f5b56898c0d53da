import { type Database, forAllUsers } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { type PeriodicJob, runPeriodically } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';

const BATCH = 5_000;

/**
 * Deletes refresh tokens expired for more than a day (spent, revoked or never used), in batches.
 * A token that old can only ever answer 401, so reuse detection loses nothing worth keeping.
 */
export async function pruneExpiredRefreshTokens(database: Database): Promise<number> {
  let removed = 0;
  for (;;) {
    // A job over every user's tokens: it says so, or row-level security would show it none.
    const res = await forAllUsers(database.db, (tx) =>
      tx.execute(sql`delete from refresh_tokens where id in (
         select id from refresh_tokens where expires_at < now() - interval '1 day' limit ${BATCH})`),
    );
    removed += res.rowCount ?? 0;
    if ((res.rowCount ?? 0) < BATCH) return removed;
  }
}

/** Runs the prune now and then intervalMs after each run; stop() waits for a running prune to end. */
export function schedulePruneRefreshTokens(database: Database, logger: Logger, intervalMs = 3_600_000): PeriodicJob {
  return runPeriodically(
    'pruning refresh tokens',
    intervalMs,
    logger,
    async () => {
      const removed = await pruneExpiredRefreshTokens(database);
      if (removed > 0) logger.info({ removed, event: 'refresh_tokens_pruned' }, 'expired refresh tokens pruned');
    },
    { onFailure: 'will retry' },
  );
}
