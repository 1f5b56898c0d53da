import { errors, type HttpApp, invalidField, notFound, Type } from '@marquee/platform-http';
import { CacheKeys } from '../cache/catalog-cache';
import type { CatalogContext } from '../context';
import { type ListRequest, listMovies, resolveGenres } from '../db/list-movies';
import { findMovie } from '../db/movie-queries';
import { decodeCursor, defaultOrder, parseGenreTerms, SORTS, type SortKey } from '../domain/list-query';
import { rejectUnknownQueryKeys } from './shared';
import { MovieView } from './views';

const ListQuery = Type.Object({
  genres: Type.Optional(Type.String({ maxLength: 500, description: 'Comma-separated genre ids or slugs.' })),
  genre_match: Type.Optional(
    Type.Union([Type.Literal('any'), Type.Literal('all')], {
      description: 'Match any (default) or all listed genres.',
    }),
  ),
  year_from: Type.Optional(
    Type.Integer({ minimum: 1870, maximum: 2100, description: 'Earliest release year (inclusive).' }),
  ),
  year_to: Type.Optional(
    Type.Integer({ minimum: 1870, maximum: 2100, description: 'Latest release year (inclusive).' }),
  ),
  min_rating: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'Minimum TMDb rating.' })),
  original_language: Type.Optional(Type.String({ pattern: '^[a-z]{2}$', description: 'ISO 639-1 code, e.g. en.' })),
  include_adult: Type.Optional(Type.Boolean({ default: false, description: 'Adult titles are excluded unless true.' })),
  sort: Type.Optional(
    Type.Union(
      SORTS.map((s) => Type.Literal(s)),
      { description: 'Sort key (default popularity).' },
    ),
  ),
  order: Type.Optional(
    Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'Default desc, asc for title.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, at most 100.' })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page.' })),
});

const MovieList = Type.Object({ items: Type.Array(MovieView), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export function registerMovieRoutes(app: HttpApp, ctx: CatalogContext): void {
  const { database, cache } = ctx;

  app.get(
    '/v1/movies',
    {
      preValidation: rejectUnknownQueryKeys(Object.keys(ListQuery.properties)),
      schema: {
        tags: ['movies'],
        summary: 'List movies with filters, sorting and cursor pagination',
        querystring: ListQuery,
        response: { 200: MovieList, ...errors(400) },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.year_from !== undefined && q.year_to !== undefined && q.year_from > q.year_to) {
        throw invalidField('querystring.year_from', `must not be after year_to (${q.year_to})`);
      }
      const sort: SortKey = q.sort ?? 'popularity';
      const order = q.order ?? defaultOrder(sort);
      const terms = parseGenreTerms(q.genres);
      const request: ListRequest = {
        filters: {
          genreIds: await resolveGenres(database.db, terms.ids, terms.slugs),
          genreMatch: q.genre_match ?? 'any',
          yearFrom: q.year_from,
          yearTo: q.year_to,
          minRating: q.min_rating,
          originalLanguage: q.original_language,
          includeAdult: q.include_adult ?? false,
        },
        sort,
        order,
        limit: q.limit ?? 20,
        ...(q.cursor ? { cursor: decodeCursor(q.cursor, sort, order) } : {}),
      };
      if (request.cursor) return listMovies(database.db, request);
      // First pages are the hot ones (home page, genre pages); later pages go to the database.
      const key = CacheKeys.list(JSON.stringify([request.filters, sort, order, request.limit]));
      return cache.get(key, () => listMovies(database.db, request));
    },
  );

  app.get(
    '/v1/movies/:id',
    {
      schema: {
        tags: ['movies'],
        summary: 'One movie with its genres',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        response: { 200: MovieView, ...errors(400, 404) },
      },
    },
    async (req, reply) => {
      // The cached JSON text goes out as it is: a hit costs a Redis GET, not a parse and a re-serialisation.
      const body = await cache.getSerialized(CacheKeys.movie(req.params.id), () =>
        findMovie(database.db, req.params.id),
      );
      if (!body) throw notFound('MOVIE.NOT_FOUND', `No movie with id ${req.params.id}`);
      // A string payload is sent without the schema serializer; it was serialised from a MovieView.
      return reply.type('application/json; charset=utf-8').send(body as unknown as MovieView);
    },
  );
}
