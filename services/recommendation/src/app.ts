import { registerAuth } from '@marquee/platform-auth';
import { createHttpApp, type HttpApp, type ReadinessCheck } from '@marquee/platform-http';
import type { RecommendationContext } from './context';
import { registerAdminModelRoutes } from './routes/admin-model';
import { registerRecommendationRoutes } from './routes/recommendations';

/** The recommendation HTTP API (main.ts and tests). */
export async function buildRecommendationApp(
  ctx: RecommendationContext,
  readiness: Record<string, ReadinessCheck>,
): Promise<HttpApp> {
  const app = await createHttpApp({
    service: 'recommendation',
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness,
    bodyLimitBytes: 4096,
    openapi: {
      title: 'Marquee recommendation',
      description:
        'Personal recommendations (collaborative, content-based, trending, hybrid), similar movies and clicks.',
    },
  });
  registerAuth(app, { jwksUrl: ctx.config.AUTH_JWKS_URL, cacheMaxEntries: ctx.config.AUTH_TOKEN_CACHE_SIZE });
  registerRecommendationRoutes(app, ctx);
  registerAdminModelRoutes(app, ctx);
  return app;
}
