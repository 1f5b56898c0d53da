// Archives partitions older than ANALYTICS_RETENTION_MONTHS, or one named partition. Usage: archive [--partition user_activity_logs_p2025_01]
import { archiveOldPartitions, archivePartition } from '../jobs/archive-partitions';
import { flag, runCommand } from './run-command';

const partition = flag('partition');
await runCommand('archive', async (database, config, logger) =>
  partition
    ? [await archivePartition(database, config.ANALYTICS_ARCHIVE_DIR, partition, logger)]
    : archiveOldPartitions(
        database,
        { dir: config.ANALYTICS_ARCHIVE_DIR, retentionMonths: config.ANALYTICS_RETENTION_MONTHS },
        logger,
      ),
);
