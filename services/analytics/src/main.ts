// Analytics service: config → dependencies (db + migrations, topics, Redis, NATS) → partitions → consumers, jobs, HTTP.
import { loadConfigOrExit } from '@marquee/platform-config';
import { serve } from '@marquee/platform-service';
import { analyticsSchema } from './config';
import { startAnalytics } from './service';

const config = loadConfigOrExit('analytics', analyticsSchema);
const analytics = await startAnalytics(config).catch((err: unknown) => {
  // A missing IP key under the encrypt policy is a configuration error: say which, exit 78.
  if (err instanceof Error && err.message.startsWith('ANALYTICS_IP_')) {
    process.stderr.write(`analytics: cannot start: ${err.message}\n`);
    process.exit(78);
  }
  throw err;
});
// Registered before serve's own handler, so the schedules stop before connections close.
process.once('SIGTERM', () => void analytics.stopJobs());
process.once('SIGINT', () => void analytics.stopJobs());
await serve(analytics.deps, analytics.app, config.PORT, { relay: analytics.relay, consumers: analytics.consumers });
