import { describe, expect, it } from 'vitest';
import { generateRelevanceSet, seededRandom, TYPO_KINDS, type TitledMovie } from './relevance-set';

const movies: TitledMovie[] = Array.from({ length: 200 }, (_, i) => ({
  tmdbId: 1000 + i,
  title: ['The Dark Knight', 'Heat', 'Up', 'Amélie', 'A Few Good Men', 'Rrr'][i % 6] as string,
  popularity: i % 7 === 0 ? null : 200 - i,
}));

describe('relevance set', () => {
  it('When generated twice with one seed, then the sets are equal; another seed gives another set', () => {
    const a = generateRelevanceSet(movies, { seed: 17, perKind: 20 });
    expect(generateRelevanceSet(movies, { seed: 17, perKind: 20 })).toEqual(a);
    expect(generateRelevanceSet(movies, { seed: 18, perKind: 20 })).not.toEqual(a);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });

  it('When generated, then each kind has its queries, each one edit of its kind away from its title', () => {
    const set = generateRelevanceSet(movies, { seed: 5, perKind: 30 });
    for (const kind of TYPO_KINDS) expect(set.filter((q) => q.kind === kind).length).toBeGreaterThanOrEqual(25);
    for (const q of set) {
      expect(movies.some((m) => m.tmdbId === q.tmdbId && m.title === q.title)).toBe(true);
      if (q.kind !== 'lowercase') expect(q.title).not.toBe('Up');
      const typed = [...q.query];
      const title = [...q.title];
      if (q.kind === 'lowercase') expect(q.query).toBe(q.title.toLowerCase());
      else expect(q.query.toLowerCase()).not.toBe(q.title.toLowerCase());
      if (q.kind === 'dropped') expect(typed.length).toBe(title.length - 1);
      if (q.kind === 'doubled') expect(typed.length).toBe(title.length + 1);
      if (q.kind === 'swapped' || q.kind === 'vowel') {
        expect(typed.length).toBe(title.length);
        expect([...typed].sort().join('') === [...title].sort().join('')).toBe(q.kind === 'swapped');
      }
    }
  });

  it('When generated, then titles of every popularity are drawn from', () => {
    const deciles = new Set(generateRelevanceSet(movies, { seed: 9, perKind: 40 }).map((q) => q.popularityDecile));
    expect([...deciles].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
