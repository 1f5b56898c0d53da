/**
 * MovieLens genre names mapped onto TMDb genre names, for movies without TMDb metadata.
 * IMAX is a format, not a genre, and "(no genres listed)" says nothing: both are dropped.
 * Film-Noir maps to Crime (TMDb has no noir genre; noir films are crime films in TMDb's own data).
 */
export const MOVIELENS_TO_TMDB_GENRE: Readonly<Record<string, string | null>> = {
  Action: 'Action',
  Adventure: 'Adventure',
  Animation: 'Animation',
  Children: 'Family',
  Comedy: 'Comedy',
  Crime: 'Crime',
  Documentary: 'Documentary',
  Drama: 'Drama',
  Fantasy: 'Fantasy',
  'Film-Noir': 'Crime',
  Horror: 'Horror',
  Musical: 'Music',
  Mystery: 'Mystery',
  Romance: 'Romance',
  'Sci-Fi': 'Science Fiction',
  Thriller: 'Thriller',
  War: 'War',
  Western: 'Western',
  IMAX: null,
  '(no genres listed)': null,
};

/** TMDb genre names for a MovieLens "A|B|C" genre field, deduplicated, unknown names dropped. */
export function tmdbGenresForMovielens(field: string): string[] {
  const out = new Set<string>();
  for (const g of field.split('|')) {
    const mapped = MOVIELENS_TO_TMDB_GENRE[g.trim()];
    if (mapped) out.add(mapped);
  }
  return [...out];
}

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** TMDb's movie genre list (GET /3/genre/movie/list), used when the data set carries no genres.csv. */
export const TMDB_MOVIE_GENRES: readonly { tmdbId: number; name: string }[] = [
  { tmdbId: 28, name: 'Action' },
  { tmdbId: 12, name: 'Adventure' },
  { tmdbId: 16, name: 'Animation' },
  { tmdbId: 35, name: 'Comedy' },
  { tmdbId: 80, name: 'Crime' },
  { tmdbId: 99, name: 'Documentary' },
  { tmdbId: 18, name: 'Drama' },
  { tmdbId: 10751, name: 'Family' },
  { tmdbId: 14, name: 'Fantasy' },
  { tmdbId: 36, name: 'History' },
  { tmdbId: 27, name: 'Horror' },
  { tmdbId: 10402, name: 'Music' },
  { tmdbId: 9648, name: 'Mystery' },
  { tmdbId: 10749, name: 'Romance' },
  { tmdbId: 878, name: 'Science Fiction' },
  { tmdbId: 10770, name: 'TV Movie' },
  { tmdbId: 53, name: 'Thriller' },
  { tmdbId: 10752, name: 'War' },
  { tmdbId: 37, name: 'Western' },
];
