import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MovieDeleted, MovieUpserted, Topics, UserDeleted } from '@marquee/contracts';
import type { Subscription } from '@marquee/platform-bus';
import { createInputBatcher, createWriteBatcher } from '@marquee/platform-db';
import { type EventConsumer, type OutboxRelay, startEventConsumer } from '@marquee/platform-events';
import type { HttpApp } from '@marquee/platform-http';
import {
  closeAll,
  closers,
  openServiceDeps,
  readinessChecks,
  type ServiceDeps,
  startRelay,
} from '@marquee/platform-service';
import { buildInteractionApp } from './app';
import type { InteractionConfig } from './config';
import { eraseInteractionsWhenUserDeleted } from './consumers/erase-user-interactions';
import { eraseMovieWhenDeleted, projectMovieWhenUpserted } from './consumers/known-movies-from-catalog';
import type { InteractionContext } from './context';
import { serveGdprExport } from './gdpr/export-over-nats';
import { applyLiveWrites } from './interactions/record-for-user';
import { createMovieDirectory } from './movies/movie-directory';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db/migrations');
export const interactionTopics = [Topics.interaction, Topics.catalogMovie, Topics.authUser];

export interface RunningInteraction {
  deps: ServiceDeps;
  ctx: InteractionContext;
  app: HttpApp;
  relay: OutboxRelay;
  consumer: EventConsumer;
  gdpr: Subscription;
  close(): Promise<void>;
}

/** The one registration list of what this service consumes. */
function startConsumer(deps: ServiceDeps): Promise<EventConsumer> {
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    groupId: 'interaction',
    topics: [Topics.catalogMovie, Topics.authUser],
    handlers: {
      [MovieUpserted.type]: projectMovieWhenUpserted,
      [MovieDeleted.type]: eraseMovieWhenDeleted,
      [UserDeleted.type]: eraseInteractionsWhenUserDeleted,
    },
  });
}

/** Start order: deps (db + migrations, topics, redis, nats) → consumer, relay, GDPR responder → HTTP app. */
export async function startInteraction(config: InteractionConfig): Promise<RunningInteraction> {
  const deps = await openServiceDeps('interaction', config, { migrationsFolder, topics: interactionTopics });
  const batching = {
    windowMs: config.WRITE_BATCH_WINDOW_MS,
    maxBatch: config.WRITE_BATCH_WINDOW_MS === 0 ? 1 : config.WRITE_BATCH_MAX,
  };
  const writes = createWriteBatcher(deps.database, batching);
  const recorder = createInputBatcher(deps.database, applyLiveWrites, batching);
  const ctx: InteractionContext = {
    database: deps.database,
    logger: deps.logger,
    recorder,
    writes,
    movies: createMovieDirectory({
      database: deps.database,
      catalogUrl: config.CATALOG_URL,
      timeoutMs: config.CATALOG_TIMEOUT_MS,
      logger: deps.logger,
    }),
    bulkMaxItems: config.BULK_MAX_ITEMS,
  };
  try {
    const consumer = await startConsumer(deps);
    const relay = await startRelay(deps);
    const gdpr = serveGdprExport(deps.nats, ctx, config.NATS_SUBJECT_PREFIX);
    const app = await buildInteractionApp(ctx, {
      jwksUrl: config.AUTH_JWKS_URL,
      tokenCacheSize: config.AUTH_TOKEN_CACHE_SIZE,
      readiness: readinessChecks(deps),
    });
    // Writes still queued are committed before the pool closes.
    app.addHook('onClose', async () => {
      gdpr.unsubscribe();
      await recorder.close();
      await writes.close();
    });
    return {
      deps,
      ctx,
      app,
      relay,
      consumer,
      gdpr,
      async close() {
        await app.close();
        await closeAll(closers(deps, { relay, consumers: [consumer] }));
      },
    };
  } catch (err) {
    await closeAll(closers(deps));
    throw err;
  }
}
