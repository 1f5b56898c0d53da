import type { Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

export { forAllUsers, withUser } from '@marquee/platform-db';

/** Inside a shared transaction: what follows acts for this user only (row-level security reads marquee.user_id). */
export async function actAsUser(tx: Tx, userId: string): Promise<void> {
  await tx.execute(
    sql`select set_config('marquee.user_id', ${userId}, true), set_config('marquee.all_users', '', true)`,
  );
}

/** Inside a transaction: what follows acts for every user (consumers, a batch of several users' writes). */
export async function actForAllUsers(tx: Tx): Promise<void> {
  await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
}
