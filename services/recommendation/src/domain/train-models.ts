import { ContentBased, type ItemMeta } from './content-based';
import type { Progress } from './dense-inverse';
import { type DenseEase, denseItemSet, trainDenseEase } from './ease';
import { historyPieces, WoodburyEase } from './ease-woodbury';
import { columnCounts, type Csr } from './feedback-matrix';
import { Hybrid } from './hybrid';
import { type Event, PopularityRecommender, popularityScores } from './popularity';
import type { Recommender } from './recommender';
import { defaultSequenceParams, type SequenceParams, SequenceNeighbours, type Sequences } from './sequence-neighbours';
import { UserEase } from './user-ease';

/** The parameters of every model; the defaults are what the evaluation chose on ml-latest-small. */
export interface ModelParams {
  easeLambda: number;
  /** Training rows are divided by (their entries)^this before the Gram: heavy raters weigh less (Woodbury EASE). */
  userDegreePower: number;
  /** Dense EASE keeps items with at least this many interactions… */
  denseMinCount: number;
  /** …and at most this many of them (n³ work, n² memory). */
  denseMaxItems: number;
  trendingHalfLifeDays: number;
  /** Sequence neighbours: what people watched close together in time (`sequence-neighbours.ts`). */
  sequence: SequenceParams;
  /**
   * The hybrid's item EASE learned over pieces of each history (`historyPieces`: at most `length` items in time
   * order, regularised by `lambda`) instead of whole histories; 0 keeps whole histories. Woodbury form only.
   */
  pieces: { length: number; lambda: number };
  /**
   * `users` is the user-based twin of EASE (only when EASE is the Woodbury form: users ≤ items, ≤ 2,500);
   * `sequence` the sequence neighbours.
   */
  blend: { collaborative: number; users: number; sequence: number; content: number; trending: number };
  coldStart: { content: number; trending: number };
}

export const defaultParams: ModelParams = {
  easeLambda: 50,
  userDegreePower: 0.15,
  denseMinCount: 3,
  denseMaxItems: 2500,
  trendingHalfLifeDays: 180,
  sequence: defaultSequenceParams,
  pieces: { length: 50, lambda: 25 },
  blend: { collaborative: 1, users: 1, sequence: 0.5, content: 0.2, trending: 0 },
  coldStart: { content: 1, trending: 0.5 },
};

export interface TrainedModels {
  /** Item EASE: over history pieces or whole histories (Woodbury), or dense over the frequent items. */
  collaborative: DenseEase | WoodburyEase;
  /** Woodbury EASE over whole user rows, the base of the user-based part (null for the dense form). */
  userBase: WoodburyEase | null;
  /** The user-based twin of the Woodbury EASE (null for the dense form, whose users are too many). */
  users: UserEase | null;
  sequence: SequenceNeighbours;
  content: ContentBased;
  trending: PopularityRecommender;
  hybrid: Hybrid;
}

/**
 * EASE exactly over every item when users are fewer than items (Woodbury: a users² inverse), else dense EASE
 * over the items with enough interactions.
 */
export function trainCollaborative(x: Csr, params: ModelParams, progress?: Progress): DenseEase | WoodburyEase {
  if (x.rows <= x.cols && x.rows <= params.denseMaxItems)
    return WoodburyEase.train(x, params.easeLambda, params.userDegreePower);
  const items = denseItemSet(columnCounts(x), params.denseMinCount, params.denseMaxItems);
  return trainDenseEase(x, items, params.easeLambda, progress);
}

/**
 * The hybrid's collaborative models: with the Woodbury form, EASE over whole user rows (the user-based part's
 * base) and, when `pieces.length` > 0, a second EASE over history pieces as the item part (its inverse is
 * pieces × pieces, the costliest step, hence the progress); otherwise the one model serves both.
 */
export function trainCollaborativeParts(
  x: Csr,
  sequences: Sequences,
  params: ModelParams,
  progress?: Progress,
): Pick<TrainedModels, 'collaborative' | 'userBase'> {
  const base = trainCollaborative(x, params, progress);
  if (!(base instanceof WoodburyEase)) return { collaborative: base, userBase: null };
  if (params.pieces.length <= 0) return { collaborative: base, userBase: base };
  const pieces = historyPieces(x, sequences, params.pieces.length);
  return {
    collaborative: WoodburyEase.train(pieces, params.pieces.lambda, params.userDegreePower, progress),
    userBase: base,
  };
}

/** The hybrid over trained parts; the user-based part comes from `userBase` when there is one. */
export function blendModels(
  parts: Omit<TrainedModels, 'hybrid' | 'users'>,
  params: Pick<ModelParams, 'blend' | 'coldStart'>,
  itemCount: number,
): TrainedModels {
  const users = parts.userBase ? new UserEase(parts.userBase) : null;
  const hybrid = new Hybrid(
    [
      { model: parts.collaborative, weight: params.blend.collaborative },
      ...(users ? [{ model: users, weight: params.blend.users }] : []),
      { model: parts.sequence, weight: params.blend.sequence },
      { model: parts.content, weight: params.blend.content },
      { model: parts.trending, weight: params.blend.trending },
    ],
    [
      { model: parts.content, weight: params.coldStart.content },
      { model: parts.trending, weight: params.coldStart.trending },
    ],
    itemCount,
  );
  return { ...parts, users, hybrid };
}

export function trainModels(
  x: Csr,
  sequences: Sequences,
  events: Iterable<Event>,
  meta: readonly (ItemMeta | null)[],
  now: number,
  params: ModelParams,
  progress?: Progress,
): TrainedModels {
  const { collaborative, userBase } = trainCollaborativeParts(x, sequences, params, progress);
  const sequence = SequenceNeighbours.train(x.cols, sequences, params.sequence);
  const content = new ContentBased(meta);
  const trending = new PopularityRecommender(
    'trending',
    popularityScores(x.cols, events, now, params.trendingHalfLifeDays),
  );
  return blendModels({ collaborative, userBase, sequence, content, trending }, params, x.cols);
}

export type { Recommender };
