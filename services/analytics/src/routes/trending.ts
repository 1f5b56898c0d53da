import { type HttpApp, Type } from '@marquee/platform-http';
import type { AnalyticsContext } from '../context';
import { latestTrending } from '../jobs/trending';
import { ErrorResponse, Nullable } from './shared';

/** The last published trending list: public, it names movies and scores only. */
export function registerTrendingRoute(app: HttpApp, ctx: AnalyticsContext): void {
  app.get(
    '/v1/analytics/trending',
    {
      schema: {
        tags: ['analytics'],
        summary: 'The trending movies last published (trending.updated)',
        response: {
          200: Type.Object({
            date: Type.String(),
            days: Type.Integer(),
            computedAt: Type.String(),
            movies: Type.Array(
              Type.Object({
                movieId: Type.Integer(),
                title: Nullable(Type.String()),
                score: Type.Number(),
                rank: Type.Integer(),
              }),
            ),
          }),
          404: ErrorResponse,
        },
      },
    },
    async (_req, reply) => {
      const latest = await latestTrending(ctx.reports.db);
      if (!latest)
        return reply
          .code(404)
          .send({ error: { code: 'TRENDING.NOT_COMPUTED', message: 'Trending has not been computed yet' } });
      return latest;
    },
  );
}
