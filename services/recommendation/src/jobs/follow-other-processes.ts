import { type PeriodicJob, runPeriodically } from '@marquee/platform-service';
import type { RecommendationContext } from '../context';

/**
 * What the other processes of the service changed, followed every `intervalMs`. In an api process
 * (SERVICE_ROLE=api, `movies`) nothing consumes catalog.movie.v1: the worker projects the movies into rec_movies and
 * changes its own model, so this brings the api's model level with that table (a movie deleted from the catalogue
 * leaves the lists the api folds in within that time, a new one joins them). In every process: a retrain an admin
 * commanded of another process (the API's route reaches one of them) is followed by one here.
 */
export function followOtherProcesses(
  ctx: RecommendationContext,
  intervalMs: number,
  options: { movies: boolean },
): PeriodicJob {
  return runPeriodically('following the other processes', intervalMs, ctx.logger, async () => {
    if (options.movies) {
      const changed = await ctx.store.followMovies();
      if (changed.dropped > 0 || changed.added)
        ctx.logger.info(changed, 'the model follows the movies the worker projected');
    }
    if (await ctx.store.followCommands()) ctx.logger.info('retraining after a retrain commanded of another process');
  });
}
