import type { Db, Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

/** Inside a transaction: what follows acts for this user only (row-level security reads marquee.user_id). */
export async function actAsUser(tx: Tx, userId: string): Promise<void> {
  await tx.execute(
    sql`select set_config('marquee.user_id', ${userId}, true), set_config('marquee.all_users', '', true)`,
  );
}

/** A transaction that sees and writes only userId's rows. */
export function withUser<T>(db: Db, userId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await actAsUser(tx, userId);
    return work(tx);
  });
}

/** Inside a transaction: what follows acts for every user (consumers, imports, GDPR), said explicitly. */
export async function actForAllUsers(tx: Tx): Promise<void> {
  await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
}

/** A transaction that acts for every user. */
export function forAllUsers<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await actForAllUsers(tx);
    return work(tx);
  });
}
