import { registerAuth } from '@marquee/platform-auth';
import { createHttpApp, type HttpApp, type ReadinessCheck } from '@marquee/platform-http';
import type { CatalogContext } from './context';
import { registerAdminMovieRoutes } from './routes/admin-movies';
import { registerGenreRoutes } from './routes/genres';
import { registerMovieRoutes } from './routes/movies';
import { registerSearchRoutes } from './routes/search';

export const TMDB_NOTICE = 'This product uses the TMDB API but is not endorsed or certified by TMDB.';
export const MOVIELENS_NOTICE =
  'Ratings data: MovieLens ml-latest-small (F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context. ACM TiiS 5, 4, Article 19), non-commercial use under GroupLens terms.';

export interface AppOptions {
  jwksUrl: string;
  readiness?: Record<string, ReadinessCheck>;
}

/** The catalog's HTTP API (used by main.ts and by tests). */
export async function buildCatalogApp(ctx: CatalogContext, opts: AppOptions): Promise<HttpApp> {
  const app = await createHttpApp({
    service: 'catalog',
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness: opts.readiness ?? {},
    bodyLimitBytes: 256 * 1024,
    openapi: { title: 'Marquee catalog', description: `Movies, genres and search. ${TMDB_NOTICE} ${MOVIELENS_NOTICE}` },
  });
  registerAuth(app, { jwksUrl: opts.jwksUrl });
  registerMovieRoutes(app, ctx);
  registerAdminMovieRoutes(app, ctx);
  registerGenreRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  return app;
}
