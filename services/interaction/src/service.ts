import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '@marquee/contracts';
import type { Subscription } from '@marquee/platform-bus';
import { FieldCipher } from '@marquee/platform-crypto';
import { createInputBatcher, createWriteBatcher } from '@marquee/platform-db';
import { type EventConsumer, startEventConsumer } from '@marquee/platform-events';
import { histogramOn, type Registry } from '@marquee/platform-metrics';
import { readinessChecks, type RunningService, type ServiceDeps, startService } from '@marquee/platform-service';
import { buildInteractionApp } from './app';
import type { InteractionConfig } from './config';
import { eraseInteractionsWhenUserDeleted } from './consumers/erase-user-interactions';
import { eraseMovieWhenDeleted, projectMovieWhenUpserted } from './consumers/known-movies-from-catalog';
import type { InteractionContext } from './context';
import { serveGdprExport } from './gdpr/export-over-nats';
import { encryptStoredComments } from './interactions/encrypt-stored-comments';
import { applyLiveWrites } from './interactions/record-for-user';
import { createMovieDirectory } from './movies/movie-directory';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db/migrations');
export const interactionTopics = [Topics.interaction, Topics.catalogMovie, Topics.authUser];

export type RunningInteraction = RunningService<InteractionContext>;

/** The one registration list of what this service consumes (catalog.movie.v1 and auth.user.v1). */
function startConsumer(deps: ServiceDeps): Promise<EventConsumer> {
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    metrics: deps.metrics,
    groupId: 'interaction',
    handlers: [projectMovieWhenUpserted, eraseMovieWhenDeleted, eraseInteractionsWhenUserDeleted],
  });
}

/** write_batch_* series: how many requests each batch held, how long they queued, how long its commit took. */
function batchMetrics(registry: Registry, batcher: string) {
  const size = histogramOn(registry, {
    name: 'write_batch_size',
    help: 'Requests per write batch (one transaction, one commit)',
    labelNames: ['batcher'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  });
  const queued = histogramOn(registry, {
    name: 'write_batch_queued_seconds',
    help: "Mean time a batch's requests waited before it began (window, or every commit slot busy)",
    labelNames: ['batcher'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
  });
  const commit = histogramOn(registry, {
    name: 'write_batch_commit_seconds',
    help: 'From begin to commit of a write batch (its statements, round trips and WAL flush)',
    labelNames: ['batcher'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
  });
  return (b: { size: number; queuedMs: number; commitMs: number }) => {
    size.observe({ batcher }, b.size);
    queued.observe({ batcher }, b.queuedMs / 1000);
    commit.observe({ batcher }, b.commitMs / 1000);
  };
}

/** Start order: deps (db + migrations, topics, redis, nats) → consumer, GDPR responder → HTTP app → relay. */
export function startInteraction(config: InteractionConfig): Promise<RunningInteraction> {
  return startService({
    name: 'interaction',
    config,
    migrationsFolder,
    topics: interactionTopics,
    async build(deps) {
      const cipher = FieldCipher.fromConfig(
        config.INTERACTION_ENCRYPTION_KEYS,
        config.INTERACTION_ENCRYPTION_ACTIVE_KID,
        {
          keys: 'INTERACTION_ENCRYPTION_KEYS',
          activeKid: 'INTERACTION_ENCRYPTION_ACTIVE_KID',
        },
      );
      await encryptStoredComments(deps.database, cipher, deps.logger);
      const batching = {
        windowMs: config.WRITE_BATCH_WINDOW_MS,
        maxBatch: config.WRITE_BATCH_WINDOW_MS === 0 ? 1 : config.WRITE_BATCH_MAX,
        maxConcurrent: config.WRITE_BATCH_CONCURRENCY,
      };
      const writes = createWriteBatcher(deps.database, {
        ...batching,
        onBatch: batchMetrics(deps.metrics, 'interaction-writes'),
      });
      const recorder = createInputBatcher(deps.database, applyLiveWrites, {
        ...batching,
        onBatch: batchMetrics(deps.metrics, 'interaction-recorder'),
      });
      const ctx: InteractionContext = {
        database: deps.database,
        logger: deps.logger,
        metrics: deps.metrics,
        recorder,
        writes,
        movies: createMovieDirectory({
          database: deps.database,
          catalogUrl: config.CATALOG_URL,
          timeoutMs: config.CATALOG_TIMEOUT_MS,
          logger: deps.logger,
        }),
        cipher,
        bulkMaxItems: config.BULK_MAX_ITEMS,
      };
      // Writes still queued are committed before the relay stops and the pool closes.
      const batchers = [
        { name: 'interaction-recorder', close: () => recorder.close() },
        { name: 'interaction-writes', close: () => writes.close() },
      ];
      let consumer: EventConsumer | undefined;
      let gdpr: Subscription | undefined;
      try {
        consumer = await startConsumer(deps);
        gdpr = serveGdprExport(deps.nats, ctx, config.NATS_SUBJECT_PREFIX);
        const app = await buildInteractionApp(ctx, {
          jwksUrl: config.AUTH_JWKS_URL,
          tokenCacheSize: config.AUTH_TOKEN_CACHE_SIZE,
          readiness: readinessChecks(deps),
        });
        const subscription = gdpr;
        return {
          ctx,
          app,
          consumers: [consumer],
          closers: [{ name: 'gdpr-export', close: async () => subscription.unsubscribe() }, ...batchers],
        };
      } catch (err) {
        // startService closes the connections; what build started is stopped here.
        gdpr?.unsubscribe();
        await consumer?.stop().catch(() => undefined);
        for (const b of batchers) await b.close().catch(() => undefined);
        throw err;
      }
    },
  });
}
