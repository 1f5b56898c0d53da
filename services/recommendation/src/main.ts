import { loadConfigOrExit } from '@marquee/platform-config';
import { recommendationConfigSchema } from './config';
import { startRecommendation } from './service';

const config = loadConfigOrExit('recommendation', recommendationConfigSchema);
const rec = await startRecommendation(config);
await rec.listen(config.PORT);
