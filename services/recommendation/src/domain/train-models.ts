import { ContentBased, type ItemMeta } from './content-based';
import type { Progress } from './dense-inverse';
import { type DenseEase, denseItemSet, trainDenseEase } from './ease';
import { WoodburyEase } from './ease-woodbury';
import { columnCounts, type Csr } from './feedback-matrix';
import { Hybrid } from './hybrid';
import { type Event, PopularityRecommender, popularityScores } from './popularity';
import type { Recommender } from './recommender';

/** The parameters of every model; the defaults are what the evaluation chose on ml-latest-small. */
export interface ModelParams {
  easeLambda: number;
  /** Dense EASE keeps items with at least this many interactions… */
  denseMinCount: number;
  /** …and at most this many of them (n³ work, n² memory). */
  denseMaxItems: number;
  trendingHalfLifeDays: number;
  blend: { collaborative: number; content: number; trending: number };
  coldStart: { content: number; trending: number };
}

export const defaultParams: ModelParams = {
  easeLambda: 200,
  denseMinCount: 3,
  denseMaxItems: 2500,
  trendingHalfLifeDays: 180,
  blend: { collaborative: 1, content: 0.2, trending: 0.05 },
  coldStart: { content: 1, trending: 0.5 },
};

export interface TrainedModels {
  collaborative: DenseEase | WoodburyEase;
  content: ContentBased;
  trending: PopularityRecommender;
  hybrid: Hybrid;
}

/**
 * EASE exactly over every item when users are fewer than items (Woodbury: a users² inverse), else dense EASE
 * over the items with enough interactions.
 */
export function trainCollaborative(x: Csr, params: ModelParams, progress?: Progress): DenseEase | WoodburyEase {
  if (x.rows <= x.cols && x.rows <= params.denseMaxItems) return WoodburyEase.train(x, params.easeLambda);
  const items = denseItemSet(columnCounts(x), params.denseMinCount, params.denseMaxItems);
  return trainDenseEase(x, items, params.easeLambda, progress);
}

export function blendModels(
  parts: Omit<TrainedModels, 'hybrid'>,
  params: ModelParams,
  itemCount: number,
): TrainedModels {
  const hybrid = new Hybrid(
    [
      { model: parts.collaborative, weight: params.blend.collaborative },
      { model: parts.content, weight: params.blend.content },
      { model: parts.trending, weight: params.blend.trending },
    ],
    [
      { model: parts.content, weight: params.coldStart.content },
      { model: parts.trending, weight: params.coldStart.trending },
    ],
    itemCount,
  );
  return { ...parts, hybrid };
}

export function trainModels(
  x: Csr,
  events: Iterable<Event>,
  meta: readonly (ItemMeta | null)[],
  now: number,
  params: ModelParams,
  progress?: Progress,
): TrainedModels {
  const collaborative = trainCollaborative(x, params, progress);
  const content = new ContentBased(meta);
  const trending = new PopularityRecommender(
    'trending',
    popularityScores(x.cols, events, now, params.trendingHalfLifeDays),
  );
  return blendModels({ collaborative, content, trending }, params, x.cols);
}

export type { Recommender };
