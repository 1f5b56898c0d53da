import type { Db, DbOrTx, Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

// The platform's row-level-security helpers (team convention); platform-db will export the same names.

/** A transaction that sees and writes only userId's rows under the tables' RLS policy. */
export function withUser<T>(db: Db, userId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('marquee.user_id', ${userId}, true)`);
    return fn(tx);
  });
}

/** A transaction for consumers, jobs and admin paths: every user's rows. */
export function forAllUsers<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await allUsersIn(tx);
    return fn(tx);
  });
}

/** Opens every user's rows inside a transaction someone else began (a consumer's). */
export async function allUsersIn(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
}
