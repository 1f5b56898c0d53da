import { NotificationClicked, NotificationOpened } from '@marquee/contracts';
import { recordEvent } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { NotificationContext } from '../context';
import { forAllUsers } from '../db/user-scope';

interface Moved extends Record<string, unknown> {
  id: string;
  user_id: string;
  notification_type: 'email' | 'push';
  kind: 'weekly_digest';
}

/** An open (pixel): sent/delivered → opened once, with notification.opened; later opens change nothing. */
export async function recordOpen(ctx: NotificationContext, logId: string, createdAt: string): Promise<boolean> {
  return forAllUsers(ctx.database.db, async (tx) => {
    const res = await tx.execute<Moved>(sql`
      update notification_logs set status = 'opened', opened_at = now(), delivered_at = coalesce(delivered_at, now())
      where id = ${logId} and created_at = ${createdAt}::timestamptz and status in ('sent', 'delivered')
      returning id, user_id, notification_type, kind`);
    const row = res.rows[0];
    if (!row) return false;
    await recordEvent(tx, NotificationOpened, row.user_id, {
      notificationId: row.id,
      userId: row.user_id,
      channel: row.notification_type,
      kind: row.kind,
      at: new Date().toISOString(),
    });
    return true;
  });
}

/** A click: sent/delivered/opened → clicked once (an unseen pixel counts as opened), with notification.clicked. */
export async function recordClick(
  ctx: NotificationContext,
  logId: string,
  createdAt: string,
  movieId: number,
): Promise<boolean> {
  return forAllUsers(ctx.database.db, async (tx) => {
    const res = await tx.execute<Moved>(sql`
      update notification_logs set status = 'clicked', clicked_at = now(),
             opened_at = coalesce(opened_at, now()), delivered_at = coalesce(delivered_at, now())
      where id = ${logId} and created_at = ${createdAt}::timestamptz and status in ('sent', 'delivered', 'opened')
      returning id, user_id, notification_type, kind`);
    const row = res.rows[0];
    if (!row) return false;
    await recordEvent(tx, NotificationClicked, row.user_id, {
      notificationId: row.id,
      userId: row.user_id,
      channel: row.notification_type,
      kind: row.kind,
      at: new Date().toISOString(),
      movieId,
    });
    return true;
  });
}
