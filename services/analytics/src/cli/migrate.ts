import { runCli } from '@marquee/platform-service/cli';
import { analyticsCliSchema } from '../config';
import { withAnalyticsDatabase } from './analytics-database';

await runCli({
  name: 'analytics migrate',
  summary: 'Creates the database when missing and applies migrations, without starting the service.',
  config: analyticsCliSchema,
  run: ({ config, logger }) => withAnalyticsDatabase(config, logger, async () => ({ migrated: true })),
});
