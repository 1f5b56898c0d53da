import { registerAuth } from '@marquee/platform-auth';
import { createHttpApp, type HttpApp, type ReadinessCheck } from '@marquee/platform-http';
import type { AnalyticsContext } from './context';
import { registerAdminReportRoutes } from './routes/admin-reports';
import { registerTrendingRoute } from './routes/trending';
import { registerUserActivityRoutes } from './routes/user-activity';

/** Builds the analytics HTTP app (used by main and by tests). */
export async function buildAnalyticsApp(
  ctx: AnalyticsContext,
  opts: { jwksUrl: string; bodyLimitBytes: number; readiness?: Record<string, ReadinessCheck> },
): Promise<HttpApp> {
  const app = await createHttpApp({
    service: 'analytics',
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness: opts.readiness ?? {},
    bodyLimitBytes: opts.bodyLimitBytes,
    openapi: {
      title: 'Marquee analytics',
      description: 'Activity logs, daily popularity and click-through metrics, trending and operator reports',
    },
  });
  registerAuth(app, { jwksUrl: opts.jwksUrl });
  registerTrendingRoute(app, ctx);
  registerUserActivityRoutes(app, ctx);
  registerAdminReportRoutes(app, ctx);
  return app;
}
