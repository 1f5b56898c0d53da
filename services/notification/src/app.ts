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
    readiness,
    bodyLimitBytes: ctx.config.BODY_LIMIT_BYTES,
    openapi: {
      title: 'Marquee notification',
      description: 'Notification preferences, delivery logs, tracking and unsubscribe links',
    },
  });
  // Name the offending property for additionalProperties errors (the shared handler only names the parent).
  app.setSchemaErrorFormatter((errs, dataVar) => {
    for (const e of errs) {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      if (extra) {
        e.instancePath = `${e.instancePath}/${extra}`;
        e.message = 'is not an accepted property';
      }
    }
    return new Error(`${dataVar} ${errs.map((e) => `${e.instancePath} ${e.message}`).join(', ')}`);
  });
  registerAuth(app, { jwksUrl: ctx.config.AUTH_JWKS_URL });
  registerPreferenceRoutes(app, ctx);
  registerNotificationRoutes(app, ctx);
  registerTrackingRoutes(app, ctx);
  return app;
}
