/** Which items may be returned and how to pick among them. */
export interface RankOptions {
  limit: number;
  offset?: number;
  /** Items never returned (history, caller's exclude list, adult titles, deleted movies). */
  excluded: (item: number) => boolean;
  /** When set, only items for which it returns true. */
  allowed?: (item: number) => boolean;
  /** 0 = by score only; 1 = strongly prefer genres not yet shown (maximal-marginal-relevance over genres). */
  diversity?: number;
  genresOf?: (item: number) => readonly number[];
}

export interface Ranked {
  item: number;
  score: number;
}

/** Top items by score; with diversity, each next pick is penalised by how often its genres were already picked. */
export function rankItems(scores: Float32Array, options: RankOptions): Ranked[] {
  const want = options.limit + (options.offset ?? 0);
  const diversity = options.diversity ?? 0;
  const pool = diversity > 0 ? want * 5 : want;
  const candidates: Ranked[] = [];
  let floor = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s <= floor || !Number.isFinite(s) || options.excluded(i)) continue;
    if (options.allowed && !options.allowed(i)) continue;
    candidates.push({ item: i, score: s });
    if (candidates.length >= pool * 4) {
      candidates.sort((a, b) => b.score - a.score || a.item - b.item);
      candidates.length = pool;
      floor = candidates[pool - 1]!.score;
    }
  }
  candidates.sort((a, b) => b.score - a.score || a.item - b.item);
  candidates.length = Math.min(candidates.length, pool);
  const picked =
    diversity > 0 && options.genresOf ? diversify(candidates, want, diversity, options.genresOf) : candidates;
  return picked.slice(options.offset ?? 0, want);
}

function diversify(
  candidates: Ranked[],
  want: number,
  diversity: number,
  genresOf: (item: number) => readonly number[],
): Ranked[] {
  const top = candidates[0]?.score ?? 1;
  const shown = new Map<number, number>();
  const rest = [...candidates];
  const out: Ranked[] = [];
  while (out.length < want && rest.length > 0) {
    let bestAt = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    rest.forEach((c, at) => {
      const genres = genresOf(c.item);
      const overlap = genres.reduce((s, g) => s + (shown.get(g) ?? 0), 0) / Math.max(1, genres.length);
      const value = c.score / (top || 1) - diversity * (overlap / Math.max(1, out.length));
      if (value > bestValue) {
        bestValue = value;
        bestAt = at;
      }
    });
    const [chosen] = rest.splice(bestAt, 1);
    for (const g of genresOf(chosen!.item)) shown.set(g, (shown.get(g) ?? 0) + 1);
    out.push(chosen!);
  }
  return out;
}
