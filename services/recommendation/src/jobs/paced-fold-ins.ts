import { forAllUsers } from '@marquee/platform-db';
import { counterOn, scrapedGauge } from '@marquee/platform-metrics';
import { type PeriodicJob, runPeriodically } from '@marquee/platform-service';
import type { RecommendationContext } from '../context';
import { withEffectsAfterCommit } from '../recommend/compute-lists';
import { refreshWaitingUsers } from '../recommend/refresh-user';

/** Fold-ins per transaction: well under a second of work, so a consumed chunk never waits long on their locks. */
const BATCH = 500;

/**
 * Folds in the users whose fold-in the consumer left waiting (ctx.pacer: interacted again within
 * RECOMMENDATION_FOLD_IN_INTERVAL_MS of their last fold-in) once their interval has passed, looking a tenth of the
 * interval apart (20–250 ms). A failed run puts its users back, due at once. On stop, every user still waiting is
 * folded in before the process goes; should that fail (or the process die) their lists are still marked, and the
 * store job computes them once the store delay is up.
 */
export function schedulePacedFoldIns(ctx: RecommendationContext): PeriodicJob {
  const pacer = ctx.pacer;
  if (pacer.intervalMs === 0) return { stop: async () => {} };
  const folded = counterOn(ctx.metrics, {
    name: 'recommendation_paced_fold_ins_total',
    help: 'Fold-ins the paced job ran for users who interacted again within RECOMMENDATION_FOLD_IN_INTERVAL_MS',
  });
  const failures = counterOn(ctx.metrics, {
    name: 'recommendation_paced_fold_in_failures_total',
    help: 'Paced fold-in runs that failed (their users are due again at once)',
  });
  // Read in memory, so the read never comes near the timeout; forget() leaves a newer job's gauge in place.
  const waiting = scrapedGauge(ctx.metrics, {
    name: 'recommendation_fold_ins_waiting',
    help: 'Users whose fold-in waits for their interval to pass',
    timeoutMs: 1000,
    read: async () => pacer.waiting,
  });
  const run = async (users: string[]) => {
    try {
      folded.inc(
        await withEffectsAfterCommit(ctx, (afterCommit) =>
          forAllUsers(ctx.database.db, (tx) => refreshWaitingUsers(ctx, tx, users, afterCommit)),
        ),
      );
    } catch (err) {
      pacer.putBack(users, performance.now());
      throw err;
    }
  };
  const job = runPeriodically(
    'folding in paced users',
    Math.min(250, Math.max(20, pacer.intervalMs / 10)),
    ctx.logger,
    async () => {
      const users = pacer.takeDue(performance.now(), BATCH);
      if (users.length > 0) await run(users);
      return users.length === BATCH;
    },
    { onFailure: 'they are due again at the next run', failures, immediately: false },
  );
  return {
    async stop() {
      await job.stop();
      const rest = pacer.takeAll(performance.now());
      try {
        for (let i = 0; i < rest.length; i += BATCH) await run(rest.slice(i, i + BATCH));
      } catch (err) {
        ctx.logger.warn(
          { err, users: pacer.waiting },
          'waiting fold-ins were not run before stopping; the store job computes their lists once their markers are due',
        );
      }
      waiting.forget();
    },
  };
}
