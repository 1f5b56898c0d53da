// Restores one archived partition from ANALYTICS_ARCHIVE_DIR. Usage: restore --partition user_activity_logs_p2025_01
import { restorePartition } from '../jobs/archive-partitions';
import { flag, runCommand, usage } from './run-command';

const partition = flag('partition') ?? usage('usage: restore --partition user_activity_logs_pYYYY_MM');
await runCommand('restore', async (database, config, logger) => ({
  partition,
  rows: await restorePartition(database, config.ANALYTICS_ARCHIVE_DIR, partition, logger),
}));
