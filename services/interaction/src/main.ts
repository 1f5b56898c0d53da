// Interaction service: config → dependencies → consumer, GDPR responder, HTTP → relay; graceful stop.
import { loadConfigOrExit } from '@marquee/platform-config';
import { interactionConfigSchema } from './config';
import { startInteraction } from './service';

const config = loadConfigOrExit('interaction', interactionConfigSchema);
const interaction = await startInteraction(config);
await interaction.listen(config.PORT);
