import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '@marquee/contracts';
import type { Subscription } from '@marquee/platform-bus';
import type { EventConsumer, OutboxRelay } from '@marquee/platform-events';
import type { HttpApp } from '@marquee/platform-http';
import {
  closeAll,
  closers,
  openServiceDeps,
  readinessChecks,
  type ServiceDeps,
  startRelay,
} from '@marquee/platform-service';
import { buildNotificationApp } from './app';
import type { NotificationConfig } from './config';
import { consumedTopics, startNotificationConsumer } from './consumers/notification-consumer';
import { createNotificationContext, type NotificationContext } from './context';
import { deliveryWorker } from './delivery/deliver-due';
import { claimDueDigests } from './digest/claim-due-digests';
import { serveGdprExport } from './gdpr/export-over-nats';
import { type PeriodicJob, runPeriodically } from './jobs/run-periodically';
import { ensurePartitions } from './logs/log-partitions';
import { asOwner, runMaintenance } from './logs/maintenance';

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'db/migrations');

export interface RunningNotification {
  deps: ServiceDeps;
  ctx: NotificationContext;
  app: HttpApp;
  relay: OutboxRelay;
  consumer: EventConsumer;
  gdpr: Subscription;
  /** Stops the scheduler, delivery worker and maintenance after their current round; main calls it first on SIGTERM. */
  stopJobs(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The clock of the scheduler and maintenance (tests of the schedule run them at chosen instants instead). */
  clock?: () => Date;
}

/** Start order: deps (db, migrations, topics, redis, nats) → keys and channels → partitions → workers → HTTP app. */
export async function startNotification(
  config: NotificationConfig,
  opts: StartOptions = {},
): Promise<RunningNotification> {
  const clock = opts.clock ?? (() => new Date());
  const deps = await openServiceDeps('notification', config, {
    migrationsFolder,
    topics: [...consumedTopics, Topics.notification],
  });
  let ctx: NotificationContext | undefined;
  try {
    ctx = await createNotificationContext(config, deps);
    const c = ctx;
    // Partitions must exist before the first log row; maintenance keeps them ahead afterwards.
    await asOwner(config.DATABASE_OWNER_URL, deps.database, (owner) =>
      ensurePartitions(owner, new Date(), config.LOG_PARTITIONS_AHEAD),
    );
    const relay = await startRelay(deps);
    const consumer = await startNotificationConsumer(deps, c);
    const gdpr = serveGdprExport(c);
    const delivery = deliveryWorker(c);
    const jobs: PeriodicJob[] = [
      runPeriodically('digest-scheduler', config.DIGEST_INTERVAL_MS, deps.logger, async () => {
        const claimed = await claimDueDigests(c, clock());
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
        await runMaintenance(c, clock());
        return false;
      }),
    ];
    const app = await buildNotificationApp(c, readinessChecks(deps));
    const stopJobs = async () => {
      await Promise.all(jobs.map((j) => j.stop()));
      await delivery.flush();
    };
    return {
      deps,
      ctx: c,
      app,
      relay,
      consumer,
      gdpr,
      stopJobs,
      async close() {
        await app.close();
        gdpr.unsubscribe();
        await stopJobs();
        c.close();
        await closeAll(closers(deps, { relay, consumers: [consumer] }));
      },
    };
  } catch (err) {
    ctx?.close();
    await closeAll(closers(deps));
    throw err;
  }
}
