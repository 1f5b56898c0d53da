import type { Tx } from '@marquee/platform-db';
import { notFound } from '@marquee/platform-http';
import type { InteractionContext } from '../context';
import { actAsUser, actForAllUsers } from '../db/user-scope';
import { type InteractionInput, slotOf } from '../domain/interaction-rules';
import type { InteractionRow } from '../events/interaction-events';
import { storedInteractions } from '../library/library-queries';
import { type RecordOutcome, recordInteractions } from './record-interactions';
import { removeInteraction } from './remove-interaction';

const movieNotFound = (movieId: number) => notFound('MOVIE.NOT_FOUND', `Movie ${movieId} does not exist`);
const sameKey = (row: InteractionRow, i: InteractionInput) =>
  row.userId === i.userId && row.movieId === i.movieId && row.type === i.type;

/**
 * Applies the live PUTs that share one commit in one statement. A write alone runs as its user; a batch of
 * several users' writes acts for every user (each row's user id is the verified token's). Two writes for one
 * slot cannot share a statement: the batch then fails and the batcher applies each alone.
 */
export async function applyLiveWrites(tx: Tx, inputs: InteractionInput[]): Promise<RecordOutcome[]> {
  if (new Set(inputs.map(slotOf)).size !== inputs.length) throw new Error('a slot repeats within the batch');
  if (inputs.length === 1) await actAsUser(tx, (inputs[0] as InteractionInput).userId);
  else await actForAllUsers(tx);
  const outcomes = await recordInteractions(tx, inputs);
  const unchanged = inputs.filter((_, i) => outcomes[i]?.status === 'unchanged');
  if (unchanged.length === 0) return outcomes;
  // The same PUT again answers with the stored row.
  const stored = await storedInteractions(tx, unchanged);
  return outcomes.map((o, i) =>
    o.status === 'unchanged'
      ? { status: 'unchanged', row: stored.find((r) => sameKey(r, inputs[i] as InteractionInput)) }
      : o,
  );
}

/**
 * The signed-in user's PUT: one row per (user, movie, type), written in a commit shared with concurrent
 * requests. A movie not projected yet is checked with the catalog once before the answer is 404.
 */
export async function recordForUser(
  ctx: InteractionContext,
  input: InteractionInput,
): Promise<{ created: boolean; row: InteractionRow }> {
  let outcome = await ctx.recorder.write(input);
  if (outcome.status === 'unknown_movie') {
    if (!(await ctx.movies.confirm(input.movieId))) throw movieNotFound(input.movieId);
    outcome = await ctx.recorder.write(input);
  }
  if (outcome.status === 'unknown_movie') throw movieNotFound(input.movieId);
  if (!outcome.row) throw new Error('interaction vanished while it was written');
  return { created: outcome.status === 'created', row: outcome.row };
}

/** The signed-in user's DELETE, as that user; idempotent (nothing there, nothing published). */
export function removeForUser(
  ctx: InteractionContext,
  userId: string,
  movieId: number,
  type: InteractionInput['type'],
): Promise<InteractionRow | undefined> {
  return ctx.writes.run(async (tx) => {
    await actAsUser(tx, userId);
    return removeInteraction(tx, userId, movieId, type);
  });
}
