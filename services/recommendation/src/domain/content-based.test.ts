import { describe, expect, it } from 'vitest';
import { ContentBased, type ItemMeta } from './content-based';

const movie = (genres: number[], director: string, overview: string): ItemMeta => ({
  genres,
  director,
  cast: [],
  overview,
  language: 'en',
  year: 2000,
});
const model = new ContentBased([
  movie([1], 'Ridley', 'space crew alien ship'),
  movie([1], 'Ridley', 'space crew alien planet'),
  movie([2], 'Nora', 'romance in paris'),
  movie([2], 'Nora', 'romance in london'),
  null,
]);

describe('content-based', () => {
  it('when a movie shares genre, director and terms with another, then it is its nearest neighbour', () => {
    const s = new Float32Array(5);
    model.scoreSimilar(0, s);
    expect(s[1]).toBeGreaterThan(s[2]!);
    expect(s[0]).toBe(0);
  });

  it('when a user has no history but a favourite genre, then that genre scores highest, with that reason', () => {
    const user = { items: new Int32Array(), weights: new Float32Array(), favoriteGenres: [2] };
    const s = new Float32Array(5);
    model.score(user, s);
    expect(s[2]).toBeGreaterThan(s[0]!);
    expect(model.reason(user, 2)).toEqual({ kind: 'favorite_genre', genreId: 2 });
  });

  it('when a user disliked a movie, then movies like it score below neutral', () => {
    const user = { items: Int32Array.from([2]), weights: Float32Array.from([-1]), favoriteGenres: [] };
    const s = new Float32Array(5);
    model.score(user, s);
    expect(s[3]).toBeLessThan(0);
  });
});
