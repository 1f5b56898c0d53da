import { type PeriodicJob, runPeriodically } from '@marquee/platform-service';
import type { RecommendationContext } from '../context';
import { TrainingCancelled } from '../model/run-training';

/**
 * Full retrains every `minutes` (0: never), counted from the end of the previous one, so two never overlap. stop()
 * cancels a retrain in progress (shutdown must not wait for a whole training) and waits for it to wind down.
 */
export function scheduleRetrain(ctx: RecommendationContext, minutes: number): PeriodicJob {
  if (minutes === 0) return { stop: async () => {} };
  const job = runPeriodically(
    'scheduled retrain',
    minutes * 60_000,
    ctx.logger,
    async () => {
      await ctx.store.train('schedule').catch((err: unknown) => {
        if (!(err instanceof TrainingCancelled)) throw err;
      });
    },
    { immediately: false },
  );
  return {
    async stop() {
      ctx.store.cancel();
      await job.stop();
    },
  };
}
