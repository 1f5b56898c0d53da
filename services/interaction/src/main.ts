// Interaction service: config → dependencies → consumer, relay, GDPR responder → HTTP; graceful stop.
import { loadConfigOrExit } from '@marquee/platform-config';
import { serve } from '@marquee/platform-service';
import { interactionConfigSchema } from './config';
import { startInteraction } from './service';

const config = loadConfigOrExit('interaction', interactionConfigSchema);
const running = await startInteraction(config);
await serve(running.deps, running.app, config.PORT, { relay: running.relay, consumers: [running.consumer] });
