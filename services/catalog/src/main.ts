import { loadConfigOrExit } from '@marquee/platform-config';
import { catalogConfigSchema } from './config';
import { startCatalog } from './service';

const config = loadConfigOrExit('catalog', catalogConfigSchema);
const catalog = await startCatalog(config);
await catalog.listen(config.PORT);
