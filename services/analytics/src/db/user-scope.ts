import type { Database, Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

// Local until platform-db exports them (team convention 2): same names and signatures.

/** A transaction that sees (and may write) only userId's rows of the user-owned tables. */
export function withUser<T>(database: Database, userId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('marquee.user_id', ${userId}, true)`);
    return work(tx);
  });
}

/** A transaction over every user's rows: consumers, jobs and admin reports. */
export function forAllUsers<T>(database: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
    return work(tx);
  });
}
