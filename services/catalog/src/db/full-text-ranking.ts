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

/**
 * A statement selecting (id, rank) of the `limit` best full-text matches over the weighted vector (title A,
 * overview B, tagline/director/cast C) by ts_rank_cd, ties by popularity.
 */
export async function rankedFullText(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean; ranking?: Ranking; exhaustiveUpTo?: number },
): Promise<SQL> {
  const adult = adultFilter(opts.includeAdult);
  const tsq = webQuery(q);
  const rank = sql`ts_rank_cd(m.search_vector, ${tsq}, 32)`;
  const order = sql`order by rank desc, coalesce(m.popularity_score, -1) desc, m.id limit ${opts.limit}`;
  if ((await chooseRanking(db, q, opts)) === 'exhaustive') {
    // Ranked in the scan itself: joined back to movies like the windows, the planner would rank the whole table.
    return sql`select m.id, ${rank} as rank from movies m where m.search_vector @@ ${tsq} and ${adult} ${order}`;
  }
  // The popular window walks movies_popularity_idx and stops early, bounded by POPULAR_SCAN when the planner
  // over-estimates a phrase; the title window has no index in its order, so it is a top-N sort over the title GIN hits.
  // The title hits are checked against search_vector row by row (offset 0 keeps them apart): ANDed as bitmaps, the
  // planner read the whole search_vector posting list of a common word, about twice the time ("love" at 50k movies).
  // Each window ranks the rows it already holds: joined back to movies by id, ~1,100 index lookups for a common word
  // cost about a third of the statement. A movie in both windows comes twice with the same rank; union drops one.
  const windowRank = sql`ts_rank_cd(w.search_vector, ${tsq}, 32) as rank, w.popularity_score`;
  return sql`select c.id, c.rank from (
      (select w.id, ${windowRank} from (select m.id, m.search_vector, m.popularity_score, m.adult from movies m
          order by coalesce(m.popularity_score, -1) desc, m.id limit ${POPULAR_SCAN}) w
        where w.search_vector @@ ${tsq} and ${adultFilter(opts.includeAdult, 'w')} limit ${POPULAR_WINDOW})
      union
      (select w.id, ${windowRank} from (select m.id, m.search_vector, m.popularity_score, m.adult from movies m
          where m.title_vector @@ ${tsq} offset 0) w
        where w.search_vector @@ ${tsq} and ${adultFilter(opts.includeAdult, 'w')}
        order by w.popularity_score desc nulls last, w.id limit ${TITLE_WINDOW})) c
    order by c.rank desc, coalesce(c.popularity_score, -1) desc, c.id limit ${opts.limit}`;
}

/** The ids of the best full-text matches, best first (what the search fuses with title matches). */
export async function rankFullText(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean; ranking?: Ranking; exhaustiveUpTo?: number },
): Promise<number[]> {
  const { rows } = await db.execute(await rankedFullText(db, q, opts));
  return (rows as { id: number }[]).map((r) => r.id);
}
