import type { DbOrTx } from '@marquee/platform-db';
import { type SQL, sql } from 'drizzle-orm';

/**
 * Up to this many matches (as the planner estimates them) every full-text match is ranked; above it only the
 * candidate windows are: the POPULAR_WINDOW most popular matches among the POPULAR_SCAN most popular movies, plus
 * up to TITLE_WINDOW most popular title matches. Each bound caps a cost that grows with the catalog; the bench
 * results (bench/results/catalog-*.md) show what they cost and how often the windows equal ranking every match.
 */
export const EXHAUSTIVE_UP_TO = 3000;
export const POPULAR_WINDOW = 200;
export const POPULAR_SCAN = 5000;
export const TITLE_WINDOW = 1000;
export type Ranking = 'auto' | 'exhaustive' | 'windows';

export const adultFilter = (includeAdult: boolean, alias: 'm' | 'w' = 'm') =>
  includeAdult ? sql`true` : alias === 'm' ? sql`not m.adult` : sql`not w.adult`;
// Written inline into each statement (not in a CTE) so the planner sees it and uses the GIN indexes.
export const webQuery = (q: string) => sql`websearch_to_tsquery('english', ${q})`;

/** The planner's estimate of the matches (from the search_vector statistics, no scan): counting costs most of ranking. */
export async function estimateMatches(db: DbOrTx, q: string, includeAdult: boolean): Promise<number> {
  const { rows } = await db.execute(sql`explain (format json)
    select 1 from movies m where m.search_vector @@ ${webQuery(q)} and ${adultFilter(includeAdult)}`);
  const plan = (rows[0] as { 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] })['QUERY PLAN'];
  return plan[0]?.Plan['Plan Rows'] ?? 0;
}

/** What `auto` ranking does for this query: every match, or the candidate windows. */
export async function chooseRanking(
  db: DbOrTx,
  q: string,
  opts: { includeAdult: boolean; ranking?: Ranking; exhaustiveUpTo?: number },
): Promise<'exhaustive' | 'windows'> {
  const ranking = opts.ranking ?? 'auto';
  if (ranking !== 'auto') return ranking;
  const estimate = await estimateMatches(db, q, opts.includeAdult);
  return estimate <= (opts.exhaustiveUpTo ?? EXHAUSTIVE_UP_TO) ? 'exhaustive' : 'windows';
}

/** One full-text match as a part reads it: what the parts' rows are merged by (bestMatches). */
export interface RankedMatch {
  id: number;
  rank: number;
  popularity: number | null;
}

/**
 * How many statements rank every match, each the matches of one residue of id: run on separate pool connections,
 * they rank at once on separate cores ("war -world" at 50k movies ranks 1,789 matches, ~1.5 µs each).
 */
export const EXHAUSTIVE_PARTS = 2;

/**
 * Statements each selecting (id, rank, popularity) of up to `limit` full-text matches over the weighted vector
 * (title A, overview B, tagline/director/cast C) ranked by ts_rank_cd, ties by popularity: every match split by id
 * into EXHAUSTIVE_PARTS, or the two candidate windows. The best `limit` of all their rows (bestMatches) are the
 * `limit` best matches of the ranking, since each part returns its own best `limit`. Independent of each other,
 * they are meant to run at once on separate connections.
 */
export async function rankedFullText(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean; ranking?: Ranking; exhaustiveUpTo?: number },
): Promise<SQL[]> {
  const adult = adultFilter(opts.includeAdult);
  const tsq = webQuery(q);
  const rank = sql`ts_rank_cd(m.search_vector, ${tsq}, 32)`;
  const order = sql`order by rank desc, coalesce(m.popularity_score, -1) desc, m.id limit ${opts.limit}`;
  if ((await chooseRanking(db, q, opts)) === 'exhaustive') {
    // Ranked in the scan itself: joined back to movies like the windows, the planner would rank the whole table.
    // Each part reads every match from the bitmap (~0.8 µs each) but ranks only its own (~1.5 µs each).
    return Array.from(
      { length: EXHAUSTIVE_PARTS },
      (_, part) => sql`select m.id, ${rank} as rank, m.popularity_score as popularity from movies m
        where m.search_vector @@ ${tsq} and ${adult} and m.id % ${EXHAUSTIVE_PARTS} = ${part} ${order}`,
    );
  }
  // The popular window walks movies_popular_first_idx and stops early, bounded by POPULAR_SCAN when the planner
  // over-estimates a phrase; the title window has no index in its order, so it is a top-N sort over the title GIN hits.
  // The title hits are checked against search_vector row by row (offset 0 keeps them apart): ANDed as bitmaps, the
  // planner read the whole search_vector posting list of a common word, about twice the time ("love" at 50k movies).
  // Each window ranks the rows it already holds: joined back to movies by id, ~1,100 index lookups for a common word
  // cost about a third of the statement. A movie in both windows comes from both with the same rank; bestMatches
  // keeps one.
  const windowRank = sql`ts_rank_cd(w.search_vector, ${tsq}, 32) as rank, w.popularity_score as popularity`;
  const best = sql`order by c.rank desc, coalesce(c.popularity, -1) desc, c.id limit ${opts.limit}`;
  return [
    sql`select c.id, c.rank, c.popularity from (select w.id, ${windowRank} from (select m.id, m.search_vector,
          m.popularity_score, m.adult from movies m order by coalesce(m.popularity_score, -1) desc, m.id
          limit ${POPULAR_SCAN}) w
        where w.search_vector @@ ${tsq} and ${adultFilter(opts.includeAdult, 'w')} limit ${POPULAR_WINDOW}) c ${best}`,
    sql`select c.id, c.rank, c.popularity from (select w.id, ${windowRank} from (select m.id, m.search_vector,
          m.popularity_score, m.adult from movies m where m.title_vector @@ ${tsq} offset 0) w
        where w.search_vector @@ ${tsq} and ${adultFilter(opts.includeAdult, 'w')}
        order by w.popularity_score desc nulls last, w.id limit ${TITLE_WINDOW}) c ${best}`,
  ];
}

/**
 * The `limit` best of the parts' rows, in the statements' order (rank descending, then popularity with none as -1,
 * then id): ranks are float4 and popularity float8, both exact as JS numbers, so the order is PostgreSQL's.
 */
export function bestMatches<T extends RankedMatch>(parts: readonly (readonly T[])[], limit: number): T[] {
  const byId = new Map<number, T>();
  for (const rows of parts) for (const r of rows) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()]
    .sort((a, b) => b.rank - a.rank || (b.popularity ?? -1) - (a.popularity ?? -1) || a.id - b.id)
    .slice(0, limit);
}

/** The ids of the best full-text matches, best first (what the search fuses with title matches). */
export async function rankFullText(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean; ranking?: Ranking; exhaustiveUpTo?: number },
): Promise<number[]> {
  const parts = await Promise.all(
    (await rankedFullText(db, q, opts)).map(async (part) => (await db.execute(part)).rows as unknown as RankedMatch[]),
  );
  return bestMatches(parts, opts.limit).map((r) => r.id);
}
