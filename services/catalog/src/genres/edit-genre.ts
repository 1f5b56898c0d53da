import { uniqueViolation } from '@marquee/platform-db';
import { conflict, invalidField, notFound } from '@marquee/platform-http';
import { CacheKeys } from '../cache/catalog-cache';
import type { CatalogContext } from '../context';
import { changeGenre, type GenreFields, insertGenre, movieIdsOfGenre, removeGenre } from '../db/genre-writes';
import { republishMovies } from '../db/movie-writes';
import { slugify } from '../domain/genre-map';
import type { GenreView } from '../routes/views';

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

const noSuchGenre = (id: number) => notFound('GENRE.NOT_FOUND', `No genre with id ${id}`);

// A genre's name or slug is inside every snapshot of its movies: they all change.
const afterChange = (ctx: CatalogContext) =>
  ctx.cache.invalidate([CacheKeys.genres], [CacheKeys.allLists, CacheKeys.allMovies]);

/** An admin adds a genre; the slug is derived from the name unless given. */
export async function createGenre(
  ctx: CatalogContext,
  input: { name: string; slug?: string; tmdbId?: number | null },
): Promise<GenreView> {
  const slug = input.slug ?? slugify(input.name);
  if (!slug) throw invalidField('body.slug', 'cannot be derived from the name; give one');
  const genre = await insertGenre(ctx.database.db, {
    name: input.name.trim(),
    slug,
    tmdbId: input.tmdbId ?? null,
  }).catch(rethrowGenreConflict);
  await afterChange(ctx);
  return genre;
}

/** An admin renames a genre; every movie of it is republished with the new name. */
export async function updateGenre(ctx: CatalogContext, id: number, input: GenreFields): Promise<GenreView> {
  const genre = await ctx.database.db
    .transaction(async (tx) => {
      const row = await changeGenre(tx, id, { ...input, name: input.name?.trim() });
      if (!row) throw noSuchGenre(id);
      await republishMovies(tx, await movieIdsOfGenre(tx, id), { touch: true });
      return row;
    })
    .catch(rethrowGenreConflict);
  await afterChange(ctx);
  return genre;
}

/** An admin deletes a genre; its movies are republished without it. */
export async function deleteGenre(ctx: CatalogContext, id: number): Promise<void> {
  await ctx.database.db.transaction(async (tx) => {
    const movieIds = await movieIdsOfGenre(tx, id);
    if (!(await removeGenre(tx, id))) throw noSuchGenre(id);
    await republishMovies(tx, movieIds, { touch: true });
  });
  await afterChange(ctx);
}
