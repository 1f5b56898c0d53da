import { MovieDeleted, MovieUpserted, type Static } from '@marquee/contracts';
import type { DbOrTx } from '@marquee/platform-db';
import { type PendingEvent, pendingEvent, recordEvents } from '@marquee/platform-events';
import { findMoviesByIds } from '../db/movie-queries';
import type { MovieView } from '../routes/views';

export function movieSnapshot(m: MovieView): Static<typeof MovieUpserted.schema> {
  return {
    movieId: m.id,
    tmdbId: m.tmdbId,
    omdbId: m.omdbId,
    title: m.title,
    originalTitle: m.originalTitle,
    overview: m.overview,
    tagline: m.tagline,
    releaseDate: m.releaseDate,
    runtime: m.runtime,
    director: m.director,
    mainCast: m.mainCast,
    tmdbRating: m.tmdbRating,
    tmdbVoteCount: m.tmdbVoteCount,
    omdbRating: m.omdbRating,
    ourRating: m.ourRating,
    posterPath: m.posterPath,
    backdropPath: m.backdropPath,
    popularityScore: m.popularityScore,
    viewCount: m.viewCount,
    likeCount: m.likeCount,
    adult: m.adult,
    originalLanguage: m.originalLanguage,
    genres: m.genres,
    updatedAt: m.updatedAt,
  };
}

/** Writes movie.upserted (full snapshot, read back inside tx) for each id into the outbox, in one statement. */
export async function recordMoviesUpserted(tx: DbOrTx, ids: number[]): Promise<number> {
  const movies = await findMoviesByIds(tx, ids);
  const events: PendingEvent[] = movies.map((m) => pendingEvent(MovieUpserted, String(m.id), movieSnapshot(m)));
  await recordEvents(tx, events);
  return events.length;
}

export async function recordMovieDeleted(tx: DbOrTx, movie: { id: number; tmdbId: number | null }): Promise<void> {
  await recordEvents(tx, [
    pendingEvent(MovieDeleted, String(movie.id), {
      movieId: movie.id,
      tmdbId: movie.tmdbId,
      deletedAt: new Date().toISOString(),
    }),
  ]);
}
