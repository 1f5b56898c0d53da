// `BENCH_PARTS=fold-in pnpm bench recommendation`: the content model's part of a fold-in, scoring each user's whole
// history (what every fold-in did before) beside adding only what changed since their last fold-in (score() with
// the user's key, ContentBased), side by side in one process on the MovieLens catalogue's TMDb metadata. Users
// take turns, one more viewed movie each, as the interactions bench sends them; the two models score the same
// inputs, in alternating order, and their scores are compared.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ContentBased, type ItemMeta } from '../src/domain/content-based';
import { feedbackWeight } from '../src/domain/feedback-matrix';
import type { UserInput } from '../src/domain/recommender';
import type { Measure } from './recommendation-bench';

const USERS = 1000;
const CHECKPOINTS = [30, 60, 120];

/** The movies as the service's projection holds them (load-projections.ts), from the dataset's TMDb file. */
function catalogueMeta(datasets: string): (ItemMeta | null)[] {
  const file = path.join(datasets, 'tmdb-metadata', 'movies.jsonl.gz');
  return gunzipSync(readFileSync(file))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const m = JSON.parse(line) as {
        genres?: { id: number }[];
        director?: string | null;
        cast?: string[];
        overview?: string | null;
        original_language?: string | null;
        release_date?: string | null;
      };
      return {
        genres: (m.genres ?? []).map((g) => g.id),
        director: m.director ?? null,
        cast: m.cast ?? [],
        overview: m.overview ?? null,
        language: m.original_language ?? null,
        year: m.release_date ? Number(m.release_date.slice(0, 4)) : null,
      };
    });
}

export function foldIn(datasets: string, lines: string[], measures: Measure[]): void {
  const meta = catalogueMeta(datasets);
  const whole = new ContentBased(meta, undefined, { keptBytes: 0 });
  const kept = new ContentBased(meta);
  const view = feedbackWeight('view', null);
  // A fixed sequence of movies (a linear congruential generator), so runs compare.
  let seed = 1;
  const nextMovie = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % meta.length;
  };
  const histories: number[][] = Array.from({ length: USERS }, () => []);
  const outWhole = new Float32Array(meta.length);
  const outKept = new Float32Array(meta.length);
  let spentWhole = 0;
  let spentKept = 0;
  let scored = 0;
  let maxDifference = 0;
  const rows: string[] = [];
  for (let step = 1; step <= CHECKPOINTS.at(-1)!; step++) {
    for (let u = 0; u < USERS; u++) {
      const history = histories[u]!;
      history.push(nextMovie());
      const items = Int32Array.from(history);
      const input: UserInput = {
        items,
        weights: new Float32Array(items.length).fill(view),
        favoriteGenres: [],
        key: `user-${u}`,
      };
      const first = (u + step) % 2 === 0;
      for (const which of first ? ['whole', 'kept'] : ['kept', 'whole']) {
        const started = performance.now();
        if (which === 'whole') whole.score(input, outWhole);
        else kept.score(input, outKept);
        const spent = performance.now() - started;
        if (which === 'whole') spentWhole += spent;
        else spentKept += spent;
      }
      scored += 1;
      for (let i = 0; i < meta.length; i++)
        maxDifference = Math.max(
          maxDifference,
          Math.abs(outWhole[i]! - outKept[i]!) / Math.max(1e-6, Math.abs(outWhole[i]!)),
        );
    }
    if (CHECKPOINTS.includes(step)) {
      const w = (spentWhole / scored) * 1000;
      const k = (spentKept / scored) * 1000;
      rows.push(
        `| ${(CHECKPOINTS[rows.length - 1] ?? 0) + 1} … ${step} | ${w.toFixed(0)} | ${k.toFixed(0)} | ${(w / k).toFixed(1)}× |`,
      );
      measures.push(
        {
          name: `content fold-in, histories to ${step}, whole`,
          value: Math.round(w),
          unit: 'µs/user',
          target: null,
          met: null,
        },
        {
          name: `content fold-in, histories to ${step}, kept`,
          value: Math.round(k),
          unit: 'µs/user',
          target: null,
          met: null,
        },
        {
          name: `content fold-in, histories to ${step}, whole / kept`,
          value: Number((w / k).toFixed(2)),
          unit: 'ratio',
          target: null,
          met: null,
        },
      );
      spentWhole = 0;
      spentKept = 0;
      scored = 0;
    }
  }
  lines.push(
    '',
    `Content model per fold-in (${meta.length} movies, ${USERS} users taking turns, one more viewed movie each turn): the whole history scored beside only what changed since the user's last fold-in (kept scores).`,
    '',
    '| history length | whole µs/user | kept µs/user | whole / kept |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    `Largest relative difference between the two models' scores: ${maxDifference.toExponential(1)}. The kept model summed ${kept.keptSums.whole} histories whole (a user's first fold-in, then every 32nd) and added only the changes to ${kept.keptSums.changes}.`,
  );
  measures.push({
    name: 'content fold-in, largest relative score difference kept vs whole',
    value: Number(maxDifference.toExponential(2)),
    unit: 'ratio',
    target: '< 1e-4',
    met: maxDifference < 1e-4,
  });
}
