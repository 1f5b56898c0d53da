import type { Static, UserDeleted, UserSnapshot } from '@marquee/contracts';
import type { HandlerContext } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import { removeMailboxMessages } from '../channels/mailbox';
import { notificationPreferences, recipients } from '../db/schema';
import { allUsersIn } from '../db/user-scope';
import { isIanaTimezone } from '../domain/preference-rules';
import { eraseUser } from '../erasure/erase-user';

type Snapshot = Static<typeof UserSnapshot>;

async function upsertRecipient(tx: HandlerContext['tx'], user: Snapshot): Promise<void> {
  const row = {
    userId: user.userId,
    timezone: user.timezone,
    preferredLanguage: user.preferredLanguage,
    deviceType: user.deviceType,
  };
  await tx
    .insert(recipients)
    .values(row)
    .onConflictDoUpdate({
      target: recipients.userId,
      set: {
        timezone: row.timezone,
        preferredLanguage: row.preferredLanguage,
        deviceType: row.deviceType,
        updatedAt: sql`now()`,
      },
    });
}

/** user.registered: the recipient row and the seed's default preferences (a replay keeps the user's own choices). */
export async function onUserRegistered(data: Snapshot, { tx }: HandlerContext): Promise<void> {
  await allUsersIn(tx);
  await upsertRecipient(tx, data);
  await tx
    .insert(notificationPreferences)
    .values({ userId: data.userId, timezone: isIanaTimezone(data.timezone) ? data.timezone : 'UTC' })
    .onConflictDoNothing();
}

/** user.updated: timezone, language and device type follow the profile. */
export async function onUserUpdated(data: Snapshot, { tx }: HandlerContext): Promise<void> {
  await allUsersIn(tx);
  await upsertRecipient(tx, data);
}

/** user.deleted: erase, and drop the local mailbox copies of what was sent. */
export function onUserDeleted(mailboxDir: string) {
  return async (data: Static<typeof UserDeleted.schema>, { tx, logger }: HandlerContext): Promise<void> => {
    await allUsersIn(tx);
    const logIds = await eraseUser(tx, data.userId);
    await removeMailboxMessages(mailboxDir, logIds);
    logger.info({ userId: data.userId, logs: logIds.length, event: 'user_erased' }, 'user erased from notification');
  };
}
