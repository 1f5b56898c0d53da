import type { MovieSnapshot, Static } from '@marquee/contracts';

/**
 * A movie.upserted snapshot as the catalog would publish it for a movie with nothing known but its id
 * (title `Movie <id>`, every optional field null, no genres); a test overrides the fields it is about.
 */
export function movieSnapshot(
  movieId: number,
  overrides: Partial<Static<typeof MovieSnapshot>> = {},
): Static<typeof MovieSnapshot> {
  return {
    movieId,
    tmdbId: null,
    omdbId: null,
    title: `Movie ${movieId}`,
    originalTitle: null,
    overview: null,
    tagline: null,
    releaseDate: null,
    runtime: null,
    director: null,
    mainCast: [],
    tmdbRating: null,
    tmdbVoteCount: null,
    omdbRating: null,
    ourRating: null,
    posterPath: null,
    backdropPath: null,
    popularityScore: null,
    viewCount: 0,
    likeCount: 0,
    adult: false,
    originalLanguage: null,
    genres: [],
    updatedAt: new Date().toISOString(),
    ...overrides,
  };
}
