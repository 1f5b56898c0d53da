import type { MovielensMovie, TmdbRecord } from '../jobs/dataset';
import { tmdbGenresForMovielens } from './genre-map';
import { displayTitle, parseMovielensTitle } from './movielens-title';

/** One movie as the import wants it stored; genres by TMDb genre name. */
export interface ImportedMovie {
  movielensId: number;
  tmdbId: number | null;
  omdbId: string | null;
  title: string;
  originalTitle: string | null;
  overview: string | null;
  tagline: string | null;
  releaseDate: string | null;
  releaseYear: number | null;
  runtime: number | null;
  director: string | null;
  mainCast: string[];
  tmdbRating: number | null;
  tmdbVoteCount: number | null;
  posterPath: string | null;
  backdropPath: string | null;
  popularityScore: number | null;
  adult: boolean;
  originalLanguage: string | null;
  genreNames: string[];
}

const text = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

/** Merges a MovieLens row with its TMDb metadata; without metadata, MovieLens' title, year and mapped genres remain. */
export function toImportedMovie(
  ml: MovielensMovie,
  tmdb: TmdbRecord | undefined,
  genreNameByTmdbId: Map<number, string>,
): ImportedMovie {
  const parsed = parseMovielensTitle(ml.title);
  const releaseDate = text(tmdb?.release_date);
  const tmdbGenres = (tmdb?.genres ?? []).map((g) => genreNameByTmdbId.get(g.id) ?? g.name);
  return {
    movielensId: ml.movieId,
    tmdbId: tmdb?.tmdb_id ?? ml.tmdbId,
    omdbId: text(tmdb?.imdb_id) ?? ml.imdbId,
    title: text(tmdb?.title) ?? displayTitle(parsed.title),
    originalTitle: text(tmdb?.original_title),
    overview: text(tmdb?.overview),
    tagline: text(tmdb?.tagline),
    releaseDate,
    releaseYear: releaseDate ? Number(releaseDate.slice(0, 4)) : parsed.year,
    runtime: tmdb?.runtime ?? null,
    director: text(tmdb?.director),
    mainCast: tmdb?.cast ?? [],
    tmdbRating: tmdb?.vote_average ?? null,
    tmdbVoteCount: tmdb?.vote_count ?? null,
    posterPath: text(tmdb?.poster_path),
    backdropPath: text(tmdb?.backdrop_path),
    popularityScore: tmdb?.popularity ?? null,
    adult: tmdb?.adult ?? false,
    originalLanguage: text(tmdb?.original_language),
    genreNames: [...new Set(tmdbGenres.length > 0 ? tmdbGenres : tmdbGenresForMovielens(ml.genres))].sort(),
  };
}
