import { describe, expect, it } from 'vitest';
import { ContentBased, type ItemMeta } from '../src/domain/content-based';
import { buildContentInWorker } from '../src/model/build-content';

/** A catalogue of n movies with varied genres, directors, cast, overviews, languages and years (seeded). */
function catalogue(n: number): (ItemMeta | null)[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const words = Array.from({ length: 3000 }, (_, k) =>
    `w${k.toString(36)}`.replace(/[0-9]/g, (d) => 'abcdefghij'[+d]!),
  );
  return Array.from({ length: n }, (_, i) =>
    i % 97 === 0
      ? null
      : {
          genres: [1 + Math.floor(next() * 19), 1 + Math.floor(next() * 19)],
          director: `director ${Math.floor(next() * 800)}`,
          cast: Array.from({ length: 4 }, () => `actor ${Math.floor(next() * 4000)}`),
          overview: Array.from({ length: 40 }, () => words[Math.floor(next() ** 2 * words.length)]).join(' '),
          language: next() < 0.8 ? 'en' : 'fr',
          year: 1950 + Math.floor(next() * 70),
        },
  );
}

describe('content model built in a worker thread', () => {
  it('when the index comes from the worker, then every score, neighbour and reason equals the one built in place', async () => {
    const items = catalogue(1500);
    const inWorker = await buildContentInWorker(items);
    const inPlace = new ContentBased(items);
    const user = {
      items: Int32Array.from([1, 40, 300]),
      weights: Float32Array.from([1, 0.5, -1]),
      favoriteGenres: [3],
    };
    const a = new Float32Array(items.length);
    const b = new Float32Array(items.length);
    inWorker.score(user, a);
    inPlace.score(user, b);
    expect(a).toEqual(b);
    expect(a.some((x) => x > 0)).toBe(true);
    inWorker.scoreSimilar(40, a);
    inPlace.scoreSimilar(40, b);
    expect(a).toEqual(b);
    for (const item of [2, 41, 700, 1499]) expect(inWorker.reason(user, item)).toEqual(inPlace.reason(user, item));
  });

  it('when a large catalogue is indexed, then the event loop keeps turning meanwhile', async () => {
    // Built in place, this catalogue holds the thread for well over a second on this machine; the timer below
    // could not fire once until it ended.
    const items = catalogue(40_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const model = await buildContentInWorker(items);
    clearInterval(timer);
    expect(model.items).toBe(items);
    expect(ticks).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('when a catalogue cannot be indexed, then the build fails with the reason instead of hanging', async () => {
    const broken = [{ genres: null } as unknown as ItemMeta];
    await expect(buildContentInWorker(broken)).rejects.toThrow(/genres|iterable|null/);
  });
});
