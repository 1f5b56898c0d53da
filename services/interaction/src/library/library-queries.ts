import type { DbOrTx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import type { InteractionType } from '../domain/interaction-rules';
import { type LibraryCursor, encodeCursor } from '../domain/library-cursor';
import type { InteractionRow } from '../events/interaction-events';
import { ROW_COLUMNS } from '../interactions/interaction-sql';

export interface LibraryPage {
  items: InteractionRow[];
  nextCursor: string | null;
}

/**
 * One page of a user's interactions of the given types, newest first, by keyset on (updated_at, id) so a
 * page costs the same however deep it is. Runs in the caller's user-scoped transaction.
 */
export async function listLibrary(
  tx: DbOrTx,
  userId: string,
  types: InteractionType[] | undefined,
  limit: number,
  cursor: LibraryCursor | undefined,
): Promise<LibraryPage> {
  const typeFilter =
    types && types.length > 0 ? sql`and u.interaction_type = any(${`{${types.join(',')}}`}::text[])` : sql``;
  const after = cursor ? sql`and (u.updated_at, u.id) < (${cursor.updatedAt}::timestamptz, ${cursor.id})` : sql``;
  const res = await tx.execute(sql`
    select ${ROW_COLUMNS}, u.updated_at::text as "position"
    from user_movie_interactions u
    where u.user_id = ${userId} ${typeFilter} ${after}
    order by u.updated_at desc, u.id desc
    limit ${limit + 1}`);
  const rows = res.rows as unknown as (InteractionRow & { position: string })[];
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ position: _, ...row }) => row),
    nextCursor: rows.length > limit && last ? encodeCursor({ updatedAt: last.position, id: last.id }) : null,
  };
}

/** Everything one user did to one movie. */
export async function interactionsWithMovie(tx: DbOrTx, userId: string, movieId: number): Promise<InteractionRow[]> {
  const res = await tx.execute(sql`
    select ${ROW_COLUMNS} from user_movie_interactions u
    where u.user_id = ${userId} and u.movie_id = ${movieId} order by u.interaction_type`);
  return res.rows as unknown as InteractionRow[];
}
