import { runCli } from '@marquee/platform-service/cli';
import { analyticsCliSchema } from '../config';
import { partitionOption, withAnalyticsDatabase } from './analytics-database';

await runCli({
  name: 'analytics archive',
  summary:
    'Archives activity-log partitions older than ANALYTICS_RETENTION_MONTHS (or the one named) to ANALYTICS_ARCHIVE_DIR and drops them.',
  options: { partition: partitionOption },
  config: analyticsCliSchema,
  run: async ({ args, config, logger }) => {
    const { archiveOldPartitions, archivePartition } = await import('../jobs/archive-partitions');
    return withAnalyticsDatabase(config, logger, async (database) =>
      args.partition
        ? [await archivePartition(database, config.ANALYTICS_ARCHIVE_DIR, args.partition, logger)]
        : archiveOldPartitions(
            database,
            { dir: config.ANALYTICS_ARCHIVE_DIR, retentionMonths: config.ANALYTICS_RETENTION_MONTHS },
            logger,
          ),
    );
  },
});
