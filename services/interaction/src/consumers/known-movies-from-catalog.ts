import type { Envelope, MovieDeleted, MovieUpserted, Static } from '@marquee/contracts';
import type { HandlerContext } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import { actForAllUsers } from '../db/user-scope';

/** movie.upserted: the movie exists (projection of known ids, with its TMDb id). */
export async function projectMovieWhenUpserted(event: Envelope, { tx }: HandlerContext): Promise<void> {
  const movie = event.data as Static<typeof MovieUpserted.schema>;
  await tx.execute(sql`
    insert into known_movies (movie_id, tmdb_id, updated_at) values (${movie.movieId}, ${movie.tmdbId}, now())
    on conflict (movie_id) do update set tmdb_id = excluded.tmdb_id, updated_at = now()`);
}

/**
 * movie.deleted: the movie and every interaction with it go (the seed's ON DELETE CASCADE), with no event:
 * consumers of catalog.movie.v1 drop the movie themselves.
 */
export async function eraseMovieWhenDeleted(event: Envelope, { tx, logger }: HandlerContext): Promise<void> {
  const { movieId } = event.data as Static<typeof MovieDeleted.schema>;
  await actForAllUsers(tx);
  await tx.execute(sql`delete from known_movies where movie_id = ${movieId}`);
  const res = await tx.execute(sql`delete from user_movie_interactions where movie_id = ${movieId}`);
  logger.info({ movieId, interactions: res.rowCount, event: 'movie_interactions_erased' }, 'movie deleted');
}
