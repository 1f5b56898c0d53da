import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '@marquee/contracts';
import type { EventConsumer } from '@marquee/platform-events';
import type { Closer } from '@marquee/platform-http';
import {
  closeAll,
  type PeriodicJob,
  readinessChecks,
  type RunningService,
  runPeriodically,
  startService,
} from '@marquee/platform-service';
import { buildNotificationApp } from './app';
import type { NotificationConfig } from './config';
import { consumedTopics, startNotificationConsumer } from './consumers/notification-consumer';
import { createNotificationContext, type NotificationContext } from './context';
import { deliveryWorker } from './delivery/deliver-due';
import { claimDueDigests } from './digest/claim-due-digests';
import { serveGdprExport } from './gdpr/export-over-nats';
import { ensurePartitions } from './logs/log-partitions';
import { asOwner, runMaintenance } from './logs/maintenance';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db/migrations');

export const notificationTopics = [...consumedTopics, Topics.notification];

export type RunningNotification = RunningService<NotificationContext>;

export interface StartOptions {
  /** The clock of the scheduler and maintenance (tests of the schedule run them at chosen instants instead). */
  clock?: () => Date;
}

/**
 * Start order: deps (db, migrations, topics, redis, nats) → keys and channels → partitions → consumer,
 * GDPR export, scheduler, delivery, maintenance → HTTP app → relay. On close the jobs finish their
 * current round and the delivery worker flushes before the channels close.
 */
export function startNotification(config: NotificationConfig, opts: StartOptions = {}): Promise<RunningNotification> {
  const clock = opts.clock ?? (() => new Date());
  return startService({
    name: 'notification',
    config,
    migrationsFolder,
    topics: notificationTopics,
    async build(deps) {
      const ctx = await createNotificationContext(config, deps);
      // What has started, in shutdown order; on a failed start it is closed right away.
      const own: Closer[] = [{ name: 'notification-channels', close: async () => ctx.close() }];
      let consumer: EventConsumer | undefined;
      try {
        // Partitions must exist before the first log row; maintenance keeps them ahead afterwards.
        await asOwner(config.DATABASE_OWNER_URL, deps.database, (owner) =>
          ensurePartitions(owner, new Date(), config.LOG_PARTITIONS_AHEAD),
        );
        consumer = await startNotificationConsumer(deps, ctx);
        const gdpr = serveGdprExport(ctx);
        own.unshift({ name: 'gdpr-export', close: async () => gdpr.unsubscribe() });
        const delivery = deliveryWorker(ctx);
        const jobs: PeriodicJob[] = [
          runPeriodically('digest-scheduler', config.DIGEST_INTERVAL_MS, deps.logger, async () => {
            const claimed = await claimDueDigests(ctx, clock());
            if (claimed > 0) deps.logger.info({ claimed, event: 'digests_claimed' }, 'weekly digests queued');
            return claimed >= config.DIGEST_BATCH_SIZE;
          }),
          runPeriodically(
            'delivery',
            config.DELIVERY_INTERVAL_MS,
            deps.logger,
            async () => (await delivery.round()) >= config.DELIVERY_BATCH_SIZE,
          ),
          runPeriodically('maintenance', config.MAINTENANCE_INTERVAL_MS, deps.logger, async () => {
            await runMaintenance(ctx, clock());
            return false;
          }),
        ];
        // The jobs finish their current round and the last outcomes are recorded before the channels close.
        own.splice(own.length - 1, 0, {
          name: 'notification-jobs',
          close: async () => {
            await Promise.all(jobs.map((j) => j.stop()));
            await delivery.flush();
          },
        });
        const app = await buildNotificationApp(ctx, readinessChecks(deps));
        return { ctx, app, consumers: [consumer], closers: own };
      } catch (err) {
        const started = consumer;
        const stopConsumer = started ? [{ name: 'consumer', close: () => started.stop() }] : [];
        await closeAll([...stopConsumer, ...own], deps.logger);
        throw err;
      }
    },
  });
}
