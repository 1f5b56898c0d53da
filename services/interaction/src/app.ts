import { registerAuth } from '@marquee/platform-auth';
import { createHttpApp, type HttpApp, type ReadinessCheck } from '@marquee/platform-http';
import type { InteractionContext } from './context';
import { registerAdminImportRoutes } from './routes/admin-import';
import { registerInteractionRoutes } from './routes/interactions';
import { registerLibraryRoutes } from './routes/library';

/** The interaction HTTP API (used by main.ts and by tests). */
export async function buildInteractionApp(
  ctx: InteractionContext,
  opts: { jwksUrl: string; tokenCacheSize?: number; readiness?: Record<string, ReadinessCheck> },
): Promise<HttpApp> {
  const app = await createHttpApp({
    service: 'interaction',
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness: opts.readiness ?? {},
    // An import batch of BULK_MAX_ITEMS rows of ~300 bytes.
    bodyLimitBytes: Math.max(64 * 1024, ctx.bulkMaxItems * 600),
    openapi: {
      title: 'Marquee interaction',
      description: 'Views, likes, dislikes, favorites, watchlist, ratings and feedback; user libraries.',
    },
  });
  registerAuth(app, { jwksUrl: opts.jwksUrl, cacheMaxEntries: opts.tokenCacheSize ?? 0 });
  registerInteractionRoutes(app, ctx);
  registerLibraryRoutes(app, ctx);
  registerAdminImportRoutes(app, ctx);
  return app;
}
