import { CommandFailed, runCli, UsageError } from '@marquee/platform-service/cli';
import { analyticsCliSchema } from '../config';
import { withAnalyticsDatabase } from './analytics-database';

await runCli({
  name: 'analytics recompute',
  summary: "Recomputes one UTC day's popularity metrics from the activity log and lists the differences.",
  options: { date: { type: 'string', value: 'YYYY-MM-DD', description: 'the UTC day (required)' } },
  notes: ['Prints the report; exits 2 when there are differences.'],
  config: analyticsCliSchema,
  async run({ args, config, logger }) {
    const date = args.date;
    if (!date) throw new UsageError('--date is required');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date)))
      throw new UsageError(`--date must be a day as YYYY-MM-DD, got "${date}"`);
    const { recomputeDay } = await import('../jobs/recompute-metrics');
    const report = await withAnalyticsDatabase(config, logger, (database) => recomputeDay(database, date));
    if (report.differences.length === 0) return report;
    process.stdout.write(`${JSON.stringify(report)}\n`);
    throw new CommandFailed(`${report.differences.length} differences between the log and the stored metrics`, 2);
  },
});
