import { type DbOrTx, intArray, textArray } from '@marquee/platform-db';
import { invalidField } from '@marquee/platform-http';
import { type SQL, sql } from 'drizzle-orm';
import { type Cursor, encodeCursor, type SortKey, type SortOrder } from '../domain/list-query';
import { MOVIE_COLUMNS, type MovieView, toMovieView } from './movie-queries';

/** Sort expressions; each matches an expression index in the init migration, NULLs sorting lowest. */
const SORT_EXPR: Record<SortKey, SQL> = {
  popularity: sql`coalesce(m.popularity_score, -1)`,
  rating: sql`coalesce(m.tmdb_rating, -1)`,
  our_rating: sql`coalesce(m.our_rating, -1)`,
  release_date: sql`coalesce(m.release_date, '0001-01-01'::date)`,
  title: sql`lower(m.title)`,
};

const CURSOR_PARAM: Record<SortKey, (v: number | string) => SQL> = {
  popularity: (v) => sql`${v}::float8`,
  rating: (v) => sql`${v}::float8`,
  our_rating: (v) => sql`${v}::float8`,
  release_date: (v) => sql`${v}::date`,
  title: (v) => sql`${v}::text`,
};

const NUMERIC_SORTS = new Set<SortKey>(['popularity', 'rating', 'our_rating']);

export interface MovieFilters {
  genreIds: number[];
  genreMatch: 'any' | 'all';
  yearFrom?: number;
  yearTo?: number;
  minRating?: number;
  originalLanguage?: string;
  includeAdult: boolean;
}

export interface ListRequest {
  filters: MovieFilters;
  sort: SortKey;
  order: SortOrder;
  limit: number;
  cursor?: Cursor;
}

/** Resolves genre ids and slugs to ids; an unknown one is a 400 naming it. */
export async function resolveGenres(db: DbOrTx, ids: number[], slugs: string[]): Promise<number[]> {
  if (ids.length === 0 && slugs.length === 0) return [];
  const res = await db.execute(
    sql`select id, slug from genres where id = any(${intArray(ids)}) or slug = any(${textArray(slugs)})`,
  );
  const rows = res.rows as { id: number; slug: string }[];
  const unknown = [
    ...ids.filter((id) => !rows.some((r) => r.id === id)).map(String),
    ...slugs.filter((s) => !rows.some((r) => r.slug === s)),
  ];
  if (unknown.length > 0)
    throw invalidField('querystring.genres', `unknown genre ${unknown.map((u) => `"${u}"`).join(', ')}`);
  return [...new Set(rows.map((r) => r.id))];
}

export function filterClauses(f: MovieFilters): SQL[] {
  const where: SQL[] = [];
  if (!f.includeAdult) where.push(sql`not m.adult`);
  if (f.genreIds.length > 0) {
    where.push(
      f.genreMatch === 'all'
        ? sql`(select count(*) from movie_genres mg where mg.movie_id = m.id and mg.genre_id = any(${intArray(f.genreIds)})) = ${f.genreIds.length}`
        : sql`exists (select 1 from movie_genres mg where mg.movie_id = m.id and mg.genre_id = any(${intArray(f.genreIds)}))`,
    );
  }
  if (f.yearFrom !== undefined) where.push(sql`m.release_year >= ${f.yearFrom}::int`);
  if (f.yearTo !== undefined) where.push(sql`m.release_year <= ${f.yearTo}::int`);
  if (f.minRating !== undefined) where.push(sql`m.tmdb_rating >= ${f.minRating}::float8`);
  if (f.originalLanguage !== undefined) where.push(sql`m.original_language = ${f.originalLanguage}`);
  return where;
}

/** One page by keyset over (sort value, id): stable under inserts, no OFFSET scans. */
export async function listMovies(
  db: DbOrTx,
  req: ListRequest,
): Promise<{ items: MovieView[]; nextCursor: string | null }> {
  const expr = SORT_EXPR[req.sort];
  const desc = req.order === 'desc';
  const where = filterClauses(req.filters);
  if (req.cursor) {
    const v = CURSOR_PARAM[req.sort](req.cursor.value);
    where.push(
      desc
        ? sql`(${expr}, m.id) < (${v}, ${req.cursor.id}::int)`
        : sql`(${expr}, m.id) > (${v}, ${req.cursor.id}::int)`,
    );
  }
  const dir = desc ? sql`desc` : sql`asc`;
  const whereSql = where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``;
  // Page ids first over the sort index, then the columns and genres for just those rows.
  const res = await db.execute(sql`
    with page as (select m.id, ${expr} as sort_value from movies m ${whereSql} order by ${expr} ${dir}, m.id ${dir} limit ${req.limit + 1})
    select ${MOVIE_COLUMNS}, page.sort_value::text as "sortText" from page join movies m on m.id = page.id
    order by page.sort_value ${dir}, page.id ${dir}`);
  const rows = res.rows as ({ sortText: string } & Record<string, unknown>)[];
  const items = rows.slice(0, req.limit).map(({ sortText: _s, ...r }) => toMovieView(r));
  const lastRow = rows[req.limit - 1];
  // The cursor carries the database's own sort value, so collation and float text round-trip exactly.
  const nextCursor =
    rows.length > req.limit && lastRow
      ? encodeCursor({
          sort: req.sort,
          order: req.order,
          value: NUMERIC_SORTS.has(req.sort) ? Number(lastRow.sortText) : lastRow.sortText,
          id: lastRow.id as number,
        })
      : null;
  return { items, nextCursor };
}
