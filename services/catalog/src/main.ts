import { loadConfigOrExit } from '@marquee/platform-config';
import { cannotStart } from '@marquee/platform-service';
import { catalogConfigSchema } from './config';
import { startCatalog } from './service';

const config = loadConfigOrExit('catalog', catalogConfigSchema);
// A server that does not answer or a port in use ends it in one line naming the setting to fix.
const failed = cannotStart('catalog', config);
const catalog = await startCatalog(config).catch(failed);
await catalog.listen(config.PORT).catch(failed);
