import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import type { ItemMeta } from '../domain/content-based';

export type MovieLensFormat = 'ml-latest-small (ratings.csv)' | 'ml-100k (u.data)' | 'ml-1m (ratings.dat)';

/** Ratings with users and items renumbered densely in order of first appearance. */
export interface RatingsData {
  format: MovieLensFormat;
  path: string;
  users: number;
  items: number;
  user: Int32Array;
  item: Int32Array;
  rating: Float32Array;
  time: Float64Array;
  /** Original MovieLens movie id of each dense item. */
  movieIds: Int32Array;
  /** Genres and year per item when a movie file sits beside the ratings (movies.csv, movies.dat, u.item). */
  meta: (ItemMeta | null)[] | null;
}

const RATING_FILES = ['ratings.csv', 'ratings.dat', 'u.data'];

/** Accepts a ratings file or a folder holding one; the format is recognised from the content, not the name. */
export function readMovieLens(path: string): RatingsData {
  let file = path;
  if (statSync(path).isDirectory()) {
    const found = RATING_FILES.map((f) => join(path, f)).find((f) => existsSync(f));
    if (!found) throw new Error(`no ${RATING_FILES.join(', ')} in ${path}`);
    file = found;
  }
  const text = readFileSync(file, 'utf8');
  const firstLine = text.slice(0, text.indexOf('\n'));
  const format: MovieLensFormat = firstLine.includes('::')
    ? 'ml-1m (ratings.dat)'
    : firstLine.includes('\t')
      ? 'ml-100k (u.data)'
      : firstLine.includes(',')
        ? 'ml-latest-small (ratings.csv)'
        : (() => {
            throw new Error(`${file}: not a MovieLens ratings file (expected CSV, tab or :: separated lines)`);
          })();
  const separator = format.startsWith('ml-1m') ? '::' : format.startsWith('ml-100k') ? '\t' : ',';
  const userIds = new Map<string, number>();
  const movieIds = new Map<number, number>();
  const user: number[] = [];
  const item: number[] = [];
  const rating: number[] = [];
  const time: number[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('userId')) continue;
    const [u, m, r, t] = line.split(separator);
    const movie = Number(m);
    if (u === undefined || !Number.isInteger(movie) || t === undefined) throw new Error(`${file}: bad line "${line}"`);
    if (!userIds.has(u)) userIds.set(u, userIds.size);
    if (!movieIds.has(movie)) movieIds.set(movie, movieIds.size);
    user.push(userIds.get(u)!);
    item.push(movieIds.get(movie)!);
    rating.push(Number(r));
    time.push(Number(t));
  }
  const ids = Int32Array.from(movieIds.keys());
  return {
    format,
    path: file,
    users: userIds.size,
    items: movieIds.size,
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    rating: Float32Array.from(rating),
    time: Float64Array.from(time),
    movieIds: ids,
    meta: withTmdb(readMovieMeta(dirname(file), basename(file), movieIds), dirname(file), movieIds),
  };
}

/**
 * In the bundled layout (movielens-small/ beside tmdb-metadata/) the TMDb snapshot adds what the catalog
 * sends the service: director, cast, overview and language.
 */
function withTmdb(
  meta: (ItemMeta | null)[] | null,
  dir: string,
  movieIds: Map<number, number>,
): (ItemMeta | null)[] | null {
  const file = join(dir, '..', 'tmdb-metadata', 'movies.jsonl.gz');
  if (!meta || !existsSync(file)) return meta;
  for (const line of gunzipSync(readFileSync(file)).toString('utf8').split('\n')) {
    if (!line) continue;
    const m = JSON.parse(line) as {
      movieId: number;
      director?: string | null;
      cast?: string[];
      overview?: string | null;
      original_language?: string | null;
    };
    const at = movieIds.get(m.movieId);
    const base = at === undefined ? null : meta[at];
    if (!base || at === undefined) continue;
    meta[at] = {
      ...base,
      director: m.director ?? null,
      cast: m.cast ?? [],
      overview: m.overview ?? null,
      language: m.original_language ?? null,
    };
  }
  return meta;
}

/** Genres (as indices of their names) and year from the title, the content features every MovieLens set has. */
function readMovieMeta(dir: string, ratingsFile: string, movieIds: Map<number, number>): (ItemMeta | null)[] | null {
  const candidates: Array<[string, (line: string) => [number, string, string[]] | null]> = [
    ['movies.csv', parseCsvMovie],
    ['movies.dat', (l) => split3(l.split('::'))],
    ['u.item', parseUItem],
  ];
  const entry = candidates.find(([f]) => existsSync(join(dir, f)) && f !== ratingsFile);
  if (!entry) return null;
  const genreIds = new Map<string, number>();
  const meta: (ItemMeta | null)[] = new Array(movieIds.size).fill(null);
  for (const line of readFileSync(join(dir, entry[0]), 'latin1').split('\n')) {
    const parsed = line.startsWith('movieId') ? null : entry[1](line);
    if (!parsed) continue;
    const at = movieIds.get(parsed[0]);
    if (at === undefined) continue;
    const year = /\((\d{4})\)\s*$/.exec(parsed[1].trim());
    const genres = parsed[2].filter((g) => g !== '(no genres listed)' && g !== 'unknown');
    meta[at] = {
      genres: genres.map((g) => {
        if (!genreIds.has(g)) genreIds.set(g, genreIds.size + 1);
        return genreIds.get(g)!;
      }),
      director: null,
      cast: [],
      overview: null,
      language: null,
      year: year ? Number(year[1]) : null,
    };
  }
  return meta;
}

function split3(parts: string[]): [number, string, string[]] | null {
  const [id, title, genres] = parts;
  return id && title !== undefined && genres !== undefined ? [Number(id), title, genres.trim().split('|')] : null;
}

function parseCsvMovie(line: string): [number, string, string[]] | null {
  const first = line.indexOf(',');
  const last = line.lastIndexOf(',');
  if (first < 0 || last <= first) return null;
  const title = line.slice(first + 1, last).replace(/^"|"$/g, '');
  return split3([line.slice(0, first), title, line.slice(last + 1)]);
}

const U_ITEM_GENRES =
  'unknown Action Adventure Animation Children Comedy Crime Documentary Drama Fantasy Film-Noir Horror Musical Mystery Romance Sci-Fi Thriller War Western'.split(
    ' ',
  );
function parseUItem(line: string): [number, string, string[]] | null {
  const parts = line.split('|');
  if (parts.length < 24) return null;
  const flags = parts.slice(-19);
  const year = /(\d{4})$/.exec(parts[2] ?? '');
  return [Number(parts[0]), `${parts[1]} (${year?.[1] ?? ''})`, U_ITEM_GENRES.filter((_, k) => flags[k] === '1')];
}
