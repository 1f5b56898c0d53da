import { requireAdmin } from '@marquee/platform-auth';
import { uniqueViolation } from '@marquee/platform-db';
import { conflict, type HttpApp, invalidField, notFound, Type } from '@marquee/platform-http';
import { sql } from 'drizzle-orm';
import { CacheKeys } from '../cache/catalog-cache';
import type { CatalogContext } from '../context';
import { GenreView, listGenres } from '../db/movie-queries';
import { republishMovies } from '../db/movie-writes';
import { slugify } from '../domain/genre-map';
import { ErrorResponse } from './shared';

const Slug = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 });
const Name = Type.String({ minLength: 1, maxLength: 64 });
const TmdbId = Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()]);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
const security = [{ bearerAuth: [] }];

function rethrowGenreConflict(err: unknown): never {
  const c = uniqueViolation(err);
  if (c) {
    const field = c.includes('tmdb_id') ? 'tmdbId' : c.includes('slug') ? 'slug' : 'name';
    throw conflict('GENRE.ALREADY_EXISTS', `Another genre has this ${field}`, [
      { field: `body.${field}`, reason: 'is taken' },
    ]);
  }
  throw err;
}

const GENRE_COLUMNS = sql`id, tmdb_id as "tmdbId", name, slug`;

export function registerGenreRoutes(app: HttpApp, ctx: CatalogContext): void {
  const { database, cache } = ctx;
  // A genre's name or slug is inside every snapshot of its movies: they all change.
  const afterChange = () => cache.invalidate([CacheKeys.genres], [CacheKeys.allLists, CacheKeys.allMovies]);

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
        response: { 201: GenreView, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      const slug = req.body.slug ?? slugify(req.body.name);
      if (!slug) throw invalidField('body.slug', 'cannot be derived from the name; give one');
      const genre = await database.db
        .execute(sql`insert into genres (name, slug, tmdb_id) values (${req.body.name.trim()}, ${slug}, ${req.body.tmdbId ?? null})
          returning ${GENRE_COLUMNS}`)
        .then((r) => r.rows[0] as GenreView)
        .catch(rethrowGenreConflict);
      await afterChange();
      return reply.code(201).send(genre);
    },
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
        response: {
          200: GenreView,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (req) => {
      const { name, slug, tmdbId } = req.body;
      const sets = [
        ...(name !== undefined ? [sql`name = ${name.trim()}`] : []),
        ...(slug !== undefined ? [sql`slug = ${slug}`] : []),
        ...(tmdbId !== undefined ? [sql`tmdb_id = ${tmdbId}`] : []),
        sql`updated_at = now()`,
      ];
      const genre = await database.db
        .transaction(async (tx) => {
          const res = await tx.execute(
            sql`update genres set ${sql.join(sets, sql`, `)} where id = ${req.params.id} returning ${GENRE_COLUMNS}`,
          );
          const row = res.rows[0] as GenreView | undefined;
          if (!row) throw notFound('GENRE.NOT_FOUND', `No genre with id ${req.params.id}`);
          const ids = await tx.execute(
            sql`select movie_id from movie_genres where genre_id = ${row.id} order by movie_id`,
          );
          await republishMovies(
            tx,
            (ids.rows as { movie_id: number }[]).map((r) => r.movie_id),
            { touch: true },
          );
          return row;
        })
        .catch(rethrowGenreConflict);
      await afterChange();
      return genre;
    },
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
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (req, reply) => {
      await database.db.transaction(async (tx) => {
        const ids = await tx.execute(
          sql`select movie_id from movie_genres where genre_id = ${req.params.id} order by movie_id`,
        );
        const res = await tx.execute(sql`delete from genres where id = ${req.params.id} returning id`);
        if (res.rows.length === 0) throw notFound('GENRE.NOT_FOUND', `No genre with id ${req.params.id}`);
        await republishMovies(
          tx,
          (ids.rows as { movie_id: number }[]).map((r) => r.movie_id),
          { touch: true },
        );
      });
      await afterChange();
      return reply.code(204).send();
    },
  );
}
