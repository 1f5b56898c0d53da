import os from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import type { NotificationContext } from '../context';
import { forAllUsers } from '../db/user-scope';
import { archiveOldPartitions, ensurePartitions } from './log-partitions';

export const archiveDirOf = (dir: string) => dir || path.join(os.tmpdir(), 'marquee-notification-archive');

/** Partition DDL (create, detach, drop) needs the tables' owner; the application role may not. */
export async function asOwner<T>(ownerUrl: string, app: Database, work: (owner: Database) => Promise<T>): Promise<T> {
  if (!ownerUrl) return work(app);
  const owner = openDatabase(ownerUrl, { max: 1, applicationName: 'notification-maintenance' });
  try {
    return await work(owner);
  } finally {
    await owner.close();
  }
}

/** Partitions ahead, old ones archived, and bookkeeping rows no rule reads any more pruned. */
export async function runMaintenance(ctx: NotificationContext, now: Date): Promise<void> {
  const { config, database, logger } = ctx;
  const nowIso = now.toISOString();
  // The periodic round does the same DDL as the start: as the tables' owner, which the application role is not
  // (run as the application role it failed with "permission denied for schema public" every round, and a process
  // running past its quarters ahead would have had nowhere to log).
  await asOwner(config.DATABASE_OWNER_URL, database, async (owner) => {
    const made = await ensurePartitions(owner, now, config.LOG_PARTITIONS_AHEAD);
    if (made.length > 0)
      logger.info({ partitions: made, event: 'log_partitions_created' }, 'notification log partitions created');
    await archiveOldPartitions(owner, now, config.LOG_RETENTION_DAYS, archiveDirOf(config.LOG_ARCHIVE_DIR), logger);
  });
  await forAllUsers(database.db, async (tx) => {
    // Claims only matter for the current week and the catch-up window; counters for today; alerted picks for a quarter.
    await tx.execute(
      sql`delete from digest_claims where week_start < (${nowIso}::timestamptz - interval '21 days')::date`,
    );
    await tx.execute(sql`delete from alert_counts where day < (${nowIso}::timestamptz - interval '3 days')::date`);
    await tx.execute(sql`delete from alerted_movies where alerted_at < ${nowIso}::timestamptz - interval '90 days'`);
  });
}
