// Notification service: config → dependencies → keys and channels → consumer, scheduler, delivery → HTTP → relay.
import { loadConfigOrExit } from '@marquee/platform-config';
import { cannotStart } from '@marquee/platform-service';
import { notificationConfigSchema } from './config';
import { startNotification } from './service';

const config = loadConfigOrExit('notification', notificationConfigSchema);
// A server that does not answer or a port in use ends it in one line naming the setting to fix.
const failed = cannotStart('notification', config);
const notification = await startNotification(config).catch(failed);
await notification.listen(config.PORT).catch(failed);
