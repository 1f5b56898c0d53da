import type { RatingsData } from './movielens';

export type Protocol = 'random-80-10-10' | 'leave-last-out';

/** Per rating: 0 train, 1 validation, 2 test. */
export type Assignment = Uint8Array;

/** mulberry32: small, fast and the same on every machine, so a printed seed reproduces the split. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ratingsByUser(data: RatingsData): number[][] {
  const byUser: number[][] = Array.from({ length: data.users }, () => []);
  data.user.forEach((u, k) => {
    byUser[u]!.push(k);
  });
  return byUser;
}

/**
 * RecBole's MovieLens convention: every rating is a positive; per user, a seeded shuffle then round(0.8n) train,
 * round(0.1n) validation, the rest test (Math.round: halves go up).
 */
export function randomSplit(data: RatingsData, seed: number): Assignment {
  const random = seededRandom(seed);
  const out = new Uint8Array(data.user.length);
  for (const ratings of ratingsByUser(data)) {
    for (let i = ratings.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ratings[i], ratings[j]] = [ratings[j]!, ratings[i]!];
    }
    const train = Math.round(0.8 * ratings.length);
    const validation = Math.round(0.1 * ratings.length);
    ratings.forEach((k, at) => {
      out[k] = at < train ? 0 : at < train + validation ? 1 : 2;
    });
  }
  return out;
}

/** Per user by timestamp (file order breaks ties): the last rating is test, the one before validation. */
export function leaveLastOut(data: RatingsData): Assignment {
  const out = new Uint8Array(data.user.length);
  for (const ratings of ratingsByUser(data)) {
    if (ratings.length < 3) continue;
    ratings.sort((a, b) => data.time[a]! - data.time[b]! || a - b);
    out[ratings[ratings.length - 1]!] = 2;
    out[ratings[ratings.length - 2]!] = 1;
  }
  return out;
}
