import { loadConfigOrExit } from '@marquee/platform-config';
import { cannotStart } from '@marquee/platform-service';
import { recommendationConfigSchema } from './config';
import { startRecommendation } from './service';

const config = loadConfigOrExit('recommendation', recommendationConfigSchema);
// A server that does not answer or a port in use ends it in one line naming the setting to fix.
const failed = cannotStart('recommendation', config);
const rec = await startRecommendation(config).catch(failed);
await rec.listen(config.PORT).catch(failed);
