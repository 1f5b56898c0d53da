import type { DbOrTx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';

/** Counts one alert against the user's cap for their local day; false when the cap is reached. */
export async function takeAlertAllowance(tx: DbOrTx, userId: string, timezone: string, cap: number): Promise<boolean> {
  if (cap === 0) return false;
  const res = await tx.execute(sql`
    insert into alert_counts (user_id, day, sent) values (${userId}, (now() at time zone ${timezone})::date, 1)
    on conflict (user_id, day) do update set sent = alert_counts.sent + 1 where alert_counts.sent < ${cap}
    returning sent`);
  return (res.rowCount ?? 0) > 0;
}
