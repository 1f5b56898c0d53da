import { sql } from 'drizzle-orm';
import type { InteractionContext } from '../context';
import { forAllUsers } from '../db/user-scope';
import { type InteractionInput, latestPerSlot } from '../domain/interaction-rules';
import { parseImportRow, type RowProblem } from './import-rows';
import { sealComment } from '../domain/feedback-comment';
import { recordInteractions } from './record-interactions';

export interface ImportSummary {
  received: number;
  /** Rows written (created or changed), each published as interaction.recorded. */
  recorded: number;
  /** Rows already stored as they are, or older than what is stored: nothing written or published. */
  unchanged: number;
  /** Rows a later row of the same batch replaced (same user, movie and type; like and dislike share one). */
  superseded: number;
  rejected: RowProblem[];
}

/** Movies of the batch that exist: the projection, then the catalog for the ones it lacks. */
async function existingMovies(ctx: InteractionContext, ids: number[]): Promise<Set<number>> {
  const res = await ctx.database.db.execute(
    sql`select movie_id from known_movies where movie_id = any(${`{${ids.join(',')}}`}::int[])`,
  );
  const known = new Set((res.rows as { movie_id: number }[]).map((r) => r.movie_id));
  for (const id of ids) if (!known.has(id) && (await ctx.movies.confirm(id))) known.add(id);
  return known;
}

/**
 * Admin import of interactions with their original times: every row is validated alone (bad rows come back
 * by index, good rows are kept), then the good ones are written in one transaction acting for every user.
 * Re-running the same batch writes and publishes nothing.
 */
export async function importInteractions(ctx: InteractionContext, items: unknown[]): Promise<ImportSummary> {
  const rejected: RowProblem[] = [];
  const valid: { index: number; input: InteractionInput }[] = [];
  items.forEach((raw, index) => {
    const parsed = parseImportRow(raw, index);
    if (Array.isArray(parsed)) rejected.push(...parsed);
    else valid.push({ index, input: parsed });
  });
  const keptIndexes = new Set(latestPerSlot(valid));
  const kept = valid.filter((v) => keptIndexes.has(v.index));
  const known = await existingMovies(ctx, [...new Set(kept.map((k) => k.input.movieId))]);
  const writable = kept.filter((k) => {
    if (known.has(k.input.movieId)) return true;
    rejected.push({ index: k.index, field: `items.${k.index}.movieId`, reason: 'movie does not exist' });
    return false;
  });
  const outcomes =
    writable.length === 0
      ? []
      : await forAllUsers(ctx.database.db, (tx) =>
          recordInteractions(
            tx,
            writable.map((w) => sealComment(ctx.cipher, w.input)),
          ),
        );
  let recorded = 0;
  let unchanged = 0;
  outcomes.forEach((o, i) => {
    if (o.status === 'created' || o.status === 'changed') recorded += 1;
    else if (o.status === 'unchanged') unchanged += 1;
    else {
      const index = writable[i]?.index ?? -1;
      rejected.push({ index, field: `items.${index}.movieId`, reason: 'movie does not exist' });
    }
  });
  rejected.sort((a, b) => a.index - b.index);
  return { received: items.length, recorded, unchanged, superseded: valid.length - kept.length, rejected };
}
