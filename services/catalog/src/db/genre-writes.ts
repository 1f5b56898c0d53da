import type { DbOrTx, Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import type { GenreView } from '../routes/views';

const GENRE_COLUMNS = sql`id, tmdb_id as "tmdbId", name, slug`;

export interface GenreFields {
  name?: string;
  slug?: string;
  tmdbId?: number | null;
}

export async function insertGenre(db: DbOrTx, g: Required<GenreFields>): Promise<GenreView> {
  const res = await db.execute(
    sql`insert into genres (name, slug, tmdb_id) values (${g.name}, ${g.slug}, ${g.tmdbId}) returning ${GENRE_COLUMNS}`,
  );
  return res.rows[0] as GenreView;
}

/** Applies the given fields; undefined when there is no such genre. */
export async function changeGenre(tx: Tx, id: number, g: GenreFields): Promise<GenreView | undefined> {
  const sets = [
    ...(g.name !== undefined ? [sql`name = ${g.name}`] : []),
    ...(g.slug !== undefined ? [sql`slug = ${g.slug}`] : []),
    ...(g.tmdbId !== undefined ? [sql`tmdb_id = ${g.tmdbId}`] : []),
    sql`updated_at = now()`,
  ];
  const res = await tx.execute(
    sql`update genres set ${sql.join(sets, sql`, `)} where id = ${id} returning ${GENRE_COLUMNS}`,
  );
  return res.rows[0] as GenreView | undefined;
}

/** False when there is no such genre. */
export async function removeGenre(tx: Tx, id: number): Promise<boolean> {
  const res = await tx.execute(sql`delete from genres where id = ${id} returning id`);
  return res.rows.length > 0;
}

export async function movieIdsOfGenre(tx: Tx, genreId: number): Promise<number[]> {
  const res = await tx.execute(sql`select movie_id from movie_genres where genre_id = ${genreId} order by movie_id`);
  return (res.rows as { movie_id: number }[]).map((r) => r.movie_id);
}
