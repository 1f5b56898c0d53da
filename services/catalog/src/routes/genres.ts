import { requireAdmin } from '@marquee/platform-auth';
import { errors, type HttpApp, Type } from '@marquee/platform-http';
import { CacheKeys } from '../cache/catalog-cache';
import type { CatalogContext } from '../context';
import { listGenres } from '../db/movie-queries';
import { createGenre, deleteGenre, updateGenre } from '../genres/edit-genre';
import { GenreView } from './views';

const Slug = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 });
const Name = Type.String({ minLength: 1, maxLength: 64 });
const TmdbId = Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()]);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
const security = [{ bearerAuth: [] }];

export function registerGenreRoutes(app: HttpApp, ctx: CatalogContext): void {
  const { database, cache } = ctx;

  app.get(
    '/v1/genres',
    {
      schema: {
        tags: ['genres'],
        summary: 'Every genre, by name',
        response: { 200: Type.Object({ items: Type.Array(GenreView) }) },
      },
    },
    async () => ({ items: await cache.get(CacheKeys.genres, () => listGenres(database.db)) }),
  );

  app.post(
    '/v1/genres',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Create a genre (admin)',
        security,
        body: Type.Object(
          { name: Name, slug: Type.Optional(Slug), tmdbId: Type.Optional(TmdbId) },
          { additionalProperties: false },
        ),
        response: { 201: GenreView, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createGenre(ctx, req.body)),
  );

  app.patch(
    '/v1/genres/:id',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: "Rename a genre (admin); republishes its movies' snapshots",
        security,
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Name), slug: Type.Optional(Slug), tmdbId: Type.Optional(TmdbId) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: GenreView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => updateGenre(ctx, req.params.id, req.body),
  );

  app.delete(
    '/v1/genres/:id',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: "Delete a genre (admin); republishes its movies' snapshots without it",
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await deleteGenre(ctx, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
