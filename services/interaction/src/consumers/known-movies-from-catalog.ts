import { MovieDeleted, MovieUpserted } from '@marquee/contracts';
import { on } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import { actForAllUsers } from '../db/user-scope';

/** movie.upserted: the movie exists (projection of known ids, with its TMDb id). */
export const projectMovieWhenUpserted = on(MovieUpserted, async (movie, { tx }) => {
  await tx.execute(sql`
    insert into known_movies (movie_id, tmdb_id, updated_at) values (${movie.movieId}, ${movie.tmdbId}, now())
    on conflict (movie_id) do update set tmdb_id = excluded.tmdb_id, updated_at = now()`);
});

/**
 * movie.deleted: the movie and every interaction with it go (the seed's ON DELETE CASCADE), with no event:
 * consumers of catalog.movie.v1 drop the movie themselves.
 */
export const eraseMovieWhenDeleted = on(MovieDeleted, async ({ movieId }, { tx, logger }) => {
  await actForAllUsers(tx);
  await tx.execute(sql`delete from known_movies where movie_id = ${movieId}`);
  const res = await tx.execute(sql`delete from user_movie_interactions where movie_id = ${movieId}`);
  logger.info({ movieId, interactions: res.rowCount, event: 'movie_interactions_erased' }, 'movie deleted');
});
