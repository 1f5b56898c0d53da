import { notFound } from '@marquee/platform-http';
import type { InteractionContext } from '../context';
import { actAsUser } from '../db/user-scope';
import type { InteractionInput } from '../domain/interaction-rules';
import type { InteractionRow } from '../events/interaction-events';
import { interactionsWithMovie } from '../library/library-queries';
import { recordInteractions } from './record-interactions';
import { removeInteraction } from './remove-interaction';

const movieNotFound = (movieId: number) => notFound('MOVIE.NOT_FOUND', `Movie ${movieId} does not exist`);

/**
 * The signed-in user's PUT: one row per (user, movie, type), written in a commit shared with concurrent
 * requests. A movie not projected yet is checked with the catalog once before the answer is 404.
 */
export async function recordForUser(
  ctx: InteractionContext,
  input: InteractionInput,
): Promise<{ created: boolean; row: InteractionRow }> {
  const attempt = () =>
    ctx.writes.run(async (tx) => {
      await actAsUser(tx, input.userId);
      const outcome = (await recordInteractions(tx, [input]))[0];
      if (outcome?.status !== 'unchanged') return outcome;
      // The same PUT again: answer with the stored row.
      const stored = (await interactionsWithMovie(tx, input.userId, input.movieId)).find((r) => r.type === input.type);
      return stored ? ({ status: 'changed', row: stored } as const) : outcome;
    });
  let outcome = await attempt();
  if (outcome?.status === 'unknown_movie') {
    if (!(await ctx.movies.confirm(input.movieId))) throw movieNotFound(input.movieId);
    outcome = await attempt();
  }
  if (!outcome || outcome.status === 'unknown_movie' || outcome.status === 'unchanged')
    throw movieNotFound(input.movieId);
  return { created: outcome.status === 'created', row: outcome.row };
}

/** The signed-in user's DELETE; idempotent (nothing there, nothing published). */
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
