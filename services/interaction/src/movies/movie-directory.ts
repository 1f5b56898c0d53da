import { AppError } from '@marquee/platform-http';
import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { sql } from 'drizzle-orm';

const NEGATIVE_TTL_MS = 30_000;
const NEGATIVE_MAX = 10_000;

export interface MovieDirectory {
  /**
   * For a movie not in known_movies yet (its movie.upserted still on the way): asks the catalog, and
   * projects it when it exists. 503 CATALOG.UNAVAILABLE when the catalog cannot say.
   */
  confirm(movieId: number): Promise<boolean>;
}

/** Catalog HTTP fallback with a short memory of misses, so repeated unknown ids do not each cost a call. */
export function createMovieDirectory(opts: {
  database: Database;
  catalogUrl: string;
  timeoutMs: number;
  logger: Logger;
}): MovieDirectory {
  const base = opts.catalogUrl.replace(/\/$/, '');
  const misses = new Map<number, number>();
  return {
    async confirm(movieId) {
      const missedAt = misses.get(movieId);
      if (missedAt !== undefined && Date.now() - missedAt < NEGATIVE_TTL_MS) return false;
      let res: Response;
      try {
        res = await fetch(`${base}/v1/movies/${movieId}`, { signal: AbortSignal.timeout(opts.timeoutMs) });
      } catch (err) {
        opts.logger.warn({ err, movieId }, 'catalog fallback failed');
        throw new AppError(
          503,
          'CATALOG.UNAVAILABLE',
          'Cannot check the movie with the catalog right now; retry shortly',
        );
      }
      if (res.status === 404) {
        await res.body?.cancel();
        if (misses.size >= NEGATIVE_MAX) misses.clear();
        misses.set(movieId, Date.now());
        return false;
      }
      if (!res.ok) {
        await res.body?.cancel();
        opts.logger.warn({ movieId, status: res.status }, 'catalog fallback answered an error');
        throw new AppError(
          503,
          'CATALOG.UNAVAILABLE',
          'Cannot check the movie with the catalog right now; retry shortly',
        );
      }
      const movie = (await res.json()) as { id: number; tmdbId: number | null };
      await opts.database.db.execute(sql`
        insert into known_movies (movie_id, tmdb_id) values (${movie.id}, ${movie.tmdbId}) on conflict (movie_id) do nothing`);
      misses.delete(movieId);
      return true;
    },
  };
}
