import { withUser } from '@marquee/platform-db';
import { eq } from 'drizzle-orm';
import type { AuthContext } from '../context';
import { users } from '../db/schema';
import { recordUserDeleted } from '../events/user-events';
import { confirmPassword } from './change-password';
import { getUserById } from './find-users';

/**
 * GDPR erasure of the account: the row goes (refresh tokens cascade) and user.deleted is recorded
 * in the same transaction, so every other service erases or anonymises its copy. Unpublished
 * events of the user stay so consumers still see them before user.deleted; the relay deletes
 * each outbox row once Kafka has it, so no published copy stays here.
 */
export async function deleteOwnAccount(ctx: AuthContext, userId: string, password: string): Promise<void> {
  const row = await withUser(ctx.database.db, userId, (tx) => getUserById(tx, userId));
  await confirmPassword(ctx, row.passwordHash, password, 'password');
  await withUser(ctx.database.db, userId, async (tx) => {
    const deleted = await tx.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
    if (deleted.length === 0) return;
    await recordUserDeleted(tx, userId, new Date());
  });
  ctx.announceRevoked({ userId });
}
