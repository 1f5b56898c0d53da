import { describe, expect, it } from 'vitest';
import { ContentBased, type ItemMeta } from './content-based';
import { strongestHistoryItem, type UserInput } from './recommender';

const movie = (genres: number[], director: string, overview: string): ItemMeta => ({
  genres,
  director,
  cast: [],
  overview,
  language: 'en',
  year: 2000,
});
/** Integers in [0, n) from a linear congruential generator: the same sequence for a seed, run after run. */
function numbers(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

const WORDS = ['heist', 'ghost', 'river', 'storm', 'queen', 'robot', 'jungle', 'winter', 'secret', 'island'];

/**
 * A deterministic catalogue whose movies share genres (two of `genres[0]` and `genres[1]`), directors, actors,
 * overview words, languages and decades, so similarities tie and differ; `noMetadata` movies have none.
 */
function variedCatalogue(
  next: (n: number) => number,
  o: {
    length: number;
    noMetadata: (i: number) => boolean;
    genres: [number, number];
    directors: number;
    actors: number;
    words: number;
    oneInFrench: number;
  },
): (ItemMeta | null)[] {
  return Array.from({ length: o.length }, (_, i): ItemMeta | null =>
    o.noMetadata(i)
      ? null
      : {
          genres: [1 + next(o.genres[0]), 1 + next(o.genres[1])],
          director: `d${next(o.directors)}`,
          cast: [`c${next(o.actors)}`, `c${next(o.actors)}`],
          overview: Array.from({ length: o.words }, () => WORDS[next(WORDS.length)]).join(' '),
          language: next(o.oneInFrench) === 0 ? 'fr' : 'en',
          year: 1960 + next(60),
        },
  );
}

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

  it('when users are scored one after another, then each score is their profile times the item, as if scored alone', () => {
    const catalogue = Array.from({ length: 60 }, (_, i): ItemMeta | null =>
      i % 13 === 4 ? null : movie([1 + (i % 5), 1 + (i % 3)], `d${i % 7}`, `word${i % 11} word${i % 4} tale${i % 6}`),
    );
    const content = new ContentBased(catalogue);
    // The reference: the profile is the weighted sum of the history's vectors, so its product with item j is the
    // weighted sum of each history item's similarity() with j.
    const reference = (user: UserInput, item: number) => {
      const norm = 1 / Math.sqrt(Math.max(1, user.items.length));
      let s = 0;
      for (let h = 0; h < user.items.length; h++)
        s += user.weights[h]! * norm * content.similarity(user.items[h]!, item);
      return s;
    };
    const users: UserInput[] = [
      {
        items: Int32Array.from([0, 7, 7, 30, 4]),
        weights: Float32Array.from([1, 0.3, 0.8, -1, 1]),
        favoriteGenres: [],
      },
      { items: Int32Array.from([12, 13, 59]), weights: Float32Array.from([1, -0.5, 0.3]), favoriteGenres: [] },
      { items: new Int32Array(), weights: new Float32Array(), favoriteGenres: [2] },
    ];
    const alone = users.map((user) => {
      const s = new Float32Array(60);
      new ContentBased(catalogue).score(user, s);
      return s;
    });
    for (const k of [0, 1, 2, 0, 2, 1]) {
      const s = new Float32Array(60);
      content.score(users[k]!, s);
      expect(s).toEqual(alone[k]);
      if (k < 2) for (let item = 0; item < 60; item++) expect(s[item]).toBeCloseTo(reference(users[k]!, item), 5);
    }
    // Favourite genres alone: the genre's items score, the others do not.
    expect(alone[2]![1]).toBeGreaterThan(0);
    expect(alone[2]![0]).toBe(0);
  });

  it('when reasons are asked for a list, then each names the history item that pairwise similarity names', () => {
    const catalogue = variedCatalogue(numbers(7), {
      length: 120,
      noMetadata: (i) => i % 17 === 5,
      genres: [4, 6],
      directors: 9,
      actors: 15,
      words: 4,
      oneInFrench: 3,
    });
    const content = new ContentBased(catalogue);
    // Repeated items (a like and a view of one movie), dislikes, movies without metadata, one past the catalogue.
    const userOf = (items: number[], weights: number[]): UserInput => ({
      items: Int32Array.from(items),
      weights: Float32Array.from(weights),
      favoriteGenres: [3],
    });
    const users = [
      userOf([3, 8, 8, 22, 5, 40, 71, 119, 120], [1, 0.5, 1, -1, 1, 0.3, 1, 0.8, 1]),
      userOf([0, 1, 2], [1, 1, 1]),
      userOf([], []),
    ];
    const expected = (user: UserInput, item: number) => {
      const liked = strongestHistoryItem(user, (h) => content.similarity(h, item));
      if (liked >= 0) return { kind: 'because_you_liked', item: liked };
      const genre = user.favoriteGenres.find((g) => catalogue[item]?.genres.includes(g));
      return genre === undefined ? { kind: 'popular' } : { kind: 'favorite_genre', genreId: genre };
    };
    // Users in turn, then the first again: each switch rebuilds what reason() keeps for the last user.
    for (const user of [...users, users[0]!])
      for (let item = 0; item < 121; item++) expect(content.reason(user, item)).toEqual(expected(user, item));
  });

  describe('users scored with a key (the fold-in keeps their history scores)', () => {
    const next = numbers(11);
    const catalogue = variedCatalogue(next, {
      length: 90,
      noMetadata: (i) => i % 19 === 7,
      genres: [5, 7],
      directors: 12,
      actors: 20,
      words: 5,
      oneInFrench: 4,
    });
    const whole = new ContentBased(catalogue, undefined, { keptBytes: 0 });
    const expectSameScores = (content: ContentBased, user: UserInput) => {
      const kept = new Float32Array(90);
      content.score(user, kept);
      const expected = new Float32Array(90);
      whole.score({ ...user, key: undefined }, expected);
      for (let item = 0; item < 90; item++) expect(kept[item]).toBeCloseTo(expected[item]!, 5);
    };
    /** One user's history as the fold-in reads it, changed a step at a time. */
    const history = (key: string) => {
      const weights = new Map<number, number>();
      let favoriteGenres: number[] = [];
      const choices = [1, 0.3, -1, 0.8, 0.5];
      const step = (k: number) => {
        const kind = next(10);
        const known = [...weights.keys()];
        if (kind < 4 || known.length === 0) weights.set(next(90), choices[next(choices.length)]!);
        else if (kind < 6) weights.set(known[next(known.length)]!, choices[next(choices.length)]!);
        else if (kind === 6) weights.delete(known[next(known.length)]!);
        else if (kind === 7) favoriteGenres = k % 2 === 0 ? [1 + next(5)] : [];
        // More than half of the history at once, and a movie past the catalogue (added after the model).
        else if (kind === 8) for (let n = 0; n < 8; n++) weights.set(next(91), choices[next(choices.length)]!);
        else weights.set(next(90), 0.3);
      };
      const input = (): UserInput => {
        const items = [...weights.keys()];
        // A movie twice (a like and a view of it), as the fold-in may read it, on every other step.
        const twice = items.length > 2 && items.length % 2 === 0 ? [items[0]!] : [];
        return {
          items: Int32Array.from([...items, ...twice]),
          weights: Float32Array.from([...items.map((i) => weights.get(i)!), ...twice.map(() => 0.3)]),
          favoriteGenres,
          key,
        };
      };
      return { step, input };
    };

    it('when their history changes fold-in after fold-in, then their scores are those of scoring it whole', () => {
      const content = new ContentBased(catalogue);
      const users = [history('a'), history('b')];
      // More fold-ins than a kept sum takes before it is summed whole again, two users taking turns.
      for (let k = 0; k < 90; k++) {
        const user = users[k % 2]!;
        user.step(k);
        expectSameScores(content, user.input());
        // The same history again (the store job computing the list the fold-in queued): nothing changed.
        if (k % 7 === 0) expectSameScores(content, user.input());
      }
    });

    it('when a user adds one movie at a time, then only that movie is added to their kept sum', () => {
      const content = new ContentBased(catalogue);
      const items = [3, 14, 15, 22, 40, 41, 55, 60, 61, 80];
      const input = (): UserInput => ({
        items: Int32Array.from(items),
        weights: Float32Array.from(items.map((i) => (i % 3 === 0 ? 1 : 0.3))),
        favoriteGenres: [],
        key: 'a',
      });
      expectSameScores(content, input());
      for (const i of [1, 2, 4, 5, 6, 8, 9, 10, 11, 12]) {
        items.push(i);
        expectSameScores(content, input());
      }
      // The same history again: nothing to add.
      expectSameScores(content, input());
      expect(content.keptSums).toEqual({ whole: 1, changes: 10 });
    });

    it('when more users are scored than the kept bytes hold, then a forgotten user is summed whole again', () => {
      // Room for one user's scores: each user scored evicts the other and takes over their array.
      const content = new ContentBased(catalogue, undefined, { keptBytes: 4 * 90 });
      const users = [history('a'), history('b'), history('c')];
      for (let k = 0; k < 30; k++) {
        const user = users[k % 3]!;
        user.step(k);
        expectSameScores(content, user.input());
      }
    });
  });
});
