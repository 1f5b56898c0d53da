import type { Tx } from '@marquee/platform-db';
import { type PendingEvent, recordEvents } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { InteractionInput } from '../domain/interaction-rules';
import { type InteractionRow, interactionRecorded, interactionRemoved } from '../events/interaction-events';

export type RecordOutcome =
  | { status: 'unknown_movie' }
  | { status: 'created' | 'changed'; row: InteractionRow }
  /** Nothing to change (the same PUT again, or an import older than what is stored): the stored row. */
  | { status: 'unchanged'; row?: InteractionRow };

/** One row of record_interactions: the outcome, then the row's columns in InteractionRow's shape (id as int8 text). */
type RecordedRow = Omit<InteractionRow, 'id'> & {
  idx: number | null;
  kind: 'unknown' | 'created' | 'changed' | 'unchanged' | 'displaced';
  previous: number | null;
  id: string | null;
};

function storedRow(r: RecordedRow): InteractionRow | null {
  if (r.id === null) return null;
  return {
    id: Number(r.id),
    userId: r.userId,
    movieId: r.movieId,
    type: r.type,
    rating: r.rating,
    feedbackType: r.feedbackType,
    feedbackComment: r.feedbackComment,
    source: r.source,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/**
 * Upserts interactions in one round trip and publishes what changed: interaction.recorded for each written
 * row (a repeated view moves its timestamp and counts as written), interaction.removed for each like or
 * dislike the other one displaced. Rows for movies not in known_movies are left out and reported.
 *
 * Row-level security holds per user even when a batch mixes users: the rows go to record_interactions
 * (migration 0005) grouped by owner, the user id each input carries (the verified token's for a live PUT),
 * and every statement it runs for a row runs with marquee.user_id set to that row's owner alone, so whatever
 * it reads, inserts, updates or deletes is checked by the table's policy against that one user. Inputs must
 * not repeat a (user, movie, type), nor hold both a like and a dislike of one movie for one user.
 */
export async function recordInteractions(tx: Tx, inputs: InteractionInput[]): Promise<RecordOutcome[]> {
  const groups = new Map<string, object[]>();
  inputs.forEach((i, idx) => {
    const rows = groups.get(i.userId) ?? [];
    rows.push({
      idx,
      user_id: i.userId,
      movie_id: i.movieId,
      interaction_type: i.type,
      rating: i.rating,
      feedback_type: i.feedbackType,
      feedback_comment: i.feedbackComment,
      source: i.source,
      at: i.at?.toISOString() ?? null,
    });
    groups.set(i.userId, rows);
  });
  const batch = JSON.stringify([...groups].map(([owner, rows]) => ({ owner, rows })));
  const res = await tx.execute(sql`select * from record_interactions(${batch}::jsonb)`);
  const outcomes: RecordOutcome[] = new Array(inputs.length);
  const removed: PendingEvent[] = [];
  // Rows come group by group; events go out in input order (all recorded, then the removals they caused).
  const written: { idx: number; event: PendingEvent }[] = [];
  for (const r of res.rows as unknown as RecordedRow[]) {
    const stored = storedRow(r);
    if (r.kind === 'displaced') removed.push(interactionRemoved(stored as InteractionRow));
    else if (r.kind === 'unknown') outcomes[r.idx as number] = { status: 'unknown_movie' };
    else if (r.kind === 'unchanged') outcomes[r.idx as number] = { status: 'unchanged', row: stored ?? undefined };
    else {
      const row = stored as InteractionRow;
      outcomes[r.idx as number] = { status: r.kind, row };
      written.push({
        idx: r.idx as number,
        event: interactionRecorded(row, row.type === 'rating' && r.kind === 'changed' ? r.previous : null),
      });
    }
  }
  written.sort((a, b) => a.idx - b.idx);
  await recordEvents(tx, [...written.map((w) => w.event), ...removed]);
  return outcomes;
}
