// Computes trending now and queues trending.updated in the outbox (the running service's relay publishes it).
import { currentWindow, publishTrending } from '../jobs/trending';
import { runCommand } from './run-command';

await runCommand('trending', (database, config) =>
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
