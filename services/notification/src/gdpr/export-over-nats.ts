import { type NatsConnection, type Subscription, serveJson, Subjects } from '@marquee/platform-bus';
import { eq } from 'drizzle-orm';
import type { NotificationContext } from '../context';
import { notificationPreferences, recipients } from '../db/schema';
import { withUser } from '../db/user-scope';
import { adminLogView, listLogs } from '../logs/list-logs';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Everything notification holds about one user (GDPR Art. 15). */
export async function exportUserData(ctx: NotificationContext, userId: string) {
  return withUser(ctx.database.db, userId, async (tx) => {
    const [preferences] = await tx
      .select()
      .from(notificationPreferences)
      .where(eq(notificationPreferences.userId, userId));
    const [recipient] = await tx.select().from(recipients).where(eq(recipients.userId, userId));
    const notifications = [];
    let cursor: string | undefined;
    do {
      const page = await listLogs(tx, { userId }, 100, cursor);
      notifications.push(...page.rows.map(adminLogView));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return {
      service: 'notification' as const,
      userId,
      preferences: preferences ?? null,
      recipient: recipient ?? null,
      notifications,
    };
  });
}

/** Answers `gdpr.export.notification` ({ userId }) in a queue group, so one replica answers. */
export function serveGdprExport(ctx: NotificationContext): Subscription {
  return serveJson<{ userId?: unknown }, Awaited<ReturnType<typeof exportUserData>>>(
    ctx.nats as NatsConnection,
    `${ctx.config.NATS_SUBJECT_PREFIX}${Subjects.gdprExport('notification')}`,
    async (req) => {
      if (typeof req?.userId !== 'string' || !UUID_RE.test(req.userId)) throw new Error('userId must be a uuid');
      ctx.logger.info({ userId: req.userId, event: 'gdpr_export' }, 'GDPR export answered');
      return exportUserData(ctx, req.userId);
    },
    { queue: 'notification' },
  );
}
