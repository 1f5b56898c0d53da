import type { InteractionRecorded, MovieUpserted, Static, UserRegistered } from '@marquee/contracts';
import { interactionRecorded } from '@marquee/platform-testing/interactions';
import { movieSnapshot } from '@marquee/platform-testing/movies';

/** Event payloads for tests and the benchmark (no test-runner imports, so the benchmark can use them). */
const GENRES = [
  { id: 1, tmdbId: 28, name: 'Action', slug: 'action' },
  { id: 2, tmdbId: 35, name: 'Comedy', slug: 'comedy' },
  { id: 3, tmdbId: 18, name: 'Drama', slug: 'drama' },
];

export function movie(movieId: number, genre: 0 | 1 | 2, extra: Partial<Static<typeof MovieUpserted.schema>> = {}) {
  return movieSnapshot(movieId, {
    overview: `A ${GENRES[genre]!.name.toLowerCase()} story number ${movieId}`,
    releaseDate: '2001-01-01',
    runtime: 100,
    director: `Director ${genre}`,
    originalLanguage: 'en',
    genres: [GENRES[genre]!],
    ...extra,
  });
}

export function user(userId: string, favoriteGenres: number[]): Static<typeof UserRegistered.schema> {
  return {
    userId,
    username: 'u',
    email: 'u@example.com',
    firstName: 'U',
    lastName: 'V',
    isActive: true,
    isStaff: false,
    isPremium: false,
    preferredLanguage: 'en',
    timezone: 'UTC',
    country: null,
    deviceToken: null,
    deviceType: null,
    favoriteGenres,
    dateJoined: new Date().toISOString(),
  };
}

export function interaction(
  userId: string,
  movieId: number,
  interactionType: 'like' | 'rating' | 'dislike' | 'view',
  rating: number | null = null,
): Static<typeof InteractionRecorded.schema> {
  return interactionRecorded(userId, movieId, { interactionType, rating });
}
