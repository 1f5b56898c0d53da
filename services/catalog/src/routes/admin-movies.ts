import { requireAdmin } from '@marquee/platform-auth';
import { type HttpApp, Type } from '@marquee/platform-http';
import { CacheKeys } from '../cache/catalog-cache';
import type { CatalogContext } from '../context';
import { MovieView } from '../db/movie-queries';
import { createMovie, deleteMovie, updateMovie } from '../db/movie-writes';
import { ErrorResponse } from './shared';

const N = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const MovieFields = {
  tmdbId: Type.Optional(N(Type.Integer({ minimum: 1, maximum: 2147483647 }))),
  omdbId: Type.Optional(N(Type.String({ pattern: '^tt\\d{7,10}$', description: 'IMDb id as OMDb uses it.' }))),
  originalTitle: Type.Optional(N(Type.String({ minLength: 1, maxLength: 500 }))),
  overview: Type.Optional(N(Type.String({ maxLength: 10000 }))),
  tagline: Type.Optional(N(Type.String({ maxLength: 1000 }))),
  releaseDate: Type.Optional(N(Type.String({ format: 'date' }))),
  runtime: Type.Optional(N(Type.Integer({ minimum: 1, maximum: 2000 }))),
  director: Type.Optional(N(Type.String({ minLength: 1, maxLength: 300 }))),
  mainCast: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50 })),
  tmdbRating: Type.Optional(N(Type.Number({ minimum: 0, maximum: 10 }))),
  tmdbVoteCount: Type.Optional(N(Type.Integer({ minimum: 0, maximum: 2147483647 }))),
  omdbRating: Type.Optional(N(Type.Number({ minimum: 0, maximum: 10 }))),
  posterPath: Type.Optional(N(Type.String({ maxLength: 500 }))),
  backdropPath: Type.Optional(N(Type.String({ maxLength: 500 }))),
  popularityScore: Type.Optional(N(Type.Number({ minimum: 0 }))),
  adult: Type.Optional(Type.Boolean()),
  originalLanguage: Type.Optional(N(Type.String({ pattern: '^[a-z]{2}$' }))),
  genreIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: 30, uniqueItems: true })),
};
const Title = Type.String({ minLength: 1, maxLength: 500 });
const CreateMovieBody = Type.Object({ title: Title, ...MovieFields }, { additionalProperties: false });
const UpdateMovieBody = Type.Object(
  { title: Type.Optional(Title), ...MovieFields },
  { additionalProperties: false, minProperties: 1 },
);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
const security = [{ bearerAuth: [] }];

export function registerAdminMovieRoutes(app: HttpApp, ctx: CatalogContext): void {
  const { database, cache } = ctx;
  const afterChange = (id: number) => cache.invalidate([CacheKeys.movie(id)], [CacheKeys.allLists]);

  app.post(
    '/v1/movies',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Create a movie (admin); publishes movie.upserted',
        security,
        body: CreateMovieBody,
        response: { 201: MovieView, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      const movie = await database.db.transaction((tx) => createMovie(tx, req.body));
      await afterChange(movie.id);
      return reply.code(201).send(movie);
    },
  );

  app.patch(
    '/v1/movies/:id',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Change some fields of a movie (admin); publishes movie.upserted',
        security,
        params: IdParams,
        body: UpdateMovieBody,
        response: {
          200: MovieView,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (req) => {
      const movie = await database.db.transaction((tx) => updateMovie(tx, req.params.id, req.body));
      await afterChange(movie.id);
      return movie;
    },
  );

  app.delete(
    '/v1/movies/:id',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Delete a movie (admin); publishes movie.deleted',
        security,
        params: IdParams,
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (req, reply) => {
      await database.db.transaction((tx) => deleteMovie(tx, req.params.id));
      await afterChange(req.params.id);
      return reply.code(204).send();
    },
  );
}
