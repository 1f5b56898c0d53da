import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '@marquee/contracts';
import type { Subscription } from '@marquee/platform-bus';
import type { EventConsumer, OutboxRelay } from '@marquee/platform-events';
import type { HttpApp } from '@marquee/platform-http';
import {
  closeAll,
  closers,
  openServiceDeps,
  readinessChecks,
  type ServiceDeps,
  startRelay,
} from '@marquee/platform-service';
import { buildRecommendationApp } from './app';
import type { RecommendationConfig } from './config';
import { startProjections } from './consumers/projections';
import { createContext, type RecommendationContext } from './context';
import { serveGdprExport } from './gdpr/export-over-nats';
import { scheduleRetrain } from './jobs/retrain-schedule';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db/migrations');
export const recommendationTopics = [
  Topics.authUser,
  Topics.catalogMovie,
  Topics.interaction,
  Topics.analyticsTrending,
  Topics.recommendation,
];

export interface RunningRecommendation {
  deps: ServiceDeps;
  ctx: RecommendationContext;
  app: HttpApp;
  relay: OutboxRelay;
  consumer: EventConsumer;
  gdpr: Subscription;
  stopJobs(): Promise<void>;
  close(): Promise<void>;
}

/** Start order: deps → first model (worker thread) → relay, consumers, GDPR responder, retrain schedule → HTTP. */
export async function startRecommendation(config: RecommendationConfig): Promise<RunningRecommendation> {
  const deps = await openServiceDeps('recommendation', config, { migrationsFolder, topics: recommendationTopics });
  try {
    const ctx = createContext(config, deps);
    await ctx.store.train('start');
    const relay = await startRelay(deps);
    const consumer = await startProjections(deps, ctx);
    const gdpr = serveGdprExport(ctx);
    const retrain = scheduleRetrain(ctx, config.RECOMMENDATION_RETRAIN_MINUTES);
    const app = await buildRecommendationApp(ctx, readinessChecks(deps));
    return {
      deps,
      ctx,
      app,
      relay,
      consumer,
      gdpr,
      stopJobs: async () => retrain.stop(),
      async close() {
        await app.close();
        gdpr.unsubscribe();
        retrain.stop();
        ctx.store.cancel();
        await closeAll(closers(deps, { relay, consumers: [consumer] }));
      },
    };
  } catch (err) {
    await closeAll(closers(deps));
    throw err;
  }
}
