import type { Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

/** Inside a consumer's transaction (opened by platform-events), act for every user for the rest of it. */
export async function allUsersIn(tx: Tx): Promise<void> {
  await tx.execute(sql`select set_config('marquee.all_users', 'on', true)`);
}
