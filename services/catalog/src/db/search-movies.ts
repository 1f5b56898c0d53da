import { type DbOrTx, intArray, textArray } from '@marquee/platform-db';
import { type SQL, sql } from 'drizzle-orm';
import { escapeHighlight } from '../domain/highlight';
import {
  alternativesFor,
  scoreCandidates,
  titleWordsQuery,
  withoutMisspeltArticle,
  writtenDistance,
} from '../domain/title-match';
import {
  adultFilter,
  bestMatches,
  type RankedMatch,
  type Ranking,
  rankedFullText,
  webQuery,
} from './full-text-ranking';
import { executeNamed } from './named-statement';
import { MOVIE_COLUMNS, type MovieView, toMovieView } from './movie-queries';

/** Title candidates read per path (every word, any word): the ranking picks among them. */
export const TITLE_CANDIDATES = 60;

export interface SearchHit {
  movie: MovieView;
  score: number;
  match: 'fulltext' | 'fuzzy';
  highlight: { title: string; overview: string | null };
}

const HEADLINE_TITLE = 'HighlightAll=true, StartSel=<mark>, StopSel=</mark>';
const HEADLINE_OVERVIEW = 'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2';

export interface QueryWords {
  /** The query as a title key (catalog_title_key). */
  key: string;
  /** Each distinct word of the key: whether it is a stop word, the title words near it, and which of those are. */
  words: { word: string; stop: boolean; lexicon: string[]; stops: string[] }[];
}

/** The query's key and, per word, the title words sharing a deletion variant with it (checked by editsAllowed after). */
export async function readQueryWords(db: DbOrTx, q: string): Promise<QueryWords> {
  const rows = await executeNamed(
    db,
    sql`
    with k as (select catalog_title_key(${q}) as key),
    w as (select u.w, min(u.ord) as ord from k, unnest(string_to_array(k.key, ' ')) with ordinality u(w, ord)
      where u.w <> '' group by u.w)
    select k.key, w.w as word, ts_lexize('english_stem', w.w) = '{}' as stop,
      coalesce(l.lexicon, '{}') as lexicon, coalesce(l.stops, '{}') as stops
    from k left join w on true
    left join lateral (select array_agg(distinct t.word) as lexicon,
        array_agg(distinct t.word) filter (where ts_lexize('english_stem', t.word) = '{}') as stops
      from unnest(catalog_word_variants(w.w)) v(variant) join title_words t on t.variant = v.variant) l on true
    order by w.ord`,
  );
  const typed = rows as {
    key: string | null;
    word: string | null;
    stop: boolean | null;
    lexicon: string[];
    stops: string[];
  }[];
  return {
    key: typed[0]?.key ?? '',
    words: typed
      .filter((r) => r.word !== null)
      .map((r) => ({ word: r.word as string, stop: r.stop === true, lexicon: r.lexicon, stops: r.stops })),
  };
}

/** Per typed word, the title words it may stand for (a stop word stands for itself only). */
export function wordGroups(words: QueryWords['words']): string[][] {
  return words.map((w) => (w.stop ? [w.word] : alternativesFor(w.word, w.lexicon)));
}

/**
 * The to_tsquery texts of the title paths: every typed word (all but a misspelt leading "the", which title keys
 * do not hold), or any of them without stop words (those would match most titles, and ranking them all is slow).
 */
export function titleQueries(query: QueryWords): { every: string; any: string; keys: string[] } {
  const stripped = withoutMisspeltArticle(query.key);
  const words = stripped === undefined ? query.words : query.words.slice(1);
  const content = words
    .filter((w) => !w.stop)
    .map((w) => alternativesFor(w.word, w.lexicon).filter((a) => !w.stops.includes(a)))
    .filter((g) => g.length > 0);
  // Stop words only when no other typed word is a title word or near one ("We Arru What We Are").
  const known = content.filter((g) => g.length > 1 || words.some((w) => w.lexicon.includes(g[0] as string)));
  return {
    every: titleWordsQuery(wordGroups(words), '&'),
    any: titleWordsQuery(known.length > 0 ? known : wordGroups(words), '|'),
    keys: stripped === undefined ? [query.key] : [query.key, stripped],
  };
}

interface CandidateRow {
  id: number;
  title: string;
  titleKey: string;
  popularity: number | null;
  rank: number | null;
  titleHit: boolean;
}

/** The full-text path's candidates: the ranked matches with what scoring reads of them, each part on its own connection. */
async function readFullTextCandidates(db: DbOrTx, q: string, parts: SQL[], limit: number): Promise<CandidateRow[]> {
  const rows = await Promise.all(
    parts.map(async (part) => {
      const { rows } = await db.execute(
        sql`
        select m.id, m.title, m.title_key as "titleKey", m.popularity_score as popularity, f.rank,
          m.title_vector @@ ${webQuery(q)} as "titleHit"
        from (${part}) f join movies m on m.id = f.id`,
      );
      return rows as unknown as (CandidateRow & RankedMatch)[];
    }),
  );
  return bestMatches(rows, limit);
}

/** The title paths' candidates (every word, any word when those are few, the exact key), ranked full-text when they match. */
async function readTitleCandidates(
  db: DbOrTx,
  q: string,
  query: QueryWords,
  opts: { limit: number; includeAdult: boolean },
): Promise<CandidateRow[]> {
  const adult = adultFilter(opts.includeAdult);
  const { every, any, keys } = titleQueries(query);
  const closest = sql`abs(length(m.title_key) - length(${query.key})), coalesce(m.popularity_score, -1) desc, m.id`;
  const { rows } = await db.execute(
    sql`
    with every_word as (select m.id from movies m
      where m.title_key_vector @@ to_tsquery('simple', ${every}) and ${adult} order by ${closest} limit ${TITLE_CANDIDATES}),
    any_word as (select m.id from movies m
      where (select count(*) from every_word) < ${opts.limit}
        and m.title_key_vector @@ to_tsquery('simple', ${any}) and ${adult}
      order by ts_rank(m.title_key_vector, to_tsquery('simple', ${any})) desc, ${closest} limit ${TITLE_CANDIDATES}),
    exact as (select m.id from movies m where m.title_key = any(${textArray(keys)}) and ${adult} limit ${TITLE_CANDIDATES}),
    c as (select id from every_word union select id from any_word union select id from exact)
    select m.id, m.title, m.title_key as "titleKey", m.popularity_score as popularity,
      case when m.search_vector @@ ${webQuery(q)} then ts_rank_cd(m.search_vector, ${webQuery(q)}, 32) end as rank,
      m.title_vector @@ ${webQuery(q)} as "titleHit"
    from c join movies m on m.id = c.id`,
  );
  return rows as unknown as CandidateRow[];
}

/**
 * Full-text search fused with title matching. Candidates come from four paths: the best full-text matches
 * (full-text-ranking.ts); titles holding every typed word, each possibly misspelt (its alternatives from the title
 * lexicon, the last word also as a prefix); when those are few, titles holding any of them; and titles whose key
 * equals the query's. All are scored on one scale (scoreCandidates), ties by popularity, so an exact title comes
 * first and a misspelt title is found even when a word of it also matches full-text elsewhere.
 */
export async function searchMovies(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean; ranking?: Ranking; exhaustiveUpTo?: number },
): Promise<SearchHit[]> {
  // Two independent chains on two pool connections: the full-text path (the planner's match estimate, then the
  // ranking) and the title paths (the title lexicon, then the title matches). Read in one statement after both
  // round trips, the two ran one after the other: a common word took their sum (~9 + ~5 ms at 50k movies).
  const [{ query, titleRows }, fullTextRows] = await Promise.all([
    readQueryWords(db, q).then(async (query) => ({ query, titleRows: await readTitleCandidates(db, q, query, opts) })),
    rankedFullText(db, q, opts).then((parts) => readFullTextCandidates(db, q, parts, opts.limit)),
  ]);
  const seen = new Set(titleRows.map((r) => r.id));
  const candidates = [...titleRows, ...fullTextRows.filter((r) => !seen.has(r.id))];
  const scores = scoreCandidates(
    query.key,
    q,
    candidates.map((r) => ({ ...r, textRank: r.rank === null ? null : Number(r.rank) })),
  );
  // writtenDistance (an edit distance over whole titles) only for candidates that can be listed at all.
  const ranked = candidates
    .flatMap((r, i) => {
      const score = scores[i] as number;
      if (!(score > 0)) return [];
      const popularity = r.popularity ?? -1;
      return [{ id: r.id, popularity, fullText: r.rank !== null, score, written: writtenDistance(q, r.title) }];
    })
    .sort((a, b) => b.score - a.score || a.written - b.written || b.popularity - a.popularity || a.id - b.id)
    .slice(0, opts.limit);
  if (ranked.length === 0) return [];
  // Named, so planned once per connection: the query is parsed once in a materialized CTE, since a generic plan
  // would parse it again for every row and every headline.
  const movies = await executeNamed(
    db,
    sql`
    with t as materialized (select ${webQuery(q)} as tsq)
    select ${MOVIE_COLUMNS},
      case when m.search_vector @@ t.tsq then ts_headline('english', m.title, t.tsq, ${HEADLINE_TITLE}) else m.title end as "hlTitle",
      case when m.overview is null then null else ts_headline('english', m.overview, t.tsq, ${HEADLINE_OVERVIEW}) end as "hlOverview"
    from t, movies m where m.id = any(${intArray(ranked.map((r) => r.id))})`,
  );
  const byId = new Map((movies as Record<string, unknown>[]).map((r) => [r.id as number, r]));
  return ranked.flatMap((r) => {
    const row = byId.get(r.id);
    if (!row) return [];
    const { hlTitle, hlOverview, ...movie } = row as { hlTitle: string; hlOverview: string | null };
    return [
      {
        movie: toMovieView(movie),
        score: r.score,
        match: r.fullText ? 'fulltext' : 'fuzzy',
        highlight: {
          title: escapeHighlight(hlTitle),
          overview: hlOverview === null ? null : escapeHighlight(hlOverview),
        },
      } satisfies SearchHit,
    ];
  });
}
