// Training time of the default models: on ml-latest-small, and on generated data at the design's volume.
import { existsSync } from 'node:fs';
import type { ItemMeta } from '../src/domain/content-based';
import { csrFromTriplets } from '../src/domain/feedback-matrix';
import type { Event } from '../src/domain/popularity';
import { sequencesFrom } from '../src/domain/sequence-neighbours';
import { defaultParams, trainModels } from '../src/domain/train-models';
import { readMovieLens } from '../src/evaluation/movielens';
import { seededRandom } from '../src/evaluation/split';

export interface TrainingResult {
  label: string;
  users: number;
  items: number;
  interactions: number;
  seconds: number;
  peakRssGiB: number;
}

function timed(label: string, users: number, items: number, run: () => number): TrainingResult {
  const started = performance.now();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 200);
  const interactions = run();
  clearInterval(sampler);
  // Training is synchronous, so the sampler rarely fires: the kernel's high-water mark of the process is the peak.
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  return {
    label,
    users,
    items,
    interactions,
    seconds: (performance.now() - started) / 1000,
    peakRssGiB: peak / 2 ** 30,
  };
}

export function trainOnMovieLens(path: string): TrainingResult | null {
  if (!existsSync(path)) return null;
  const data = readMovieLens(path);
  return timed('ml-latest-small, default models', data.users, data.items, () => {
    const x = csrFromTriplets(
      data.users,
      data.items,
      data.user,
      data.item,
      Array.from(data.rating, (r) => (r - 2.5) / 2.5),
    );
    const events: Event[] = Array.from(data.item, (item, k) => ({ item, at: data.time[k]!, weight: 1 }));
    const sequences = sequencesFrom(
      data.users,
      Array.from(data.item, (item, k) => ({ user: data.user[k]!, item, at: data.time[k]! })),
    );
    trainModels(x, sequences, events, data.meta ?? [], Math.max(...data.time), defaultParams);
    return x.indices.length;
  });
}

/**
 * Generated one-year volume scaled by `fraction` (1 = 100k users, 50k movies, 10M interactions): popularity is
 * Zipf-like and each user mostly stays in one of 40 taste clusters, so the Gram matrix is as dense as real data.
 */
export function trainAtVolume(fraction: number): TrainingResult {
  const users = Math.round(100_000 * fraction);
  const items = Math.round(50_000 * Math.max(fraction, 0.2));
  const perUser = 100;
  const random = seededRandom(7);
  return timed(`generated, ${Math.round(fraction * 100)}% of one-year volume`, users, items, () => {
    const n = users * perUser;
    const r = new Int32Array(n);
    const c = new Int32Array(n);
    const v = new Float32Array(n);
    const events: Event[] = [];
    for (let u = 0, k = 0; u < users; u++) {
      const cluster = u % 40;
      for (let j = 0; j < perUser; j++, k++) {
        const popular = Math.floor(items * random() ** 3);
        const item = random() < 0.5 ? popular : (cluster * 997 + Math.floor(random() * 400)) % items;
        r[k] = u;
        c[k] = item;
        v[k] = random() < 0.1 ? -1 : 1;
        if (k % 20 === 0) events.push({ item, at: 1.7e9 + k, weight: 1 });
      }
    }
    const x = csrFromTriplets(users, items, r, c, v);
    const meta: ItemMeta[] = Array.from({ length: items }, (_, i) => ({
      genres: [1 + (i % 19)],
      director: `d${i % 5000}`,
      cast: [`a${i % 20000}`, `a${(i * 7) % 20000}`],
      overview: null,
      language: 'en',
      year: 1950 + (i % 70),
    }));
    // Each user's interactions were generated in time order: the sequences are the rows as generated.
    const sequences = { items: c, starts: Int32Array.from({ length: users + 1 }, (_, u) => u * perUser) };
    trainModels(x, sequences, events, meta, 1.7e9 + n, defaultParams);
    return x.indices.length;
  });
}
