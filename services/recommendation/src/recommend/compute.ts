import type { AlgorithmName, Variant } from '../domain/experiments';
import { rankItems } from '../domain/rank';
import type { Reason, UserInput } from '../domain/recommender';
import type { ModelSnapshot, ModelStore } from '../model/model-store';

export interface UserState {
  userId: string;
  feedback: Array<{ movieId: number; weight: number }>;
  favoriteGenres: number[];
}

export interface Recommendation {
  movieId: number;
  title: string;
  score: number;
  rank: number;
  reason: string;
}

export interface ComputeOptions {
  algorithm: AlgorithmName;
  variant?: Variant;
  limit: number;
  offset?: number;
  genres?: number[];
  exclude?: number[];
  diversity?: number;
  /** Keep this user's content scores for their next fold-in (RecommendationContext.keepsFoldIns). */
  keep?: boolean;
}

function describe(reason: Reason, snapshot: ModelSnapshot, genreNames: Map<number, string>): string {
  switch (reason.kind) {
    case 'because_you_liked':
      return `Because you liked ${snapshot.catalogue.titles[reason.item] ?? 'a movie you rated'}`;
    case 'favorite_genre':
      return `From your favourite genre ${genreNames.get(reason.genreId) ?? `#${reason.genreId}`}`;
    case 'similar_users':
      return 'Liked by people with your taste';
    case 'trending':
      return 'Trending now';
    case 'popular':
      return 'Popular with everyone';
  }
}

/**
 * The array a fold-in's scores go into, kept for the next (a model writes every element, and nothing keeps it past
 * computeRecommendations): one fewer catalogue-wide allocation a fold-in for the collector to find.
 */
let scoresBuffer = new Float32Array(0);
function scoresFor(length: number): Float32Array {
  if (scoresBuffer.length !== length) scoresBuffer = new Float32Array(length);
  return scoresBuffer;
}

/**
 * Scores one user against the current models (the fold-in: no retrain, the user's latest feedback is the input)
 * and ranks, never returning what they already interacted with, adult titles, deleted movies or excluded ids.
 */
export function computeRecommendations(
  store: ModelStore,
  user: UserState,
  options: ComputeOptions,
  genreNames: Map<number, string>,
): Recommendation[] {
  const snapshot = store.current;
  const { catalogue } = snapshot;
  const items: number[] = [];
  const weights: number[] = [];
  const seen = new Set<number>();
  for (const f of user.feedback) {
    const i = catalogue.index.get(f.movieId);
    if (i === undefined) continue;
    seen.add(i);
    items.push(i);
    weights.push(f.weight);
  }
  for (const movieId of options.exclude ?? []) {
    const i = catalogue.index.get(movieId);
    if (i !== undefined) seen.add(i);
  }
  const input: UserInput = {
    items: Int32Array.from(items),
    weights: Float32Array.from(weights),
    favoriteGenres: user.favoriteGenres,
    ...(options.keep ? { key: user.userId } : {}),
  };
  const row = snapshot.userRows.get(user.userId);
  if (row !== undefined) input.row = row;
  const model = store.recommender(options.algorithm, options.variant);
  const scores = scoresFor(catalogue.movieIds.length);
  model.score(input, scores);
  const genres = options.genres && options.genres.length > 0 ? new Set(options.genres) : null;
  const ranked = rankItems(scores, {
    limit: options.limit,
    offset: options.offset ?? 0,
    // The score test first: it is the cheapest and rules out most items.
    excluded: (i) => !(scores[i]! > 0) || seen.has(i) || catalogue.adult[i] === 1 || snapshot.deleted.has(i),
    ...(genres ? { allowed: (i: number) => catalogue.meta[i]?.genres.some((g) => genres.has(g)) ?? false } : {}),
    diversity: options.diversity ?? options.variant?.diversity ?? 0,
    genresOf: (i) => catalogue.meta[i]?.genres ?? [],
  });
  const top = ranked[0]?.score ?? 1;
  return ranked.map((r, k) => ({
    movieId: catalogue.movieIds[r.item]!,
    title: catalogue.titles[r.item] ?? '',
    // Scores are relative to the best pick of this list, so stored scores stay within the table's 0–1 CHECK; six
    // decimals, as many as the table's real keeps, instead of the 17 digits a double prints in every copy of the
    // list (recommendations.generated, the cache, the analytics log: a sixth of the event's bytes).
    score: Math.round(Math.max(0, Math.min(1, r.score / top)) * 1e6) / 1e6,
    rank: (options.offset ?? 0) + k + 1,
    reason: describe(model.reason(input, r.item), snapshot, genreNames),
  }));
}
