import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** One MovieLens rating: half stars 0.5–5, a Unix time in seconds. */
export interface MovielensRating {
  userId: number;
  movieId: number;
  stars: number;
  timestamp: number;
}

/** `userId,movieId,rating,timestamp` → a rating, or undefined for the header or a broken line. */
export function parseRatingLine(line: string): MovielensRating | undefined {
  const [u, m, r, t] = line.split(',');
  const rating = { userId: Number(u), movieId: Number(m), stars: Number(r), timestamp: Number(t) };
  const ok =
    Number.isInteger(rating.userId) &&
    rating.userId > 0 &&
    Number.isInteger(rating.movieId) &&
    rating.movieId > 0 &&
    rating.stars >= 0.5 &&
    rating.stars <= 5 &&
    Number.isInteger(rating.timestamp);
  return ok ? rating : undefined;
}

/** Marquee ratings are whole stars 1–5: half stars round up (0.5 → 1, 3.5 → 4). */
export function toWholeStars(stars: number): number {
  return Math.min(5, Math.max(1, Math.ceil(stars)));
}

/** One MovieLens rating as a row of the admin bulk import: whole stars, its original time, source web. */
export function ratingImportRow(r: MovielensRating, userId: string | undefined, movieId: number) {
  return {
    userId,
    movieId,
    type: 'rating',
    rating: toWholeStars(r.stars),
    source: 'web',
    at: new Date(r.timestamp * 1000).toISOString(),
  };
}

export async function readRatings(dataDir: string): Promise<MovielensRating[]> {
  const text = await readFile(path.join(dataDir, 'movielens-small', 'ratings.csv'), 'utf8');
  return text.split('\n').flatMap((line) => parseRatingLine(line.trim()) ?? []);
}

/** The demo account of MovieLens user n. */
export function demoAccount(n: number, emailDomain: string) {
  return {
    username: `movielens_${n}`,
    email: `user${n}@${emailDomain}`,
    firstName: 'MovieLens',
    lastName: `User ${n}`,
  };
}
