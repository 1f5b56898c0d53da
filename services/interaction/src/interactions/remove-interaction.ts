import type { Tx } from '@marquee/platform-db';
import { recordEvents } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { InteractionType } from '../domain/interaction-rules';
import { type InteractionRow, interactionRemoved } from '../events/interaction-events';
import { ROW_COLUMNS } from './interaction-sql';

/** Deletes one interaction and publishes interaction.removed; removing what is not there changes nothing. */
export async function removeInteraction(
  tx: Tx,
  userId: string,
  movieId: number,
  type: InteractionType,
): Promise<InteractionRow | undefined> {
  const res = await tx.execute(sql`
    delete from user_movie_interactions u
    where u.user_id = ${userId} and u.movie_id = ${movieId} and u.interaction_type = ${type}
    returning ${ROW_COLUMNS}`);
  const row = res.rows[0] as InteractionRow | undefined;
  if (row) await recordEvents(tx, [interactionRemoved(row)]);
  return row;
}
