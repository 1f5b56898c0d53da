import { sql } from 'drizzle-orm';
import { type AnyPgColumn, pgPolicy } from 'drizzle-orm/pg-core';
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

/**
 * The one row-level security policy of a user-owned table, for its drizzle schema
 * (`pgTable(…, (t) => [userRowsPolicy('x_user_rows', t.userId)]).enableRLS()`). drizzle-kit writes
 * ENABLE and the policy; add `ALTER TABLE … FORCE ROW LEVEL SECURITY` to the generated migration
 * so the owner is held to it too.
 */
export function userRowsPolicy(name: string, userColumn: AnyPgColumn) {
  const rule = sql`current_setting('marquee.all_users', true) = 'on' or ${userColumn}::text = current_setting('marquee.user_id', true)`;
  return pgPolicy(name, { as: 'permissive', for: 'all', to: 'public', using: rule, withCheck: rule });
}
