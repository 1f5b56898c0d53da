import type { DbOrTx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import { escapeHighlight } from '../domain/highlight';
import { MOVIE_COLUMNS, type MovieView, toMovieView } from './movie-queries';
import { intArray } from './sql-arrays';

/** Full-text hits below which misspelt-title matches are looked for (the trigram pass is the costly one). */
export const FUZZY_BELOW = 5;

export interface SearchHit {
  movie: MovieView;
  score: number;
  match: 'fulltext' | 'fuzzy';
  highlight: { title: string; overview: string | null };
}

const HEADLINE_TITLE = 'HighlightAll=true, StartSel=<mark>, StopSel=</mark>';
const HEADLINE_OVERVIEW = 'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2';

/**
 * How matches are ranked. Ranking costs ~1.5 µs per match: "love" (6,700 of 50k movies) took 12 ms ranked
 * exhaustively, while below ~3,000 matches ranking them all costs no more than the windows. Up to EXHAUSTIVE_UP_TO matches (as the planner estimates them) every match is ranked; above it only
 * candidate windows are: the POPULAR_WINDOW most popular matches (among the POPULAR_SCAN most popular movies) plus up
 * to TITLE_WINDOW most popular title matches.
 * Title matches outrank overview-only ones unless the word recurs in an overview, so the windows' top 20 nearly
 * always equal exhaustive ranking; `pnpm bench catalog` prints how often, and the time both ways. The estimate runs
 * low for several words (their frequencies multiplied) and high for phrases and negations ("a b" as a AND b); both
 * errors are bounded: exhaustive ranking reads what the GIN index matches, the windows at most POPULAR_SCAN movies
 * plus the title matches.
 */
export const EXHAUSTIVE_UP_TO = 3000;
export const POPULAR_WINDOW = 200;
/** The popular window looks at most this many of the most popular movies (a bound on its cost: ~0.8 µs each). */
export const POPULAR_SCAN = 5000;
export const TITLE_WINDOW = 1000;
export type Ranking = 'auto' | 'exhaustive' | 'windows';

const adultFilter = (includeAdult: boolean) => (includeAdult ? sql`true` : sql`not m.adult`);
// Written inline into each statement (not in a CTE) so the planner sees it and uses the GIN indexes.
const webQuery = (q: string) => sql`websearch_to_tsquery('english', ${q})`;

/**
 * The planner's estimate of the matches (from the search_vector statistics, no scan): counting them exactly
 * would cost most of what ranking them does.
 */
export async function estimateMatches(db: DbOrTx, q: string, includeAdult: boolean): Promise<number> {
  const { rows } = await db.execute(sql`explain (format json)
    select 1 from movies m where m.search_vector @@ ${webQuery(q)} and ${adultFilter(includeAdult)}`);
  const plan = (rows[0] as { 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] })['QUERY PLAN'];
  return plan[0]?.Plan['Plan Rows'] ?? 0;
}

/**
 * Full-text search over the weighted vector (title A, overview B, tagline/director/cast C), ranked by ts_rank_cd
 * (see EXHAUSTIVE_UP_TO); when it finds few (under FUZZY_BELOW), trigram similarity on titles adds typo-tolerant
 * matches. Scores merge on one scale: full-text 0.5 + 0.5·rank/(rank+1), fuzzy = title similarity (0.3–1), so a
 * near-exact misspelt title can outrank a weak overview-only match.
 */
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

export async function searchMovies(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean; ranking?: Ranking; exhaustiveUpTo?: number },
): Promise<SearchHit[]> {
  const adult = adultFilter(opts.includeAdult);
  const tsq = webQuery(q);
  const exhaustive = (await chooseRanking(db, q, opts)) === 'exhaustive';
  const rank = sql`ts_rank_cd(m.search_vector, ${tsq}, 32)`;
  const order = sql`order by rank desc, coalesce(m.popularity_score, -1) desc, m.id limit ${opts.limit}`;
  // Exhaustive ranks in the scan itself: joined back to movies like the windows, the planner ranks the whole table.
  // The popular window walks movies_popularity_idx through at most POPULAR_SCAN movies and stops at POPULAR_WINDOW
  // matches: "love" stops after ~2,000 movies. Unbounded, a phrase the planner over-estimates ("origins return":
  // 2,372 estimated, 13 real) walked all 50k movies (60-90 ms); read through the GIN index and sorted instead,
  // visiting every match cost as much as ranking it. The title window orders by an expression no index has (the
  // same order: popularity is never negative), so it comes from the title GIN index and a top-N sort.
  const ranked = exhaustive
    ? sql`select m.id, ${rank} as rank from movies m where m.search_vector @@ ${tsq} and ${adult} ${order}`
    : sql`select m.id, ${rank} as rank from (
          (select m.id from (select m.id, m.search_vector, m.adult from movies m
              order by coalesce(m.popularity_score, -1) desc, m.id limit ${POPULAR_SCAN}) m
            where m.search_vector @@ ${tsq} and ${adult} limit ${POPULAR_WINDOW})
          union
          (select m.id from movies m where m.title_vector @@ ${tsq} and m.search_vector @@ ${tsq} and ${adult}
            order by m.popularity_score desc nulls last, m.id limit ${TITLE_WINDOW})) c
        join movies m on m.id = c.id ${order}`;
  const fts = await db.execute(sql`
    with hits as (${ranked})
    select ${MOVIE_COLUMNS}, 0.5 + 0.5 * hits.rank as score,
      ts_headline('english', m.title, ${tsq}, ${HEADLINE_TITLE}) as "hlTitle",
      case when m.overview is null then null else ts_headline('english', m.overview, ${tsq}, ${HEADLINE_OVERVIEW}) end as "hlOverview"
    from hits join movies m on m.id = hits.id`);
  const hits: SearchHit[] = fts.rows.map((r) => toHit(r, 'fulltext'));
  if (hits.length < Math.min(FUZZY_BELOW, opts.limit)) {
    const seen = hits.map((h) => h.movie.id);
    // % (similarity ≥ 0.3) and <% (word similarity ≥ 0.6) both use the title's trigram GIN index.
    const fuzzy = await db.execute(sql`
      with hits as (
        select m.id, greatest(similarity(m.title, ${q}), word_similarity(${q}, m.title)) as sim
        from movies m where (m.title % ${q} or ${q} <% m.title) and ${adult} and not (m.id = any(${intArray(seen)}))
        order by sim desc, coalesce(m.popularity_score, -1) desc, m.id limit ${opts.limit - hits.length})
      select ${MOVIE_COLUMNS}, hits.sim as score, m.title as "hlTitle",
        case when m.overview is null then null else ts_headline('english', m.overview, plainto_tsquery('english', ${q}), ${HEADLINE_OVERVIEW}) end as "hlOverview"
      from hits join movies m on m.id = hits.id`);
    hits.push(...fuzzy.rows.map((r) => toHit(r, 'fuzzy')));
  }
  return hits.sort(
    (a, b) =>
      b.score - a.score || (b.movie.popularityScore ?? -1) - (a.movie.popularityScore ?? -1) || a.movie.id - b.movie.id,
  );
}

function toHit(row: Record<string, unknown>, match: SearchHit['match']): SearchHit {
  const { score, hlTitle, hlOverview, ...movie } = row as { score: number; hlTitle: string; hlOverview: string | null };
  return {
    movie: toMovieView(movie),
    score: Number(score),
    match,
    highlight: { title: escapeHighlight(hlTitle), overview: hlOverview === null ? null : escapeHighlight(hlOverview) },
  };
}
