import { RecommendationClicked } from '@marquee/contracts';
import { requireUser } from '@marquee/platform-auth';
import { type HttpApp, invalidField, notFound, Type } from '@marquee/platform-http';
import { recordEvent } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { withUser } from '@marquee/platform-db';
import { ALGORITHMS, type AlgorithmName, assignVariant } from '../domain/experiments';
import { computeRecommendations } from '../recommend/compute';
import { currentDefaultPage, currentLists } from '../recommend/current-lists';
import { DEFAULT_PAGE_SIZE } from '../recommend/stored-value';
import { loadUserState, withEffectsAfterCommit } from '../recommend/compute-lists';
import { storeWaitingLists } from '../recommend/store-lists';

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

const IdList = (what: string) =>
  Type.Optional(Type.String({ pattern: '^\\d{1,9}(,\\d{1,9}){0,99}$', description: `Comma-separated ${what}.` }));

const ListQuery = Type.Object(
  {
    algorithm: Type.Optional(
      Type.Union(
        ALGORITHMS.map((a) => Type.Literal(a)),
        { description: 'Default: your variant’s (hybrid).' },
      ),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULT_PAGE_SIZE,
        description: 'Page size; values above the stored list size are capped.',
      }),
    ),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 0 })),
    genres: IdList('genre ids; only movies in at least one'),
    exclude: IdList('movie ids never to return'),
    diversity: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: '0 by score, 1 strongly mixes genres.' }),
    ),
  },
  { additionalProperties: false },
);

const Item = Type.Object({
  movieId: Type.Integer(),
  title: Type.String(),
  score: Type.Number(),
  rank: Type.Integer(),
  reason: Type.String(),
});
const ListResponse = Type.Object({
  algorithm: Type.String(),
  variant: Type.String(),
  generatedAt: Type.String(),
  items: Type.Array(Item),
});

const ids = (s: string | undefined) => (s ? s.split(',').map(Number) : []);

export function registerRecommendationRoutes(app: HttpApp, ctx: RecommendationContext): void {
  const max = ctx.config.RECOMMENDATION_LIST_SIZE;
  const storedLists = currentLists(ctx);
  const storedPage = currentDefaultPage(ctx);
  const defaultLimit = Math.min(DEFAULT_PAGE_SIZE, max);

  app.get(
    '/v1/me/recommendations',
    {
      preHandler: requireUser,
      schema: {
        tags: ['recommendations'],
        summary: 'Your recommendations, each with a reason; a user with no history gets cold-start picks',
        querystring: ListQuery,
        response: { 200: ListResponse, 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (req, reply) => {
      const userId = req.identity!.userId;
      const q = req.query;
      if (
        q.algorithm === undefined &&
        !q.genres &&
        !q.exclude &&
        q.diversity === undefined &&
        (q.offset ?? 0) === 0 &&
        Math.min(q.limit ?? DEFAULT_PAGE_SIZE, max) === defaultLimit
      ) {
        // The default page (the user's own variant, nothing filtered) is stored in Redis as sent
        // (stored-value.ts): no parse, no serialisation; built and stored on first use.
        return reply.type('application/json; charset=utf-8').send((await storedPage(userId)) as never);
      }
      const variant = assignVariant(ctx.variants, userId, ctx.config.RECOMMENDATION_EXPERIMENT_SALT);
      const algorithm: AlgorithmName = q.algorithm ?? variant.algorithm;
      const limit = Math.min(q.limit ?? DEFAULT_PAGE_SIZE, max);
      const offset = q.offset ?? 0;
      const genres = ids(q.genres);
      if (genres.length > 0) {
        const known = await ctx.genreNames();
        const unknown = genres.find((g) => !known.has(g));
        if (unknown !== undefined) throw invalidField('querystring.genres', `genre ${unknown} does not exist`);
      }
      const plain = algorithm === variant.algorithm && genres.length === 0 && !q.exclude && q.diversity === undefined;
      if (plain && offset + limit <= max) {
        // The stored list, from Redis; built (and stored) on first use.
        const [list] = await storedLists([userId]);
        return { ...list!, items: list!.items.slice(offset, offset + limit) };
      }
      const state = await withUser(ctx.database.db, userId, (tx) => loadUserState(tx, userId));
      const items = computeRecommendations(
        ctx.store,
        state,
        {
          algorithm,
          variant,
          limit,
          offset,
          genres,
          exclude: ids(q.exclude),
          ...(q.diversity !== undefined ? { diversity: q.diversity } : {}),
        },
        await ctx.genreNames(),
      );
      return { algorithm, variant: variant.variant, generatedAt: new Date().toISOString(), items };
    },
  );

  app.post(
    '/v1/me/recommendations/:movieId/click',
    {
      preHandler: requireUser,
      schema: {
        tags: ['recommendations'],
        summary: 'Record that you opened a recommended movie (publishes recommendation.clicked)',
        params: Type.Object({ movieId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        response: { 204: Type.Null(), 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (req, reply) => {
      const userId = req.identity!.userId;
      const { movieId } = req.params;
      const clicked = await withEffectsAfterCommit(ctx, (afterCommit) =>
        withUser(ctx.database.db, userId, async (tx) => {
          // The list the user saw may still be waiting to be written (the store delay).
          await storeWaitingLists(ctx, tx, { users: [userId] }, afterCommit);
          const rows = await tx.execute<{ algorithm: 'hybrid'; variant: string; clicked_at: Date }>(sql`
          update user_recommendations set clicked = true, clicked_at = coalesce(clicked_at, now())
          where user_id = ${userId} and movie_id = ${movieId}
          returning algorithm, variant, clicked_at`);
          for (const r of rows.rows)
            await recordEvent(tx, RecommendationClicked, userId, {
              userId,
              movieId,
              algorithm: r.algorithm,
              variant: r.variant,
              clickedAt: new Date(r.clicked_at).toISOString(),
            });
          return rows.rows.length;
        }),
      );
      if (clicked === 0)
        throw notFound('RECOMMENDATION.NOT_FOUND', `Movie ${movieId} is not among your recommendations`);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/recommendations/similar/:movieId',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Movies similar to one movie (content neighbours, available as soon as the movie is known)',
        params: Type.Object({ movieId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, default: 10, description: 'Capped at 50.' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ movieId: Type.Integer(), items: Type.Array(Item) }), 404: ErrorResponse },
      },
    },
    async (req) => {
      const { movieId } = req.params;
      const snapshot = ctx.store.current;
      const i = snapshot.catalogue.index.get(movieId);
      if (i === undefined || snapshot.deleted.has(i))
        throw notFound('MOVIE.NOT_FOUND', `Movie ${movieId} is not known`);
      const scores = new Float32Array(snapshot.catalogue.movieIds.length);
      snapshot.models.content.scoreSimilar(i, scores);
      const title = snapshot.catalogue.titles[i] ?? '';
      const items = computeSimilar(scores, snapshot, Math.min(req.query.limit ?? 10, 50), i).map((r, k) => ({
        ...r,
        rank: k + 1,
        reason: `Similar to ${title}`,
      }));
      return { movieId, items };
    },
  );
}

function computeSimilar(
  scores: Float32Array,
  snapshot: RecommendationContext['store']['current'],
  limit: number,
  self: number,
) {
  const order = [...scores.keys()]
    .filter((j) => j !== self && scores[j]! > 0 && snapshot.catalogue.adult[j] !== 1 && !snapshot.deleted.has(j))
    .sort((a, b) => scores[b]! - scores[a]!)
    .slice(0, limit);
  const top = scores[order[0] ?? 0] || 1;
  return order.map((j) => ({
    movieId: snapshot.catalogue.movieIds[j]!,
    title: snapshot.catalogue.titles[j] ?? '',
    score: Math.min(1, scores[j]! / top),
  }));
}
