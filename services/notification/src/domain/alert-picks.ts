export interface ScoredMovie {
  movieId: number;
  score: number;
  rank: number;
}

/**
 * The strong new picks of a recommendations.generated event: at least minScore, not already alerted,
 * best first, at most max. An empty list means no alert.
 */
export function strongNewPicks(
  items: ScoredMovie[],
  alreadyAlerted: ReadonlySet<number>,
  minScore: number,
  max: number,
): number[] {
  return items
    .filter((i) => i.score >= minScore && !alreadyAlerted.has(i.movieId))
    .sort((a, b) => b.score - a.score || a.rank - b.rank)
    .slice(0, max)
    .map((i) => i.movieId);
}

/** Exponential backoff for the nth failed attempt (1-based): base, 2·base, 4·base… capped at a day. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 86_400_000);
}
