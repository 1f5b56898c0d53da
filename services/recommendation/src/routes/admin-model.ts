import { requireAdmin } from '@marquee/platform-auth';
import { conflict, type HttpApp, notFound, Type } from '@marquee/platform-http';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { ErrorResponse } from './recommendations';

export function registerAdminModelRoutes(app: HttpApp, ctx: RecommendationContext): void {
  app.get(
    '/v1/admin/recommendations/model',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Current model version, training progress and the last versions',
        response: {
          200: Type.Object({
            version: Type.Union([Type.Integer(), Type.Null()]),
            training: Type.Union([Type.Object({ version: Type.Integer(), progress: Type.Number() }), Type.Null()]),
            versions: Type.Array(Type.Record(Type.String(), Type.Unknown())),
          }),
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async () => {
      const versions = await ctx.database.db.execute(
        sql`select id, status, trigger, started_at, finished_at, users, items, interactions, train_ms, error
            from model_versions order by id desc limit 20`,
      );
      return { ...ctx.store.status(), versions: versions.rows };
    },
  );

  app.post(
    '/v1/admin/recommendations/model/train',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Start a full retrain in a worker thread (202; progress in GET …/model)',
        response: {
          202: Type.Object({ accepted: Type.Boolean() }),
          401: ErrorResponse,
          403: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (_req, reply) => {
      if (ctx.store.status().training) throw conflict('MODEL.TRAINING', 'A training is already running');
      ctx.store.train('command').catch((err: unknown) => ctx.logger.warn({ err }, 'commanded training ended early'));
      return reply.code(202).send({ accepted: true });
    },
  );

  app.delete(
    '/v1/admin/recommendations/model/train',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Cancel the running training',
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (_req, reply) => {
      if (!ctx.store.cancel()) throw notFound('MODEL.NOT_TRAINING', 'No training is running');
      return reply.code(204).send(null);
    },
  );
}
