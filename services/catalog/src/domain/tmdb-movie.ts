/** The movie fields TMDb's API and the bundled tmdb-metadata lines share, under TMDb's names. */
export interface TmdbMovieFields {
  imdb_id: string | null;
  original_title: string | null;
  overview: string | null;
  tagline: string | null;
  release_date: string | null;
  runtime: number | null;
  vote_average: number | null;
  vote_count: number | null;
  popularity: number | null;
  poster_path: string | null;
  backdrop_path: string | null;
  original_language: string | null;
}
