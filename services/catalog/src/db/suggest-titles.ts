import { type DbOrTx, intArray } from '@marquee/platform-db';
import { type Static, Type } from '@marquee/platform-http';
import { sql } from 'drizzle-orm';
import { adultFilter } from './full-text-ranking';
import { readQueryWords, titleQueries } from './search-movies';

export const SUGGEST_LIMIT = 10;

export const TitleSuggestion = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  releaseYear: Type.Union([Type.Integer(), Type.Null()]),
  posterPath: Type.Union([Type.String(), Type.Null()]),
  popularityScore: Type.Union([Type.Number(), Type.Null()]),
});
export type TitleSuggestion = Static<typeof TitleSuggestion>;

/** `%` and `_` typed by someone are letters, not LIKE wildcards. */
const likePrefix = (key: string) => `${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Title completions for what has been typed so far, most popular first: titles whose key starts with the typed key
 * (so "dark kn" finds The Dark Knight); when fewer than the limit, titles holding every typed word follow, each word
 * possibly misspelt (editsAllowed) and the last one possibly unfinished ("knight dar", "godfater").
 */
export async function suggestTitles(
  db: DbOrTx,
  q: string,
  opts: { limit: number; includeAdult: boolean },
): Promise<TitleSuggestion[]> {
  const adult = adultFilter(opts.includeAdult);
  const columns = sql`m.id, m.title, m.release_year as "releaseYear", m.poster_path as "posterPath",
    m.popularity_score as "popularityScore"`;
  const popular = sql`coalesce(m.popularity_score, -1) desc, m.id`;
  const words = await readQueryWords(db, q);
  if (!words.key) return [];
  const { rows: prefixed } = await db.execute(sql`
    select ${columns} from movies m where m.title_key like ${likePrefix(words.key)} and ${adult}
    order by ${popular} limit ${opts.limit}`);
  const found = prefixed as TitleSuggestion[];
  if (found.length >= opts.limit) return found;
  const { every } = titleQueries(words);
  if (!every) return found;
  const { rows: worded } = await db.execute(sql`
    select ${columns} from movies m
    where m.title_key_vector @@ to_tsquery('simple', ${every}) and ${adult}
      and not (m.id = any(${intArray(found.map((f) => f.id))}))
    order by ${popular} limit ${opts.limit - found.length}`);
  return [...found, ...(worded as TitleSuggestion[])];
}
