import { requireUser } from '@marquee/platform-auth';
import { badRequest, type HttpApp, Type } from '@marquee/platform-http';
import type { InteractionContext } from '../context';
import { withUser } from '../db/user-scope';
import { type InteractionInput, interactionProblems } from '../domain/interaction-rules';
import { recordForUser, removeForUser } from '../interactions/record-for-user';
import { interactionsWithMovie } from '../library/library-queries';
import {
  errors,
  FeedbackTypeSchema,
  InteractionTypeSchema,
  InteractionView,
  MovieIdSchema,
  SourceSchema,
  security,
  toView,
} from './schemas';

const Params = Type.Object({ movieId: MovieIdSchema, type: InteractionTypeSchema });
const Body = Type.Object(
  {
    rating: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 5 }), Type.Null()], { description: '1–5, only on type rating.' }),
    ),
    feedbackType: Type.Optional(Type.Union([FeedbackTypeSchema, Type.Null()])),
    feedbackComment: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()], { description: 'Needs feedbackType.' }),
    ),
    source: Type.Optional(SourceSchema),
  },
  { additionalProperties: false },
);

const MovieState = Type.Object({
  movieId: Type.Integer(),
  viewedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  liked: Type.Boolean(),
  disliked: Type.Boolean(),
  favorite: Type.Boolean(),
  watchlist: Type.Boolean(),
  rating: Type.Union([Type.Integer(), Type.Null()]),
  interactions: Type.Array(InteractionView),
});

/** The signed-in user's interactions with one movie: record (PUT), remove (DELETE), read (GET). */
export function registerInteractionRoutes(app: HttpApp, ctx: InteractionContext): void {
  app.put(
    '/v1/me/interactions/:movieId/:type',
    {
      // A PUT without a body records the interaction with defaults.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
      preHandler: requireUser,
      schema: {
        tags: ['interactions'],
        summary: 'Record an interaction (idempotent; a repeated view refreshes its time and is published again)',
        description:
          'One row per user, movie and type; the body replaces the stored rating, feedback and source. Publishes ' +
          'interaction.recorded when something changed; like and dislike remove each other (interaction.removed).',
        security,
        params: Params,
        body: Body,
        response: { 200: InteractionView, 201: InteractionView, ...errors(400, 401, 404, 503) },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const input: InteractionInput = {
        userId: req.identity?.userId as string,
        movieId: req.params.movieId,
        type: req.params.type,
        rating: body.rating ?? null,
        feedbackType: body.feedbackType ?? null,
        feedbackComment: body.feedbackComment ?? null,
        source: body.source ?? 'web',
        at: null,
      };
      const problems = interactionProblems(input, 'body.');
      if (problems.length > 0)
        throw badRequest('VALIDATION.FAILED', problems.map((p) => `${p.field} ${p.reason}`).join('; '), problems);
      const { created, row } = await recordForUser(ctx, input);
      return reply.code(created ? 201 : 200).send(toView(row, ctx.cipher));
    },
  );

  app.delete(
    '/v1/me/interactions/:movieId/:type',
    {
      preHandler: requireUser,
      schema: {
        tags: ['interactions'],
        summary: 'Remove an interaction (idempotent; publishes interaction.removed when there was one)',
        security,
        params: Params,
        response: { 204: Type.Null(), ...errors(400, 401) },
      },
    },
    async (req, reply) => {
      await removeForUser(ctx, req.identity?.userId as string, req.params.movieId, req.params.type);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/me/interactions/:movieId',
    {
      preHandler: requireUser,
      schema: {
        tags: ['interactions'],
        summary: 'What the signed-in user did to this movie',
        security,
        params: Type.Object({ movieId: MovieIdSchema }),
        response: { 200: MovieState, ...errors(400, 401) },
      },
    },
    async (req) => {
      const userId = req.identity?.userId as string;
      const rows = await withUser(ctx.database.db, userId, (tx) =>
        interactionsWithMovie(tx, userId, req.params.movieId),
      );
      const of = (type: string) => rows.find((r) => r.type === type);
      const view = of('view');
      return {
        movieId: req.params.movieId,
        viewedAt: view ? new Date(view.updatedAt).toISOString() : null,
        liked: Boolean(of('like')),
        disliked: Boolean(of('dislike')),
        favorite: Boolean(of('favorite')),
        watchlist: Boolean(of('watchlist')),
        rating: of('rating')?.rating ?? null,
        interactions: rows.map((r) => toView(r, ctx.cipher)),
      };
    },
  );
}
