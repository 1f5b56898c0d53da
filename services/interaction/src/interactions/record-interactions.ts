import type { Tx } from '@marquee/platform-db';
import { type PendingEvent, recordEvents } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import { excludedType, type InteractionInput } from '../domain/interaction-rules';
import { type InteractionRow, interactionRecorded, interactionRemoved } from '../events/interaction-events';
import { ROW_COLUMNS } from './interaction-sql';

export type RecordOutcome =
  | { status: 'unknown_movie' }
  | { status: 'created' | 'changed'; row: InteractionRow }
  /** Nothing to change (the same PUT again, or an import older than what is stored); row when looked up. */
  | { status: 'unchanged'; row?: InteractionRow };

interface UpsertResult {
  idx: number;
  known: boolean;
  previous: number | null;
  inserted: boolean | null;
  row: InteractionRow | null;
}

/**
 * Upserts interactions in one statement and publishes what changed: interaction.recorded for each written
 * row (a repeated view moves its timestamp and counts as written), interaction.removed for each like or
 * dislike the other one displaced. Rows for movies not in known_movies are left out and reported.
 * Inputs must not repeat a (user, movie, type); the caller's transaction sets the user scope.
 */
export async function recordInteractions(tx: Tx, inputs: InteractionInput[]): Promise<RecordOutcome[]> {
  const json = JSON.stringify(
    inputs.map((i, idx) => ({
      idx,
      user_id: i.userId,
      movie_id: i.movieId,
      interaction_type: i.type,
      rating: i.rating,
      feedback_type: i.feedbackType,
      feedback_comment: i.feedbackComment,
      source: i.source,
      at: i.at?.toISOString() ?? null,
    })),
  );
  const res = await tx.execute(sql`
    with input as (
      select r.*, coalesce(r.at, clock_timestamp()) as stamp
      from jsonb_to_recordset(${json}::jsonb) as r(idx int, user_id uuid, movie_id int, interaction_type text,
        rating smallint, feedback_type text, feedback_comment text, source text, at timestamptz)
    ),
    prev as (
      select i.idx, p.rating from input i join user_movie_interactions p
        on p.user_id = i.user_id and p.movie_id = i.movie_id and p.interaction_type = i.interaction_type
    ),
    up as (
      insert into user_movie_interactions as u
        (user_id, movie_id, interaction_type, rating, feedback_type, feedback_comment, source, created_at, updated_at)
      select i.user_id, i.movie_id, i.interaction_type, i.rating, i.feedback_type, i.feedback_comment, i.source, i.stamp, i.stamp
      from input i where exists (select 1 from known_movies k where k.movie_id = i.movie_id)
      order by i.idx
      on conflict (user_id, movie_id, interaction_type) do update set
        rating = excluded.rating, feedback_type = excluded.feedback_type, feedback_comment = excluded.feedback_comment,
        source = excluded.source, updated_at = excluded.updated_at
      where excluded.updated_at >= u.updated_at and (
        (u.rating, u.feedback_type, u.feedback_comment, u.source)
          is distinct from (excluded.rating, excluded.feedback_type, excluded.feedback_comment, excluded.source)
        or (u.interaction_type = 'view' and excluded.updated_at > u.updated_at))
      returning ${ROW_COLUMNS}, (u.xmax = 0) as inserted
    )
    select i.idx, exists (select 1 from known_movies k where k.movie_id = i.movie_id) as known, p.rating::int as previous,
      up.inserted, case when up.id is null then null else to_jsonb(up) end as row
    from input i
    left join up on up."userId" = i.user_id and up."movieId" = i.movie_id and up.type = i.interaction_type
    left join prev p on p.idx = i.idx
    order by i.idx`);
  const results = res.rows as unknown as UpsertResult[];
  const events: PendingEvent[] = [];
  const outcomes: RecordOutcome[] = [];
  const written: InteractionRow[] = [];
  for (const r of results) {
    if (!r.known) outcomes.push({ status: 'unknown_movie' });
    else if (!r.row) outcomes.push({ status: 'unchanged' });
    else {
      const { inserted: _, ...row } = r.row as InteractionRow & { inserted?: boolean };
      written.push(row);
      events.push(interactionRecorded(row, row.type === 'rating' && !r.inserted ? r.previous : null));
      outcomes.push({ status: r.inserted ? 'created' : 'changed', row });
    }
  }
  events.push(...(await removeDisplaced(tx, written)).map(interactionRemoved));
  await recordEvents(tx, events);
  return outcomes;
}

/** Deletes the dislike a recorded like displaces (and the reverse). */
async function removeDisplaced(tx: Tx, written: InteractionRow[]): Promise<InteractionRow[]> {
  const targets = written.flatMap((w) => {
    const other = excludedType(w.type);
    return other ? [{ user_id: w.userId, movie_id: w.movieId, interaction_type: other }] : [];
  });
  if (targets.length === 0) return [];
  const res = await tx.execute(sql`
    delete from user_movie_interactions u
    using jsonb_to_recordset(${JSON.stringify(targets)}::jsonb) as x(user_id uuid, movie_id int, interaction_type text)
    where u.user_id = x.user_id and u.movie_id = x.movie_id and u.interaction_type = x.interaction_type
    returning ${ROW_COLUMNS}`);
  return res.rows as unknown as InteractionRow[];
}
