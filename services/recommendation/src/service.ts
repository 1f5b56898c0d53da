import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '@marquee/contracts';
import type { Closer } from '@marquee/platform-http';
import {
  closeAll,
  opsApp,
  readinessChecks,
  type RunningService,
  runsWork,
  servesApi,
  startService,
} from '@marquee/platform-service';
import { buildRecommendationApp } from './app';
import type { RecommendationConfig } from './config';
import { startProjections } from './consumers/projections';
import { createContext, type RecommendationContext } from './context';
import { serveGdprExport } from './gdpr/export-over-nats';
import { scheduleRetrain } from './jobs/retrain-schedule';
import { followOtherProcesses } from './jobs/follow-other-processes';
import { schedulePacedFoldIns } from './jobs/paced-fold-ins';
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

/**
 * Start order: deps → first model (worker thread) → retrain, paced fold-in and list-store jobs, GDPR and for-users responders,
 * consumers → HTTP app → relay. Split by SERVICE_ROLE, both halves train and retrain their own model (the API folds
 * in a user whose list is not cached, the worker every user its events name): the api process answers requests and
 * the NATS responders and follows the movies the worker projects; the worker runs the consumer and the list-store
 * job; each follows a retrain commanded of the other (jobs/follow-other-processes).
 */
export function startRecommendation(config: RecommendationConfig): Promise<RunningRecommendation> {
  return startService({
    name: 'recommendation',
    config,
    migrationsFolder,
    topics: recommendationTopics,
    async build(deps, role) {
      const ctx = createContext(config, deps, { keepsFoldIns: runsWork(role) });
      await ctx.store.train('start');
      // Closed after the consumers, in this order: no new retrain, no GDPR or for-users answers, then any training still running.
      const own: Closer[] = [];
      try {
        const retrain = scheduleRetrain(ctx, config.RECOMMENDATION_RETRAIN_MINUTES);
        own.push({ name: 'retrain-schedule', close: async () => retrain.stop() });
        if (runsWork(role)) {
          // Before the list store: stopping, it folds in every user still waiting, whose lists the store then has.
          const paced = schedulePacedFoldIns(ctx);
          own.push({ name: 'paced-fold-ins', close: () => paced.stop() });
          const listStore = scheduleListStore(ctx);
          own.push({ name: 'list-store', close: () => listStore.stop() });
        }
        const follow = followOtherProcesses(ctx, config.RECOMMENDATION_FOLLOW_MS, { movies: role === 'api' });
        own.push({ name: 'follow-other-processes', close: () => follow.stop() });
        if (servesApi(role)) {
          const gdpr = serveGdprExport(ctx);
          own.push({ name: 'gdpr-export', close: async () => gdpr.unsubscribe() });
          const forUsers = serveRecommendationsForUsers(ctx);
          own.push({ name: 'recommendations-for-users', close: async () => forUsers.unsubscribe() });
        }
        own.push({ name: 'model-training', close: async () => ctx.store.cancel() });
        const consumers = runsWork(role) ? [await startProjections(deps, ctx)] : [];
        try {
          const app = servesApi(role) ? await buildRecommendationApp(ctx, readinessChecks(deps)) : await opsApp(deps);
          return { ctx, app, consumers, closers: own };
        } catch (err) {
          for (const c of consumers) await c.stop();
          throw err;
        }
      } catch (err) {
        await closeAll(own, deps.logger);
        throw err;
      }
    },
  });
}
