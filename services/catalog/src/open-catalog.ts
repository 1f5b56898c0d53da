import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '@marquee/contracts';
import { openServiceDeps, type ServiceDeps } from '@marquee/platform-service';
import { type CatalogCache, createCatalogCache } from './cache/catalog-cache';
import type { CatalogConfig } from './config';
import type { CatalogContext } from './context';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db/migrations');

/** Opens what the catalog runs on (database, topics, Redis, NATS, cache); main.ts and tests share it. */
export async function openCatalog(
  config: CatalogConfig,
): Promise<{ deps: ServiceDeps; cache: CatalogCache; ctx: CatalogContext }> {
  const deps = await openServiceDeps('catalog', config, {
    migrationsFolder,
    topics: [Topics.catalogMovie, Topics.interaction],
  });
  const cache = createCatalogCache({
    redis: deps.redis,
    nats: deps.nats,
    logger: deps.logger,
    ttlSeconds: config.CACHE_TTL_SECONDS,
    localTtlMs: config.CACHE_LOCAL_TTL_MS,
    prefix: config.CACHE_KEY_PREFIX,
  });
  return { deps, cache, ctx: { database: deps.database, cache, logger: deps.logger } };
}
