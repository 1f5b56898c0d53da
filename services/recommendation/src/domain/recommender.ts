/** One user as the models see them: items as model indices with taste weights in [-1, 1]. */
export interface UserInput {
  items: Int32Array;
  weights: Float32Array;
  /** Genre ids the user chose in their profile. */
  favoriteGenres: readonly number[];
  /** The user's row in the training matrix, when they were in it (user-based parts leave it out). */
  row?: number;
  /**
   * Who this is (the fold-in's user id), when a model may keep work for them between calls: the content model
   * keeps the history part of their scores and adds only what changed (ContentBased.score). Absent: nothing kept.
   */
  key?: string;
}

/** Why an item was recommended, rendered into a sentence by the caller (which knows the titles). */
export type Reason =
  | { kind: 'because_you_liked'; item: number }
  | { kind: 'favorite_genre'; genreId: number }
  | { kind: 'similar_users' }
  | { kind: 'trending' }
  | { kind: 'popular' };

/**
 * Every algorithm: fills a score per item (higher is better; every element of `out` is written, as the hybrid and
 * a fold-in reuse their arrays) and names the strongest reason for one item.
 */
export interface Recommender {
  readonly name: string;
  score(user: UserInput, out: Float32Array): void;
  reason(user: UserInput, item: number): Reason;
}

/** The history item contributing most to an item's score, given a per-pair similarity. */
export function strongestHistoryItem(
  user: UserInput,
  similarity: (historyItem: number, position: number) => number,
): number {
  let best = -1;
  let bestValue = 0;
  for (let k = 0; k < user.items.length; k++) {
    const value = user.weights[k]! * similarity(user.items[k]!, k);
    if (value > bestValue) {
      bestValue = value;
      best = user.items[k]!;
    }
  }
  return best;
}
