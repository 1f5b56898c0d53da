// Notification service: config → dependencies → keys and channels → consumer, relay, scheduler, delivery → HTTP.
import { loadConfigOrExit } from '@marquee/platform-config';
import { serve } from '@marquee/platform-service';
import { notificationConfigSchema } from './config';
import { startNotification } from './service';

const config = loadConfigOrExit('notification', notificationConfigSchema);
const notification = await startNotification(config);
// Registered before serve's own handler, so jobs finish their round before connections close.
process.once('SIGTERM', () => void notification.stopJobs());
process.once('SIGINT', () => void notification.stopJobs());
notification.app.addHook('onClose', async () => {
  notification.gdpr.unsubscribe();
  notification.ctx.close();
});
await serve(notification.deps, notification.app, config.PORT, {
  relay: notification.relay,
  consumers: [notification.consumer],
});
process.stdout.write(`notification listening on ${(notification.app.server.address() as { port: number }).port}\n`);
