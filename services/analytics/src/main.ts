// Analytics service: config → dependencies (db + migrations, topics, Redis, NATS) → partitions → consumers, jobs, HTTP.
import { loadConfigOrExit } from '@marquee/platform-config';
import { cannotStart } from '@marquee/platform-service';
import { analyticsSchema } from './config';
import { startAnalytics } from './service';

const config = loadConfigOrExit('analytics', analyticsSchema);
const failed = cannotStart('analytics', config);
const analytics = await startAnalytics(config).catch((err: unknown) => {
  // A missing IP key under the encrypt policy is a configuration error: say which, exit 78.
  if (err instanceof Error && err.message.startsWith('ANALYTICS_IP_')) {
    process.stderr.write(`analytics: cannot start: ${err.message}\n`);
    process.exit(78);
  }
  return failed(err);
});
await analytics.listen(config.PORT).catch(failed);
