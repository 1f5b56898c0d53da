import type { DbOrTx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
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
 * Matches ranked exhaustively only up to these windows: every match when there are at most POPULAR_WINDOW,
 * otherwise the POPULAR_WINDOW most popular matches plus (up to TITLE_WINDOW) the most popular title matches.
 * Ranking costs ~1.5 µs per match, so "love" (6,700 of 50k movies) took 12 ms ranked exhaustively; the windows
 * keep common words at a few ms. Title matches outrank overview-only ones unless the word recurs in an overview,
 * so the top 20 nearly always equal exhaustive ranking (24 of 26 sample queries at 50k; `pnpm bench catalog`
 * prints its own count). `exhaustive: true` ranks every match, for that comparison.
 */
export const POPULAR_WINDOW = 200;
export const TITLE_WINDOW = 1000;

/**
 * Full-text search over the weighted vector (title A, overview B, tagline/director/cast C), ranked by ts_rank_cd
 * over the candidate windows above; when it finds few (under FUZZY_BELOW), trigram similarity on titles adds
 * typo-tolerant matches. Scores merge on one scale: full-text 0.5 + 0.5·rank/(rank+1), fuzzy = title similarity
 * (0.3–1), so a near-exact misspelt title can outrank a weak overview-only match.
 */
export async function searchMovies(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean; exhaustive?: boolean },
): Promise<SearchHit[]> {
  const adult = opts.includeAdult ? sql`true` : sql`not m.adult`;
  // The tsquery is written inline (not in a CTE) so the planner sees it and uses the GIN indexes.
  const tsq = sql`websearch_to_tsquery('english', ${q})`;
  // The popular window's order matches movies_popularity_idx, so for common words the planner walks that index
  // and stops after POPULAR_WINDOW matches; the title window orders by an expression no index has (same order:
  // popularity is never negative), so it always comes from the title GIN index and never walks the table.
  const rank = sql`ts_rank_cd(m.search_vector, ${tsq}, 32)`;
  const order = sql`order by rank desc, coalesce(m.popularity_score, -1) desc, m.id limit ${opts.limit}`;
  // Exhaustive ranks in the scan itself: joined back to movies like the windows, the planner ranks the whole table.
  const ranked = opts.exhaustive
    ? sql`select m.id, ${rank} as rank from movies m where m.search_vector @@ ${tsq} and ${adult} ${order}`
    : sql`select m.id, ${rank} as rank from (
          (select m.id from movies m where m.search_vector @@ ${tsq} and ${adult}
            order by coalesce(m.popularity_score, -1) desc, m.id limit ${POPULAR_WINDOW})
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
    highlight: { title: hlTitle, overview: hlOverview },
  };
}
