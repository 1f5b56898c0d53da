import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseCsv } from '../domain/csv';
import type { TmdbMovieFields } from '../domain/tmdb-movie';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** MARQUEE_DATA_DIR, else <repo>/../shared/datasets when it exists, else undefined (download instead). */
export function resolveDataDir(configured: string): string | undefined {
  if (configured) return configured;
  const shared = path.resolve(repoRoot, '../shared/datasets');
  return existsSync(shared) ? shared : undefined;
}

export function hasMovielens(dir: string | undefined): dir is string {
  return (
    !!dir &&
    existsSync(path.join(dir, 'movielens-small/movies.csv')) &&
    existsSync(path.join(dir, 'movielens-small/links.csv'))
  );
}

export interface MovielensMovie {
  movieId: number;
  title: string;
  genres: string;
  imdbId: string | null;
  tmdbId: number | null;
}

/** TMDb metadata line of tmdb-metadata/movies.jsonl.gz (see its README). */
export interface TmdbRecord extends TmdbMovieFields {
  movieId: number;
  tmdb_id: number | null;
  title: string | null;
  genres: { id: number; name: string }[] | null;
  director: string | null;
  cast: string[] | null;
  adult: boolean | null;
}

export interface Dataset {
  movies: MovielensMovie[];
  /** By MovieLens id; empty when the data set has no TMDb metadata (the downloaded MovieLens zip). */
  tmdb: Map<number, TmdbRecord>;
  tmdbGenres: { tmdbId: number; name: string }[];
}

export async function readDataset(dir: string): Promise<Dataset> {
  const ml = path.join(dir, 'movielens-small');
  const links = new Map(
    parseCsv(await readFile(path.join(ml, 'links.csv'), 'utf8'), path.join(ml, 'links.csv')).map((r) => [
      Number(r.movieId),
      { imdbId: r.imdbId ? `tt${r.imdbId.padStart(7, '0')}` : null, tmdbId: r.tmdbId ? Number(r.tmdbId) : null },
    ]),
  );
  const movies = parseCsv(await readFile(path.join(ml, 'movies.csv'), 'utf8'), path.join(ml, 'movies.csv')).map((r) => {
    const movieId = Number(r.movieId);
    const link = links.get(movieId);
    return {
      movieId,
      title: r.title ?? '',
      genres: r.genres ?? '',
      imdbId: link?.imdbId ?? null,
      tmdbId: link?.tmdbId ?? null,
    };
  });
  const tmdb = new Map<number, TmdbRecord>();
  let tmdbGenres: Dataset['tmdbGenres'] = [];
  const meta = path.join(dir, 'tmdb-metadata');
  if (existsSync(path.join(meta, 'movies.jsonl.gz'))) {
    const text = gunzipSync(await readFile(path.join(meta, 'movies.jsonl.gz'))).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const rec = JSON.parse(line) as TmdbRecord;
      tmdb.set(rec.movieId, rec);
    }
  }
  if (existsSync(path.join(meta, 'genres.csv'))) {
    tmdbGenres = parseCsv(await readFile(path.join(meta, 'genres.csv'), 'utf8'), path.join(meta, 'genres.csv')).map(
      (r) => ({
        tmdbId: Number(r.id),
        name: r.name ?? '',
      }),
    );
  }
  return { movies, tmdb, tmdbGenres };
}
