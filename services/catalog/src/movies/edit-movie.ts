import { conflict, invalidField, notFound } from '@marquee/platform-http';
import { CacheKeys } from '../cache/catalog-cache';
import type { CatalogContext } from '../context';
import { changeMovie, insertMovie, type MovieInput, MovieWriteRefused, removeMovie } from '../db/movie-writes';
import type { MovieView } from '../routes/views';

/** A refused write in the API's terms, naming the request field. */
function asHttpError(err: unknown): never {
  if (!(err instanceof MovieWriteRefused)) throw err;
  switch (err.reason) {
    case 'not-found':
      throw notFound('MOVIE.NOT_FOUND', err.message);
    case 'tmdb-id-taken':
      throw conflict('MOVIE.TMDB_ID_TAKEN', err.message, [{ field: 'body.tmdbId', reason: 'is taken' }]);
    case 'unknown-genres':
      throw invalidField('body.genreIds', err.message);
  }
}

const afterChange = (ctx: CatalogContext, id: number) =>
  ctx.cache.invalidate([CacheKeys.movie(id)], [CacheKeys.allLists]);

/** An admin adds a movie: row, genres and movie.upserted in one transaction, then the cache forgets lists. */
export async function createMovie(ctx: CatalogContext, input: MovieInput & { title: string }): Promise<MovieView> {
  const movie = await ctx.database.db.transaction((tx) => insertMovie(tx, input)).catch(asHttpError);
  await afterChange(ctx, movie.id);
  return movie;
}

/** An admin changes some fields of a movie; its snapshot goes out as movie.upserted. */
export async function updateMovie(ctx: CatalogContext, id: number, input: MovieInput): Promise<MovieView> {
  const movie = await ctx.database.db.transaction((tx) => changeMovie(tx, id, input)).catch(asHttpError);
  await afterChange(ctx, id);
  return movie;
}

/** An admin deletes a movie; movie.deleted goes out. */
export async function deleteMovie(ctx: CatalogContext, id: number): Promise<void> {
  await ctx.database.db.transaction((tx) => removeMovie(tx, id)).catch(asHttpError);
  await afterChange(ctx, id);
}
