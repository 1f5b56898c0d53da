import { UserDeleted } from '@marquee/contracts';
import { on } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import { actForAllUsers } from '../db/user-scope';

/**
 * user.deleted: erases the user's interactions, publishing nothing: every consumer of interaction.v1 reads
 * user.deleted itself (and the relay keeps no outbox row once Kafka has it).
 */
export const eraseInteractionsWhenUserDeleted = on(UserDeleted, async ({ userId }, { tx, logger }) => {
  await actForAllUsers(tx);
  const res = await tx.execute(sql`delete from user_movie_interactions where user_id = ${userId}`);
  logger.info({ userId, interactions: res.rowCount, event: 'user_interactions_erased' }, 'user erased');
});
