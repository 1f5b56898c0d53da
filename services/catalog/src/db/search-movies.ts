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
 * Full-text search over the weighted vector (title A, overview B, tagline/director/cast C),
 * ranked by ts_rank_cd; when it finds few (under FUZZY_BELOW), trigram similarity on titles adds typo-tolerant
 * matches. Scores merge on one scale: full-text 0.5 + 0.5·rank/(rank+1), fuzzy = title similarity (0.3–1),
 * so a near-exact misspelt title can outrank a weak overview-only match.
 */
export async function searchMovies(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean },
): Promise<SearchHit[]> {
  const adult = opts.includeAdult ? sql`true` : sql`not m.adult`;
  // The tsquery is written inline (not in a CTE) so the planner sees it and uses the GIN index.
  const tsq = sql`websearch_to_tsquery('english', ${q})`;
  const fts = await db.execute(sql`
    with hits as (
      select m.id, ts_rank_cd(m.search_vector, ${tsq}, 32) as rank
      from movies m where m.search_vector @@ ${tsq} and ${adult}
      order by rank desc, coalesce(m.popularity_score, -1) desc, m.id limit ${opts.limit})
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
