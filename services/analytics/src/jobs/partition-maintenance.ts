import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { type PeriodicJob, runPeriodically } from '@marquee/platform-service';
import { createPartitions } from '../db/partitions';
import { monthsToKeepAhead } from '../domain/months';
import { archiveOldPartitions } from './archive-partitions';

export interface MaintenanceOptions {
  partitionsAhead: number;
  retentionMonths: number;
  archiveDir: string;
}

/** Creates the current month's partition and those ahead, then archives partitions past the retention. */
export async function maintainPartitions(
  database: Database,
  opts: MaintenanceOptions,
  logger: Logger,
  now = new Date(),
) {
  const created = await createPartitions(database, monthsToKeepAhead(now, opts.partitionsAhead), logger);
  const archived = await archiveOldPartitions(
    database,
    { dir: opts.archiveDir, retentionMonths: opts.retentionMonths, now },
    logger,
  );
  return { created, archived: archived.map((a) => a.partition) };
}

/** Runs maintenance intervalMs after each run (the service also runs it once before consuming). */
export function scheduleMaintenance(
  database: Database,
  opts: MaintenanceOptions & { intervalMs: number },
  logger: Logger,
): PeriodicJob {
  return runPeriodically(
    'partition maintenance',
    opts.intervalMs,
    logger,
    () => maintainPartitions(database, opts, logger).then(() => {}),
    {
      immediately: false,
    },
  );
}
