import { Topics } from '@marquee/contracts';
import {
  opsApp,
  readinessChecks,
  type RunningService,
  runsWork,
  servesApi,
  startService,
} from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import { buildCatalogApp } from './app';
import { createCatalogCache } from './cache/catalog-cache';
import type { CatalogConfig } from './config';
import { startInteractionCounters } from './consumers/interaction-counters';
import type { CatalogContext } from './context';
import { migrationsFolder } from './db/open-catalog-database';
import { runImport } from './jobs/run-import';

export const catalogTopics = [Topics.catalogMovie, Topics.interaction];

export type RunningCatalog = RunningService<CatalogContext>;

/**
 * Start order: deps (db, migrations, topics, redis, nats) → cache → import until one has finished → counters → HTTP
 * app → relay. SERVICE_ROLE=api imports and serves the API without the counters; worker runs the counters only.
 */
export function startCatalog(config: CatalogConfig): Promise<RunningCatalog> {
  return startService({
    name: 'catalog',
    config,
    migrationsFolder,
    topics: catalogTopics,
    async build(deps, role) {
      const cache = createCatalogCache({
        redis: deps.redis,
        nats: deps.nats,
        logger: deps.logger,
        ttlSeconds: config.CACHE_TTL_SECONDS,
        localTtlMs: config.CACHE_LOCAL_TTL_MS,
        localMaxEntries: config.CACHE_LOCAL_MAX_ENTRIES,
        prefix: config.CACHE_KEY_PREFIX,
        metrics: deps.metrics,
      });
      const ctx: CatalogContext = { database: deps.database, cache, logger: deps.logger, metrics: deps.metrics };
      const own = [{ name: 'catalog-cache', close: () => cache.close() }];
      try {
        if (servesApi(role) && config.CATALOG_IMPORT_ON_EMPTY) {
          // Not "whether any movie exists": an import stopped between its batches left some (migration 0008).
          const { rows } = await deps.database.db.execute(sql`select exists (select 1 from catalog_imports) as done`);
          if (!(rows[0] as { done: boolean }).done) await runImport(deps.database, config, deps.logger);
        }
        const consumers = runsWork(role) ? [await startInteractionCounters({ deps, cache })] : [];
        try {
          const app = servesApi(role)
            ? await buildCatalogApp(ctx, { jwksUrl: config.AUTH_JWKS_URL, readiness: readinessChecks(deps) })
            : await opsApp(deps);
          return { ctx, app, consumers, closers: own };
        } catch (err) {
          for (const c of consumers) await c.stop().catch(() => {});
          throw err;
        }
      } catch (err) {
        await cache.close();
        throw err;
      }
    },
  });
}
