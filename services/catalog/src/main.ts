// Catalog service: config → dependencies (db + migrations, topics, Redis, NATS) → import when empty → consumer, relay, HTTP.
import { loadConfigOrExit } from '@marquee/platform-config';
import { readinessChecks, serve, startRelay } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import { buildCatalogApp } from './app';
import { catalogConfigSchema } from './config';
import { startInteractionCounters } from './consumers/interaction-counters';
import { runImport } from './jobs/run-import';
import { openCatalog } from './open-catalog';

const config = loadConfigOrExit('catalog', catalogConfigSchema);
const { deps, cache, ctx } = await openCatalog(config);

if (config.CATALOG_IMPORT_ON_EMPTY) {
  const { rows } = await deps.database.db.execute(sql`select exists (select 1 from movies) as any`);
  if (!(rows[0] as { any: boolean }).any) await runImport(deps.database, config, deps.logger);
}

const relay = await startRelay(deps);
const counters = await startInteractionCounters({ deps, cache });
const app = await buildCatalogApp(ctx, { jwksUrl: config.AUTH_JWKS_URL, readiness: readinessChecks(deps) });
app.addHook('onClose', () => cache.close());
await serve(deps, app, config.PORT, { relay, consumers: [counters] });
