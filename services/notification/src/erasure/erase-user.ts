import type { DbOrTx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

/**
 * Erases everything notification holds about a user (user.deleted): preferences, the recipient
 * projection, logs (pending ones too, so nothing more is sent), claims and counters.
 * Returns the erased log ids, whose local mailbox copies go as well.
 */
export async function eraseUser(tx: DbOrTx, userId: string): Promise<string[]> {
  const logs = await tx.execute<{ id: string }>(
    sql`delete from notification_logs where user_id = ${userId} returning id`,
  );
  for (const table of ['notification_preferences', 'recipients', 'digest_claims', 'alert_counts', 'alerted_movies']) {
    await tx.execute(sql`delete from ${sql.identifier(table)} where user_id = ${userId}`);
  }
  return logs.rows.map((r) => r.id);
}
