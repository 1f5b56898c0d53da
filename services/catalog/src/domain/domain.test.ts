import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../sync/fetch-json';
import { parseCsv } from './csv';
import { MOVIELENS_TO_TMDB_GENRE, slugify, TMDB_MOVIE_GENRES, tmdbGenresForMovielens } from './genre-map';
import { decodeCursor, encodeCursor, parseGenreTerms } from './list-query';
import { displayTitle, parseMovielensTitle } from './movielens-title';

describe('MovieLens titles', () => {
  it.each([
    ['Toy Story (1995)', 'Toy Story', 1995],
    ['Matrix, The (1999)', 'Matrix, The', 1999],
    ['Babylon 5', 'Babylon 5', null],
    ['Fawlty Towers (1975-1979)', 'Fawlty Towers', 1975],
    ['Li Mu Bai (2001) (2002)', 'Li Mu Bai (2001)', 2002],
  ])('When the title is %j, then it splits into %j and %j', (raw, title, year) => {
    expect(parseMovielensTitle(raw)).toEqual({ title, year });
  });

  it('When an article trails the title, then it is put back in front', () => {
    expect(displayTitle('Matrix, The')).toBe('The Matrix');
    expect(displayTitle("Homme, L'")).toBe("L'Homme");
    expect(displayTitle('Good, the Bad')).toBe('Good, the Bad');
  });
});

describe('genre map', () => {
  it('When MovieLens genres are mapped, then each lands on a TMDb genre or is dropped', () => {
    const tmdbNames = new Set(TMDB_MOVIE_GENRES.map((g) => g.name));
    for (const target of Object.values(MOVIELENS_TO_TMDB_GENRE)) if (target) expect(tmdbNames.has(target)).toBe(true);
    expect(tmdbGenresForMovielens('Sci-Fi|Children|Film-Noir|Crime|IMAX|Musical')).toEqual([
      'Science Fiction',
      'Family',
      'Crime',
      'Music',
    ]);
    expect(tmdbGenresForMovielens('(no genres listed)')).toEqual([]);
    expect(slugify('Science Fiction')).toBe('science-fiction');
    expect(slugify('Café & Crème')).toBe('cafe-creme');
  });
});

describe('cursors and genre terms', () => {
  it('When a cursor round-trips, then it decodes to the same position, and only for its own sort', () => {
    const c = { sort: 'title' as const, order: 'asc' as const, value: "o'brien", id: 7 };
    expect(decodeCursor(encodeCursor(c), 'title', 'asc')).toEqual(c);
    expect(() => decodeCursor(encodeCursor(c), 'title', 'desc')).toThrow(/belongs to/);
    expect(() =>
      decodeCursor(Buffer.from('["rating","desc","high",1]').toString('base64url'), 'rating', 'desc'),
    ).toThrow(/not a cursor/);
  });

  it('When genre terms are mixed ids and slugs, then they are told apart; anything else is refused', () => {
    expect(parseGenreTerms(' 12,Drama, science-fiction,')).toEqual({ ids: [12], slugs: ['drama', 'science-fiction'] });
    expect(() => parseGenreTerms('drama;--')).toThrow(/neither a genre id nor a slug/);
    expect(() => parseGenreTerms('2147483648')).toThrow(/is not a genre id/);
  });
});

describe('csv', () => {
  it('When fields are quoted with commas, quotes and newlines, then they parse as one field each', () => {
    expect(parseCsv('a,b\n1,"x, ""y""\nz"\r\n2,\n')).toEqual([
      { a: '1', b: 'x, "y"\nz' },
      { a: '2', b: '' },
    ]);
  });

  it('When the file starts with a byte-order mark, then the first column keeps its name', () => {
    expect(parseCsv('\uFEFFmovieId,title\n1,Toy Story (1995)\n')).toEqual([
      { movieId: '1', title: 'Toy Story (1995)' },
    ]);
  });

  it('When a quote is never closed, then parsing fails naming the file and the line instead of swallowing the rest', () => {
    expect(() => parseCsv('movieId,title\n1,"Toy Story\n2,Jumanji\n', 'movies.csv')).toThrow(
      /^movies\.csv: Quote Not Closed: the parsing is finished with an opening quote at line 3$/,
    );
  });

  it('When a row has more fields than the header, then parsing fails naming the line', () => {
    expect(() => parseCsv('movieId,title\n1,Toy Story,extra\n', 'movies.csv')).toThrow(/^movies\.csv: .*line 2/);
  });
});

describe('Retry-After', () => {
  it('When Retry-After is seconds or a date, then it becomes a wait in ms', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
