import type { Static } from '@marquee/contracts';
import { Nullable, Type } from '@marquee/platform-http';

/** What the API answers for genres and movies; the queries in db/ select exactly these fields. */
export const GenreView = Type.Object({
  id: Type.Integer(),
  tmdbId: Nullable(Type.Integer()),
  name: Type.String(),
  slug: Type.String(),
});
export type GenreView = Static<typeof GenreView>;

export const MovieView = Type.Object({
  id: Type.Integer(),
  tmdbId: Nullable(Type.Integer()),
  movielensId: Nullable(Type.Integer()),
  omdbId: Nullable(Type.String()),
  title: Type.String(),
  originalTitle: Nullable(Type.String()),
  overview: Nullable(Type.String()),
  tagline: Nullable(Type.String()),
  releaseDate: Nullable(Type.String({ format: 'date' })),
  releaseYear: Nullable(Type.Integer()),
  runtime: Nullable(Type.Integer()),
  director: Nullable(Type.String()),
  mainCast: Type.Array(Type.String()),
  tmdbRating: Nullable(Type.Number()),
  tmdbVoteCount: Nullable(Type.Integer()),
  omdbRating: Nullable(Type.Number()),
  ourRating: Nullable(Type.Number()),
  ratingCount: Type.Integer(),
  posterPath: Nullable(Type.String()),
  backdropPath: Nullable(Type.String()),
  popularityScore: Nullable(Type.Number()),
  viewCount: Type.Integer(),
  likeCount: Type.Integer(),
  adult: Type.Boolean(),
  originalLanguage: Nullable(Type.String()),
  genres: Type.Array(GenreView),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type MovieView = Static<typeof MovieView>;
