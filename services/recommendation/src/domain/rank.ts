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

/** a ranks above b: higher score, then lower item (a total order, so the top of a list is one set). */
const above = (sa: number, ia: number, sb: number, ib: number) => sa > sb || (sa === sb && ia < ib);

/**
 * The `pool` best items by score, best first, through a bounded heap whose root is the worst kept (one pass, no
 * object per candidate: sorting growing arrays of candidates was a fold-in's largest cost after scoring).
 */
function topByScore(scores: Float32Array, pool: number, options: RankOptions): Ranked[] {
  const heapItem = new Int32Array(pool);
  const heapScore = new Float64Array(pool);
  let size = 0;
  const siftDown = (from: number) => {
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) return;
      let worst = left;
      const right = left + 1;
      if (right < size && above(heapScore[worst]!, heapItem[worst]!, heapScore[right]!, heapItem[right]!))
        worst = right;
      if (!above(heapScore[at]!, heapItem[at]!, heapScore[worst]!, heapItem[worst]!)) return;
      const s = heapScore[at]!;
      const i = heapItem[at]!;
      heapScore[at] = heapScore[worst]!;
      heapItem[at] = heapItem[worst]!;
      heapScore[worst] = s;
      heapItem[worst] = i;
      at = worst;
    }
  };
  // The worst score kept once the heap is full; items come in index order, so one scoring the same ranks below it.
  let floor = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s <= floor) continue;
    if (!Number.isFinite(s) || options.excluded(i)) continue;
    if (options.allowed && !options.allowed(i)) continue;
    if (size < pool) {
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!above(heapScore[parent]!, heapItem[parent]!, s, i)) break;
        heapScore[at] = heapScore[parent]!;
        heapItem[at] = heapItem[parent]!;
        at = parent;
      }
      heapScore[at] = s;
      heapItem[at] = i;
      if (size === pool) floor = heapScore[0]!;
    } else {
      heapScore[0] = s;
      heapItem[0] = i;
      siftDown(0);
      floor = heapScore[0]!;
    }
  }
  const out: Ranked[] = [];
  for (let k = 0; k < size; k++) out.push({ item: heapItem[k]!, score: heapScore[k]! });
  return out.sort((a, b) => b.score - a.score || a.item - b.item);
}

/** Top items by score; with diversity, each next pick is penalised by how often its genres were already picked. */
export function rankItems(scores: Float32Array, options: RankOptions): Ranked[] {
  const want = options.limit + (options.offset ?? 0);
  const diversity = options.diversity ?? 0;
  const pool = diversity > 0 ? want * 5 : want;
  const candidates = pool > 0 ? topByScore(scores, pool, options) : [];
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
