import { ContentBased } from '../domain/content-based';
import type { DenseEase } from '../domain/ease';
import { historyPieces, WoodburyEase } from '../domain/ease-woodbury';
import { csrFromTriplets, type Csr } from '../domain/feedback-matrix';
import { ItemKnn } from '../domain/item-knn';
import { type Event, PopularityRecommender, popularityScores } from '../domain/popularity';
import { rankItems } from '../domain/rank';
import type { Recommender, UserInput } from '../domain/recommender';
import { SequenceNeighbours, type Sequences, sequencesFrom } from '../domain/sequence-neighbours';
import { blendModels, defaultParams, trainCollaborative, trainCollaborativeParts } from '../domain/train-models';
import { clearlyBetter, K, type Metrics, MetricsAccumulator } from './metrics';
import type { RatingsData } from './movielens';
import type { Assignment } from './split';

export interface AlgorithmResult {
  name: string;
  params: string;
  validation: Metrics;
  test: Metrics;
  trainSeconds: number;
}

interface Folds {
  train: Csr;
  inputs: UserInput[];
  validation: Set<number>[];
  test: Set<number>[];
  events: Event[];
  /** Each user's training items in time order (file order breaks ties). */
  sequences: Sequences;
  now: number;
}

/** Every rating in train is a positive with weight 1: the ground truth counts every rating, so the input does too. */
function folds(data: RatingsData, split: Assignment): Folds {
  const keep = [...split.keys()].filter((k) => split[k] === 0);
  const train = csrFromTriplets(
    data.users,
    data.items,
    keep.map((k) => data.user[k]!),
    keep.map((k) => data.item[k]!),
    keep.map(() => 1),
  );
  const validation = Array.from({ length: data.users }, () => new Set<number>());
  const test = Array.from({ length: data.users }, () => new Set<number>());
  split.forEach((s, k) => {
    if (s === 1) validation[data.user[k]!]!.add(data.item[k]!);
    if (s === 2) test[data.user[k]!]!.add(data.item[k]!);
  });
  const inputs = Array.from({ length: data.users }, (_, u) => ({
    items: train.indices.subarray(train.indptr[u]!, train.indptr[u + 1]!),
    weights: train.values.subarray(train.indptr[u]!, train.indptr[u + 1]!),
    favoriteGenres: [],
    row: u,
  }));
  const events = keep.map((k) => ({ item: data.item[k]!, at: data.time[k]!, weight: 1 }));
  const now = keep.reduce((max, k) => Math.max(max, data.time[k]!), 0);
  const sequences = sequencesFrom(
    data.users,
    keep.map((k) => ({ user: data.user[k]!, item: data.item[k]!, at: data.time[k]! })),
  );
  return { train, inputs, validation, test, events, sequences, now };
}

function measure(model: Recommender, f: Folds, target: 'validation' | 'test', itemCount: number): Metrics {
  const acc = new MetricsAccumulator(itemCount);
  const scores = new Float32Array(itemCount);
  f.inputs.forEach((input, u) => {
    const relevant = f[target][u]!;
    if (relevant.size === 0) return;
    model.score(input, scores);
    const seen = new Set(input.items);
    const hidden = target === 'test' ? f.validation[u]! : null;
    const top = rankItems(scores, { limit: K, excluded: (i) => seen.has(i) || (hidden?.has(i) ?? false) });
    acc.add(
      top.map((r) => r.item),
      relevant,
    );
  });
  return acc.result();
}

interface Candidate {
  params: string;
  train: () => Recommender;
}

/** Trains every candidate, keeps the best validation NDCG@10, reports its test metrics and training time. */
function tune(name: string, candidates: Candidate[], f: Folds, itemCount: number, log: (s: string) => void) {
  let best: (AlgorithmResult & { model: Recommender }) | undefined;
  for (const c of candidates) {
    const started = performance.now();
    const model = c.train();
    const trainSeconds = (performance.now() - started) / 1000;
    const validation = measure(model, f, 'validation', itemCount);
    log(`  ${name} ${c.params}: validation NDCG@10 ${validation.ndcg.toFixed(4)} (${trainSeconds.toFixed(1)} s)`);
    if (!best || validation.ndcg > best.validation.ndcg)
      best = { name, params: c.params, validation, test: validation, trainSeconds, model };
  }
  if (!best) throw new Error(`no candidate for ${name}`);
  best.test = measure(best.model, f, 'test', itemCount);
  return best;
}

/** The same λ grid for the EASE reference and the hybrid's collaborative part. */
const LAMBDAS = [20, 50, 100, 200, 400, 800];
/** The hybrid's coarser λ grid (its EASE part shares the weight with the others). */
const HYBRID_LAMBDAS = [50, 100, 200, 400];

export function evaluateAll(data: RatingsData, split: Assignment, log: (s: string) => void): AlgorithmResult[] {
  const f = folds(data, split);
  const n = data.items;
  const results: AlgorithmResult[] = [];
  const popular = tune(
    'most_popular',
    [
      {
        params: '-',
        train: () => new PopularityRecommender('most_popular', popularityScores(n, f.events, f.now, null)),
      },
    ],
    f,
    n,
    log,
  );
  results.push(popular);
  const trending = tune(
    'trending',
    [30, 180, 720].map((days) => ({
      params: `half-life ${days} d`,
      train: () => new PopularityRecommender('trending', popularityScores(n, f.events, f.now, days)),
    })),
    f,
    n,
    log,
  );
  results.push(trending);
  results.push(
    tune(
      'item_knn',
      [0, 20].flatMap((shrink) => {
        let widest: ItemKnn | undefined;
        return [200, 50].map((k) => ({
          params: `k ${k}, shrink ${shrink}`,
          // k 50 is cut from the k 200 lists: one training per shrinkage (its time is reported for k 200).
          train: () => {
            widest ??= ItemKnn.train(f.train, 200, shrink);
            return k === 200 ? widest : widest.nearest(k);
          },
        }));
      }),
      f,
      n,
      log,
    ),
  );
  const ease = tune(
    'ease (reference, every item)',
    LAMBDAS.map((lambda) => ({
      params: `λ ${lambda}`,
      train: () =>
        trainCollaborative(f.train, { ...defaultParams, easeLambda: lambda, userDegreePower: 0, denseMaxItems: n }),
    })),
    f,
    n,
    log,
  );
  results.push(ease);
  const meta = data.meta;
  const content = meta
    ? tune('content_based', [{ params: 'item metadata', train: () => new ContentBased(meta) }], f, n, log)
    : null;
  if (content) results.push(content);
  const sequence = tune(
    'sequence_neighbours',
    [{ params: 'window 5, 200 kept', train: () => SequenceNeighbours.train(n, f.sequences) }],
    f,
    n,
    log,
  );
  results.push(sequence);
  results.push(
    tuneHybrid(
      f,
      n,
      ease,
      sequence.model as SequenceNeighbours,
      meta ? (content?.model as ContentBased) : null,
      trending,
      log,
    ),
  );
  return results;
}

/** History-piece lengths (0: whole histories) and their λ tried for the hybrid's item EASE. */
const PIECES = [
  { length: 0, lambda: 0 },
  { length: 50, lambda: 25 },
  { length: 50, lambda: 50 },
];

/**
 * The service default, tuned on validation in three stages on coarse grids (few candidates, so little room for a
 * lucky pick): its collaborative parts (EASE's λ and row degree scaling, the weights of EASE's user-based twin
 * and of the sequence neighbours), then whether the item EASE learns from history pieces instead of whole
 * histories, then content and trending weights on top of the best. The winner replaces plain EASE (the
 * reference's λ, no extra parts) only when its validation gain is clearly more than noise (`clearlyBetter`);
 * otherwise the default is plain EASE, so it is never traded for a lucky split.
 */
function tuneHybrid(
  f: Folds,
  n: number,
  ease: AlgorithmResult,
  sequence: SequenceNeighbours,
  content: ContentBased | null,
  trending: AlgorithmResult & { model: Recommender },
  log: (s: string) => void,
): AlgorithmResult {
  const contentModel = content ?? new ContentBased([]);
  const trendingModel = trending.model as PopularityRecommender;
  type Settings = {
    power: number;
    lambda: number;
    users: number;
    sequence: number;
    pieces: { length: number; lambda: number };
  };
  const paramsFor = (s: Settings) => ({
    ...defaultParams,
    easeLambda: s.lambda,
    userDegreePower: s.power,
    denseMaxItems: n,
    pieces: s.pieces,
  });
  const trained = new Map<string, DenseEase | WoodburyEase>();
  const cached = (key: string, train: () => DenseEase | WoodburyEase) => {
    if (!trained.has(key)) trained.set(key, train());
    return trained.get(key)!;
  };
  const collaborativeFor = (s: Settings) => {
    const base = cached(`${s.power}/${s.lambda}`, () => trainCollaborative(f.train, paramsFor(s)));
    if (!(base instanceof WoodburyEase)) return { collaborative: base, userBase: null };
    if (s.pieces.length <= 0) return { collaborative: base, userBase: base };
    const key = `${s.power}/pieces ${s.pieces.length}/${s.pieces.lambda}`;
    const collaborative = cached(key, () =>
      WoodburyEase.train(historyPieces(f.train, f.sequences, s.pieces.length), s.pieces.lambda, s.power),
    );
    return { collaborative, userBase: base };
  };
  const describe = (s: Settings) =>
    s.pieces.length > 0
      ? `EASE over ${s.pieces.length}-item history pieces λ ${s.pieces.lambda}, rows / degree^${s.power} + user-based ${s.users} (λ ${s.lambda})`
      : `EASE λ ${s.lambda}, rows / degree^${s.power} + user-based ${s.users}`;
  const blended = (s: Settings, c: number, t: number) => ({
    params: `${describe(s)} + sequence ${s.sequence} + content ${c} + trending ${t}`,
    train: () =>
      blendModels(
        { ...collaborativeFor(s), sequence, content: contentModel, trending: trendingModel },
        {
          ...defaultParams,
          blend: { collaborative: 1, users: s.users, sequence: s.sequence, content: c, trending: t },
        },
        n,
      ).hybrid,
    settings: s,
  });
  const whole = { length: 0, lambda: 0 };
  const first: ReturnType<typeof blended>[] = [];
  for (const power of [0, 0.15])
    for (const lambda of HYBRID_LAMBDAS)
      for (const users of [0, 1])
        for (const seq of [0, 0.5, 1])
          first.push(blended({ power, lambda, users, sequence: seq, pieces: whole }, 0, 0));
  const collaborative = tune('hybrid, collaborative stage', first, f, n, log);
  const stage1 = first.find((c) => c.params === collaborative.params)!.settings;
  const piecesStage = PIECES.map((pieces) => blended({ ...stage1, pieces }, 0, 0));
  const pieced = tune('hybrid, history pieces stage', piecesStage, f, n, log);
  const chosen = piecesStage.find((c) => c.params === pieced.params)!.settings;
  const second = [];
  for (const c of content ? [0, 0.1, 0.2] : [0]) for (const t of [0, 0.05]) second.push(blended(chosen, c, t));
  const tuned = tune('hybrid, blend stage', second, f, n, log);
  const clear = clearlyBetter(tuned.validation, ease.validation);
  log(`  hybrid: tuned blend ${clear ? 'clearly beats' : 'is within noise of'} plain EASE on validation`);
  const lambda = Number(ease.params.replace(/[^\d.]/g, ''));
  const plain = { power: 0, lambda, users: 0, sequence: 0, pieces: whole };
  const best = clear ? tuned : tune('hybrid (service default)', [blended(plain, 0, 0)], f, n, log);
  const settings = clear ? chosen : plain;
  const started = performance.now();
  trainCollaborativeParts(f.train, f.sequences, paramsFor(settings));
  if (settings.sequence > 0) SequenceNeighbours.train(n, f.sequences);
  best.trainSeconds = (performance.now() - started) / 1000 + trending.trainSeconds;
  return { ...best, name: 'hybrid (service default)' };
}
