import { runCli, UsageError } from '@marquee/platform-service/cli';
import { analyticsCliSchema } from '../config';
import { partitionOption, withAnalyticsDatabase } from './analytics-database';

await runCli({
  name: 'analytics restore',
  summary: 'Restores one archived partition from ANALYTICS_ARCHIVE_DIR (its checksum is checked first).',
  options: { partition: { ...partitionOption, description: 'the archived partition to restore (required)' } },
  config: analyticsCliSchema,
  async run({ args, config, logger }) {
    const partition = args.partition;
    if (!partition) throw new UsageError('--partition is required');
    const { restorePartition } = await import('../jobs/archive-partitions');
    return withAnalyticsDatabase(config, logger, async (database) => ({
      partition,
      rows: await restorePartition(database, config.ANALYTICS_ARCHIVE_DIR, partition, logger),
    }));
  },
});
