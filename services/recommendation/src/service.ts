import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '@marquee/contracts';
import type { Closer } from '@marquee/platform-http';
import { closeAll, readinessChecks, type RunningService, startService } from '@marquee/platform-service';
import { buildRecommendationApp } from './app';
import type { RecommendationConfig } from './config';
import { startProjections } from './consumers/projections';
import { createContext, type RecommendationContext } from './context';
import { serveGdprExport } from './gdpr/export-over-nats';
import { scheduleRetrain } from './jobs/retrain-schedule';
import { scheduleListStore } from './jobs/store-lists';
import { serveRecommendationsForUsers } from './recommend/answer-for-users';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db/migrations');
export const recommendationTopics = [
  Topics.authUser,
  Topics.catalogMovie,
  Topics.interaction,
  Topics.analyticsTrending,
  Topics.recommendation,
];

export type RunningRecommendation = RunningService<RecommendationContext>;

/** Start order: deps → first model (worker thread) → retrain and list-store jobs, GDPR and for-users responders, consumers → HTTP app → relay. */
export function startRecommendation(config: RecommendationConfig): Promise<RunningRecommendation> {
  return startService({
    name: 'recommendation',
    config,
    migrationsFolder,
    topics: recommendationTopics,
    async build(deps) {
      const ctx = createContext(config, deps);
      await ctx.store.train('start');
      // Closed after the consumers, in this order: no new retrain, no GDPR or for-users answers, then any training still running.
      const own: Closer[] = [];
      try {
        const retrain = scheduleRetrain(ctx, config.RECOMMENDATION_RETRAIN_MINUTES);
        own.push({ name: 'retrain-schedule', close: async () => retrain.stop() });
        const listStore = scheduleListStore(ctx);
        own.push({ name: 'list-store', close: () => listStore.stop() });
        const gdpr = serveGdprExport(ctx);
        own.push({ name: 'gdpr-export', close: async () => gdpr.unsubscribe() });
        const forUsers = serveRecommendationsForUsers(ctx);
        own.push({ name: 'recommendations-for-users', close: async () => forUsers.unsubscribe() });
        own.push({ name: 'model-training', close: async () => ctx.store.cancel() });
        const consumer = await startProjections(deps, ctx);
        try {
          const app = await buildRecommendationApp(ctx, readinessChecks(deps));
          return { ctx, app, consumers: [consumer], closers: own };
        } catch (err) {
          await consumer.stop();
          throw err;
        }
      } catch (err) {
        await closeAll(own, deps.logger);
        throw err;
      }
    },
  });
}
