import type { Tx } from '@marquee/platform-db';
import { notFound } from '@marquee/platform-http';
import type { InteractionContext } from '../context';
import { actAsUser } from '../db/user-scope';
import { sealComment } from '../domain/feedback-comment';
import { type InteractionInput, slotOf } from '../domain/interaction-rules';
import type { InteractionRow } from '../events/interaction-events';
import { type RecordOutcome, recordInteractions } from './record-interactions';
import { removeInteraction } from './remove-interaction';

const movieNotFound = (movieId: number) => notFound('MOVIE.NOT_FOUND', `Movie ${movieId} does not exist`);

/**
 * Applies the live PUTs that share one commit in one round trip. Each write's user id is its verified token's;
 * recordInteractions runs each user's rows under that user's row-level security scope alone (see there), so a
 * batch of several users' writes acts for no one but them. Two writes for one slot cannot share a statement:
 * the batch then fails and the batcher applies each alone.
 */
export function applyLiveWrites(tx: Tx, inputs: InteractionInput[]): Promise<RecordOutcome[]> {
  if (new Set(inputs.map(slotOf)).size !== inputs.length) throw new Error('a slot repeats within the batch');
  return recordInteractions(tx, inputs);
}

/**
 * The signed-in user's PUT: one row per (user, movie, type), written in a commit shared with concurrent
 * requests. A movie not projected yet is checked with the catalog once before the answer is 404.
 */
export async function recordForUser(
  ctx: InteractionContext,
  given: InteractionInput,
): Promise<{ created: boolean; row: InteractionRow }> {
  const input = sealComment(ctx.cipher, given);
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
