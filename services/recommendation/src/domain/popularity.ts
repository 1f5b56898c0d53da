import type { Reason, Recommender, UserInput } from './recommender';

/** One timestamped positive signal for an item. */
export interface Event {
  item: number;
  /** Seconds since the epoch. */
  at: number;
  weight: number;
}

/** The same list for everyone: most-popular (no decay) or trending (time-decayed popularity). */
export class PopularityRecommender implements Recommender {
  readonly name: 'most_popular' | 'trending';
  readonly scores: Float32Array;
  constructor(name: 'most_popular' | 'trending', scores: Float32Array) {
    this.name = name;
    this.scores = scores;
  }

  score(_user: UserInput, out: Float32Array): void {
    out.set(this.scores.length > out.length ? this.scores.subarray(0, out.length) : this.scores);
    out.fill(0, this.scores.length);
  }

  reason(): Reason {
    return { kind: this.name === 'trending' ? 'trending' : 'popular' };
  }
}

/**
 * Popularity with exponential decay: an interaction `halfLifeDays` old counts half as much as one made at `now`.
 * Without a half-life this is plain most-popular. Scores are scaled to [0, 1].
 */
export function popularityScores(
  itemCount: number,
  events: Iterable<Event>,
  now: number,
  halfLifeDays: number | null,
): Float32Array {
  const scores = new Float32Array(itemCount);
  const rate = halfLifeDays === null ? 0 : Math.LN2 / (halfLifeDays * 86_400);
  for (const e of events) {
    if (e.weight <= 0) continue;
    scores[e.item]! += e.weight * Math.exp(-rate * Math.max(0, now - e.at));
  }
  let max = 0;
  for (const s of scores) max = Math.max(max, s);
  if (max > 0) for (let i = 0; i < itemCount; i++) scores[i]! /= max;
  return scores;
}
