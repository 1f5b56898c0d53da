// Recomputes one UTC day's metrics from the log and lists differences (exit 2 when any). Usage: recompute --date 2026-11-30
import { recomputeDay } from '../jobs/recompute-metrics';
import { flag, runCommand, usage } from './run-command';

const date = flag('date') ?? usage('usage: recompute --date YYYY-MM-DD');
await runCommand(
  'recompute',
  (database) => recomputeDay(database, date),
  (report) => report.differences.length > 0,
);
