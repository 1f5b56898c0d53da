// Notification service: config → dependencies → keys and channels → consumer, scheduler, delivery → HTTP → relay.
import { loadConfigOrExit } from '@marquee/platform-config';
import { notificationConfigSchema } from './config';
import { startNotification } from './service';

const config = loadConfigOrExit('notification', notificationConfigSchema);
const notification = await startNotification(config);
await notification.listen(config.PORT);
