// Catalog service: config → dependencies (db + migrations, topics, Redis, NATS) → import when empty → consumer, relay, HTTP.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '@marquee/contracts';
import { loadConfigOrExit } from '@marquee/platform-config';
import { openServiceDeps, readinessChecks, serve, startRelay } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import { buildCatalogApp } from './app';
import { createCatalogCache } from './cache/catalog-cache';
import { catalogConfigSchema } from './config';
import { startInteractionCounters } from './consumers/interaction-counters';
import type { CatalogContext } from './context';
import { runImport } from './jobs/run-import';

const config = loadConfigOrExit('catalog', catalogConfigSchema);
const deps = await openServiceDeps('catalog', config, {
  migrationsFolder: path.join(path.dirname(fileURLToPath(import.meta.url)), 'db/migrations'),
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
const ctx: CatalogContext = { database: deps.database, cache, logger: deps.logger };

if (config.CATALOG_IMPORT_ON_EMPTY) {
  const { rows } = await deps.database.db.execute(sql`select exists (select 1 from movies) as any`);
  if (!(rows[0] as { any: boolean }).any) await runImport(deps.database, config, deps.logger);
}

const relay = await startRelay(deps);
const counters = await startInteractionCounters({ deps, cache });
const app = await buildCatalogApp(ctx, { jwksUrl: config.AUTH_JWKS_URL, readiness: readinessChecks(deps) });
app.addHook('onClose', () => cache.close());
await serve(deps, app, config.PORT, { relay, consumers: [counters] });
