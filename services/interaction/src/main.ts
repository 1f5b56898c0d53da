// Interaction service: config → dependencies → consumer, GDPR responder, HTTP → relay; graceful stop.
import { loadConfigOrExit } from '@marquee/platform-config';
import { cannotStart } from '@marquee/platform-service';
import { interactionConfigSchema } from './config';
import { startInteraction } from './service';

const config = loadConfigOrExit('interaction', interactionConfigSchema);
// A server that does not answer or a port in use ends it in one line naming the setting to fix.
const failed = cannotStart('interaction', config);
const interaction = await startInteraction(config).catch(failed);
await interaction.listen(config.PORT).catch(failed);
