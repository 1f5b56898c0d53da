import { requireAdmin } from '@marquee/platform-auth';
import { errors, type HttpApp, Nullable, Type } from '@marquee/platform-http';
import type { CatalogContext } from '../context';
import { createMovie, deleteMovie, updateMovie } from '../movies/edit-movie';
import { MovieView } from './views';

const MovieFields = {
  tmdbId: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 2147483647 }))),
  omdbId: Type.Optional(Nullable(Type.String({ pattern: '^tt\\d{7,10}$', description: 'IMDb id as OMDb uses it.' }))),
  originalTitle: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 500 }))),
  overview: Type.Optional(Nullable(Type.String({ maxLength: 10000 }))),
  tagline: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  releaseDate: Type.Optional(Nullable(Type.String({ format: 'date' }))),
  runtime: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 2000 }))),
  director: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300 }))),
  mainCast: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50 })),
  tmdbRating: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 10 }))),
  tmdbVoteCount: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 2147483647 }))),
  omdbRating: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 10 }))),
  posterPath: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  backdropPath: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  popularityScore: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
  adult: Type.Optional(Type.Boolean()),
  originalLanguage: Type.Optional(Nullable(Type.String({ pattern: '^[a-z]{2}$' }))),
  genreIds: Type.Optional(
    Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: 30, uniqueItems: true }),
  ),
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
  app.post(
    '/v1/movies',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Create a movie (admin); publishes movie.upserted',
        security,
        body: CreateMovieBody,
        response: { 201: MovieView, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createMovie(ctx, req.body)),
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
        response: { 200: MovieView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => updateMovie(ctx, req.params.id, req.body),
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
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await deleteMovie(ctx, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
