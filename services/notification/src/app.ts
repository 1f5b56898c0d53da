import { registerAuth } from '@marquee/platform-auth';
import { createHttpApp, type HttpApp, type ReadinessCheck } from '@marquee/platform-http';
import type { NotificationContext } from './context';
import { registerNotificationRoutes } from './routes/notifications';
import { registerPreferenceRoutes } from './routes/preferences';
import { registerTrackingRoutes } from './routes/tracking';

/** Builds the notification HTTP app (used by main and by tests). */
export async function buildNotificationApp(
  ctx: NotificationContext,
  readiness: Record<string, ReadinessCheck> = {},
): Promise<HttpApp> {
  const app = await createHttpApp({
    service: 'notification',
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness,
    bodyLimitBytes: ctx.config.BODY_LIMIT_BYTES,
    openapi: {
      title: 'Marquee notification',
      description: 'Notification preferences, delivery logs, tracking and unsubscribe links',
    },
  });
  registerAuth(app, { jwksUrl: ctx.config.AUTH_JWKS_URL });
  registerPreferenceRoutes(app, ctx);
  registerNotificationRoutes(app, ctx);
  registerTrackingRoutes(app, ctx);
  return app;
}
