// Child process of the catalog benchmark: the catalog app (with and without its in-process cache) and a
// bare Fastify route answering the same Redis key, each on its own port. Prints the ports as one JSON line.
import { Topics } from '@marquee/contracts';
import { loadConfig } from '@marquee/platform-config';
import { openServiceDeps } from '@marquee/platform-service';
import Fastify from 'fastify';
import { buildCatalogApp } from '../src/app';
import { createCatalogCache } from '../src/cache/catalog-cache';
import { catalogConfigSchema } from '../src/config';
import { migrationsFolder } from './bench-env';

const config = loadConfig('catalog', catalogConfigSchema, { ...process.env, LOG_LEVEL: 'error' });
const deps = await openServiceDeps('catalog', config, {
  migrationsFolder,
  topics: [Topics.catalogMovie, Topics.interaction],
});

async function catalogApp(localTtlMs: number) {
  const cache = createCatalogCache({
    redis: deps.redis,
    nats: deps.nats,
    logger: deps.logger,
    ttlSeconds: 600,
    localTtlMs,
    localMaxEntries: config.CACHE_LOCAL_MAX_ENTRIES,
    prefix: config.CACHE_KEY_PREFIX,
  });
  const app = await buildCatalogApp(
    { database: deps.database, cache, logger: deps.logger },
    { jwksUrl: config.AUTH_JWKS_URL },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

const withLocal = await catalogApp(60_000);
const redisOnly = await catalogApp(0);
const bare = Fastify({ logger: false });
const key = `${config.CACHE_KEY_PREFIX}movie:1`;
bare.get('/bare/movies/1', async (_req, reply) =>
  reply.header('content-type', 'application/json; charset=utf-8').send(await deps.redis.get(key)),
);
await bare.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(
  `${JSON.stringify({ withLocal, redisOnly, bare: (bare.server.address() as { port: number }).port })}\n`,
);
