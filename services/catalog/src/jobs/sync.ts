import type { Database, Tx } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { sql } from 'drizzle-orm';
import { findMovie } from '../db/movie-queries';
import type { MovieView } from '../routes/views';
import { changeMovie, insertMovie, type MovieInput } from '../db/movie-writes';
import { slugify } from '../domain/genre-map';
import type { OmdbClient } from '../sync/omdb-client';
import type { TmdbClient, TmdbMovieDetails } from '../sync/tmdb-client';

export interface SyncRequest {
  /** Pages of /3/movie/popular to fetch; popular movies not in the catalog yet are added. */
  popularPages?: number;
  /** Refresh catalog movies TMDb lists as changed since this date (YYYY-MM-DD). */
  changesSince?: string;
  /** Refresh these TMDb ids. */
  tmdbIds?: number[];
  /** Fetch OMDb ratings for up to this many movies (synced ones first, then the most popular without one). */
  omdbLimit?: number;
}

export interface SyncSummary {
  genres: number;
  inserted: number;
  updated: number;
  unchanged: number;
  omdbUpdated: number;
  failed: number;
}

const clean = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

/** TMDb details → the catalog's writable fields. */
export function fromTmdb(d: TmdbMovieDetails, genreIdByTmdbId: Map<number, number>): MovieInput & { title: string } {
  const cast = [...(d.credits?.cast ?? [])]
    .sort((a, b) => a.order - b.order)
    .slice(0, 10)
    .map((c) => c.name);
  return {
    tmdbId: d.id,
    ...(clean(d.imdb_id) ? { omdbId: clean(d.imdb_id) } : {}),
    title: d.title,
    originalTitle: clean(d.original_title),
    overview: clean(d.overview),
    tagline: clean(d.tagline),
    releaseDate: /^\d{4}-\d{2}-\d{2}$/.test(d.release_date ?? '') ? d.release_date : null,
    runtime: d.runtime && d.runtime > 0 ? d.runtime : null,
    director: d.credits?.crew.find((c) => c.job === 'Director')?.name ?? null,
    mainCast: cast,
    tmdbRating: d.vote_average ?? null,
    tmdbVoteCount: d.vote_count ?? null,
    posterPath: clean(d.poster_path),
    backdropPath: clean(d.backdrop_path),
    popularityScore: d.popularity ?? null,
    adult: d.adult,
    originalLanguage: clean(d.original_language),
    genreIds: d.genres.flatMap((g) => (genreIdByTmdbId.has(g.id) ? [genreIdByTmdbId.get(g.id) as number] : [])),
  };
}

/** True when applying input would change the stored movie (so unchanged movies publish nothing). */
function differs(current: MovieView, input: MovieInput): boolean {
  for (const [key, value] of Object.entries(input)) {
    if (key === 'genreIds') {
      const now = current.genres.map((g) => g.id).sort((a, b) => a - b);
      if (JSON.stringify(now) !== JSON.stringify([...(value as number[])].sort((a, b) => a - b))) return true;
    } else if (JSON.stringify(current[key as keyof MovieView]) !== JSON.stringify(value)) return true;
  }
  return false;
}

async function syncGenres(tx: Tx, tmdb: TmdbClient): Promise<number> {
  const list = await tmdb.genres();
  for (const g of list) {
    await tx.execute(sql`insert into genres (tmdb_id, name, slug) values (${g.id}, ${g.name}, ${slugify(g.name)})
      on conflict (tmdb_id) do update set name = excluded.name, slug = excluded.slug, updated_at = now()
      where (genres.name, genres.slug) is distinct from (excluded.name, excluded.slug)`);
  }
  return list.length;
}

/**
 * Refreshes the catalog from TMDb (genres, then the requested movies) and OMDb ratings. Each movie is
 * its own transaction with its movie.upserted event; an upstream failure on one movie is logged and
 * counted, not fatal. Clients are only passed in when their key is configured.
 */
export async function syncCatalog(
  deps: {
    database: Database;
    logger: Logger;
    tmdb?: TmdbClient;
    omdb?: OmdbClient;
    /** Called after each movie of a phase ('tmdb' movies, then 'omdb' ratings) with done and total. */
    progress?: (phase: 'tmdb' | 'omdb', done: number, total: number) => void;
  },
  req: SyncRequest,
): Promise<SyncSummary & { touched: number[] }> {
  const { database, logger, tmdb, omdb } = deps;
  const progress = deps.progress ?? (() => {});
  const summary: SyncSummary = { genres: 0, inserted: 0, updated: 0, unchanged: 0, omdbUpdated: 0, failed: 0 };
  const touched: number[] = [];
  if (tmdb) {
    summary.genres = await database.db.transaction((tx) => syncGenres(tx, tmdb));
    const rows = (await database.db.execute(sql`select id, tmdb_id as "tmdbId" from genres where tmdb_id is not null`))
      .rows as { id: number; tmdbId: number }[];
    const genreIdByTmdbId = new Map(rows.map((r) => [r.tmdbId, r.id]));
    const ids = new Set(req.tmdbIds ?? []);
    const addNew = new Set<number>(req.tmdbIds ?? []);
    for (let page = 1; page <= (req.popularPages ?? 0); page++) {
      const res = await tmdb.popular(page);
      for (const m of res.results) {
        ids.add(m.id);
        addNew.add(m.id);
      }
      if (page >= res.total_pages) break;
    }
    if (req.changesSince) {
      for (let page = 1; ; page++) {
        const res = await tmdb.changes(page, req.changesSince);
        const changed = res.results.map((r) => r.id);
        const known = (
          await database.db.execute(
            sql`select tmdb_id as "tmdbId" from movies where tmdb_id = any(${`{${changed.join(',')}}`}::int[])`,
          )
        ).rows as { tmdbId: number }[];
        for (const k of known) ids.add(k.tmdbId);
        if (page >= res.total_pages) break;
      }
    }
    let done = 0;
    progress('tmdb', 0, ids.size);
    for (const tmdbId of ids) {
      try {
        const input = fromTmdb(await tmdb.movie(tmdbId), genreIdByTmdbId);
        const outcome = await database.db.transaction(async (tx) => {
          const existing = (await tx.execute(sql`select id from movies where tmdb_id = ${tmdbId} for update`))
            .rows[0] as { id: number } | undefined;
          if (!existing) {
            if (!addNew.has(tmdbId)) return 'unchanged' as const;
            touched.push((await insertMovie(tx, input)).id);
            return 'inserted' as const;
          }
          const current = (await findMovie(tx, existing.id)) as MovieView;
          touched.push(existing.id);
          if (!differs(current, input)) return 'unchanged' as const;
          await changeMovie(tx, existing.id, input);
          return 'updated' as const;
        });
        summary[outcome] += 1;
      } catch (err) {
        summary.failed += 1;
        logger.warn({ err, tmdbId }, 'TMDb sync of a movie failed; continuing');
      }
      progress('tmdb', ++done, ids.size);
    }
  }
  if (omdb && (req.omdbLimit ?? 0) > 0) {
    const candidates = (
      await database.db.execute(sql`select id, omdb_id as "omdbId" from movies where omdb_id is not null
        order by (id = any(${`{${touched.join(',')}}`}::int[])) desc, (omdb_rating is null) desc, coalesce(popularity_score, -1) desc, id
        limit ${req.omdbLimit}`)
    ).rows as { id: number; omdbId: string }[];
    progress('omdb', 0, candidates.length);
    for (const [i, c] of candidates.entries()) {
      try {
        const rating = await omdb.rating(c.omdbId);
        const changed = await database.db.transaction(async (tx) => {
          const current = (await findMovie(tx, c.id)) as MovieView;
          if (current.omdbRating === rating) return false;
          await changeMovie(tx, c.id, { omdbRating: rating });
          return true;
        });
        if (changed) summary.omdbUpdated += 1;
      } catch (err) {
        summary.failed += 1;
        logger.warn({ err, movieId: c.id }, 'OMDb rating sync failed; continuing');
      }
      progress('omdb', i + 1, candidates.length);
    }
  }
  return { ...summary, touched };
}
