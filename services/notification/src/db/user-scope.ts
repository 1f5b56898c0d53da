import type { DbOrTx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

export { forAllUsers, withUser } from '@marquee/platform-db';

/** Opens every user's rows inside a transaction someone else began (a consumer's). */
export async function allUsersIn(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
}
