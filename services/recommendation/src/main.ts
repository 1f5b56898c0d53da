import { loadConfigOrExit } from '@marquee/platform-config';
import { serve } from '@marquee/platform-service';
import { recommendationConfigSchema } from './config';
import { startRecommendation } from './service';

const config = loadConfigOrExit('recommendation', recommendationConfigSchema);
const rec = await startRecommendation(config);
// Registered before serve's own handler, so the retrain timer stops before connections close.
process.once('SIGTERM', () => void rec.stopJobs());
process.once('SIGINT', () => void rec.stopJobs());
await serve(rec.deps, rec.app, config.PORT, { relay: rec.relay, consumers: [rec.consumer] });
process.stdout.write(`recommendation listening on ${(rec.app.server.address() as { port: number }).port}\n`);
