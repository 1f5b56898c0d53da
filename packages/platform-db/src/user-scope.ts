import { sql } from 'drizzle-orm';
import type { Db, Tx } from './index';

/**
 * Runs work in a transaction that row-level security scopes to one user: user-owned tables carry
 * the policy `user_id::text = current_setting('marquee.user_id', true)`, so every statement in it
 * sees and writes only that user's rows. The setting ends with the transaction (is_local = true).
 */
export function withUser<T>(db: Db, userId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('marquee.user_id', ${userId}, true)`);
    return work(tx);
  });
}

/**
 * Runs work in a transaction that acts for every user (`marquee.all_users = on`): for consumers,
 * jobs, admin paths and lookups made before the user is known (login by email), which say so here.
 */
export function forAllUsers<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
    return work(tx);
  });
}
