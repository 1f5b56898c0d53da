import type { Database, Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

/** A transaction that row-level security scopes to one user (the convention platform-db will export). */
export function withUser<T>(database: Database, userId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('marquee.user_id', ${userId}, true)`);
    return work(tx);
  });
}

/** A transaction that may touch every user's rows: consumers, jobs and admin paths. */
export function forAllUsers<T>(database: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
    return work(tx);
  });
}

/** Inside an existing transaction (a consumer's), lift the user scope for the rest of it. */
export async function allUsersIn(tx: Tx): Promise<void> {
  await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
}
