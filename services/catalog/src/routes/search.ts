import { type HttpApp, invalidField, Type } from '@marquee/platform-http';
import type { CatalogContext } from '../context';
import { MovieView } from '../db/movie-queries';
import {
  EXHAUSTIVE_UP_TO,
  FUZZY_BELOW,
  POPULAR_SCAN,
  POPULAR_WINDOW,
  searchMovies,
  TITLE_WINDOW,
} from '../db/search-movies';
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
          'Search titles, overviews, taglines, directors and cast; highlights in <mark> (the text around them HTML-escaped)',
        description:
          'Ranked by relevance (title, then overview, then tagline, director and cast), ties by popularity. ' +
          `A query estimated to match more than ${EXHAUSTIVE_UP_TO} movies ranks only the ${POPULAR_WINDOW} most popular ` +
          `matches (among the ${POPULAR_SCAN} most popular movies) and up to ${TITLE_WINDOW} most popular title matches. ` +
          `Under ${FUZZY_BELOW} full-text hits (or under limit, if smaller), similar titles (typos) follow.`,
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
}
