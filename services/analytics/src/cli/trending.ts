import { runCli } from '@marquee/platform-service/cli';
import { analyticsCliSchema } from '../config';
import { withAnalyticsDatabase } from './analytics-database';

await runCli({
  name: 'analytics trending',
  summary:
    'Computes trending now and queues trending.updated in the outbox (the running service publishes it to Kafka).',
  config: analyticsCliSchema,
  run: async ({ config, logger }) => {
    const { currentWindow, publishTrending } = await import('../jobs/trending');
    return withAnalyticsDatabase(config, logger, (database) =>
      publishTrending(
        database,
        currentWindow(
          new Date(),
          config.ANALYTICS_TRENDING_DAYS,
          config.ANALYTICS_TRENDING_HALF_LIFE_HOURS,
          config.ANALYTICS_TRENDING_SIZE,
        ),
      ),
    );
  },
});
