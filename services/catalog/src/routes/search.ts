import { type HttpApp, invalidField, Type } from '@marquee/platform-http';
import type { CatalogContext } from '../context';
import { MovieView } from '../db/movie-queries';
import { EXHAUSTIVE_UP_TO, POPULAR_SCAN, POPULAR_WINDOW, TITLE_WINDOW } from '../db/full-text-ranking';
import { searchMovies } from '../db/search-movies';
import { SUGGEST_LIMIT, suggestTitles, TitleSuggestion } from '../db/suggest-titles';
import { ErrorResponse, rejectUnknownQueryKeys } from './shared';

const SearchQuery = Type.Object({
  q: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'Words, "quoted phrases", -excluded or OR; misspellings of titles are tolerated.',
  }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
  include_adult: Type.Optional(Type.Boolean({ default: false })),
});

const SearchResult = Type.Object({
  items: Type.Array(
    Type.Object({
      movie: MovieView,
      score: Type.Number(),
      match: Type.Union([Type.Literal('fulltext'), Type.Literal('fuzzy')]),
      highlight: Type.Object({ title: Type.String(), overview: Type.Union([Type.String(), Type.Null()]) }),
    }),
  ),
});

const SuggestQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 100, description: 'What has been typed so far.' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SUGGEST_LIMIT, default: SUGGEST_LIMIT })),
  include_adult: Type.Optional(Type.Boolean({ default: false })),
});

const CONTROL_CHARACTERS = /\p{Cc}/gu;
const stripControlCharacters = (s: string) => s.replace(CONTROL_CHARACTERS, ' ');

export function registerSearchRoutes(app: HttpApp, ctx: CatalogContext): void {
  app.get(
    '/v1/search',
    {
      preValidation: rejectUnknownQueryKeys(Object.keys(SearchQuery.properties)),
      schema: {
        tags: ['search'],
        summary:
          'Search titles, overviews, taglines, directors and cast; misspelt titles too; highlights in <mark> (the text around them HTML-escaped)',
        description:
          'One ranking (score 0–1); equal scores by how close the title as written is to the query, then by ' +
          'popularity: a title equal to the query (case, punctuation and a leading ' +
          'article ignored) first (1, or 0.99 when only its key is); then titles holding every word of the query as ' +
          'typed, closest titles first (0.86–0.94); then titles holding every word, some misspelt (one edit in words ' +
          'of 3–4 letters, two from 5) or the last unfinished (0.68–0.76, or 0.24–0.28 when some title holds the words ' +
          'as typed); then matches found only in the overview, tagline, director or cast, or in some title words ' +
          '(0.25–0.55). `match` says whether full-text search matched the movie (`fulltext`) or only its misspelt ' +
          `title did (\`fuzzy\`). A query estimated to match more than ${EXHAUSTIVE_UP_TO} movies ranks only the ` +
          `${POPULAR_WINDOW} most popular full-text matches (among the ${POPULAR_SCAN} most popular movies) and up to ` +
          `${TITLE_WINDOW} most popular title matches.`,
        querystring: SearchQuery,
        response: { 200: SearchResult, 400: ErrorResponse },
      },
    },
    async (req) => {
      // Control characters (NUL above all) cannot reach PostgreSQL text; everything else is searched as typed.
      const q = stripControlCharacters(req.query.q).trim();
      if (!q) throw invalidField('querystring.q', 'must contain something to search for');
      return {
        items: await searchMovies(ctx.database.db, q, {
          limit: req.query.limit ?? 20,
          includeAdult: req.query.include_adult ?? false,
        }),
      };
    },
  );

  app.get(
    '/v1/search/suggest',
    {
      preValidation: rejectUnknownQueryKeys(Object.keys(SuggestQuery.properties)),
      schema: {
        tags: ['search'],
        summary: 'Title suggestions as the user types, most popular first',
        description:
          'Titles starting with what was typed (case, punctuation and a leading article ignored), most popular first; ' +
          'when fewer than limit, titles holding every typed word follow, most popular first, each word possibly ' +
          'misspelt (one edit in words of 3–4 letters, two from 5) and the last one possibly unfinished.',
        querystring: SuggestQuery,
        response: { 200: Type.Object({ items: Type.Array(TitleSuggestion) }), 400: ErrorResponse },
      },
    },
    async (req) => {
      const q = stripControlCharacters(req.query.q).trim();
      if (!q) throw invalidField('querystring.q', 'must contain something to complete');
      return {
        items: await suggestTitles(ctx.database.db, q, {
          limit: req.query.limit ?? SUGGEST_LIMIT,
          includeAdult: req.query.include_adult ?? false,
        }),
      };
    },
  );
}
