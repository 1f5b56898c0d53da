import { Topics } from '@marquee/contracts';
import type { Subscription } from '@marquee/platform-bus';
import { checkDatabase, openDatabase } from '@marquee/platform-db';
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
import { buildAnalyticsApp } from './app';
import type { AnalyticsConfig } from './config';
import { ingestTopics, startActivityIngest } from './consumers/activity-ingest';
import { startUsersAndMoviesConsumer } from './consumers/users-and-movies';
import { type AnalyticsContext, createAnalyticsContext, ipPolicyOf } from './context';
import { migrationsFolder } from './db/open-analytics-database';
import { PartitionCache } from './db/partitions';
import { serveGdprExport } from './gdpr/export-over-nats';
import { maintainPartitions, scheduleMaintenance } from './jobs/partition-maintenance';
import { scheduleTrending } from './jobs/trending';

export const analyticsTopics = [...ingestTopics, Topics.authUser, Topics.catalogMovie, Topics.analyticsTrending];

export interface RunningAnalytics {
  deps: ServiceDeps;
  ctx: AnalyticsContext;
  app: HttpApp;
  relay: OutboxRelay;
  consumers: EventConsumer[];
  gdpr: Subscription;
  /** Stops the schedules (trending, partition maintenance); main calls it first on SIGTERM. */
  stopJobs(): Promise<void>;
  close(): Promise<void>;
}

/** Start order: deps (db, migrations, topics, redis, nats) → reports db → partitions → relay, consumers, jobs → HTTP app. */
export async function startAnalytics(config: AnalyticsConfig): Promise<RunningAnalytics> {
  const ipPolicy = ipPolicyOf(config);
  const deps = await openServiceDeps('analytics', config, { migrationsFolder, topics: analyticsTopics });
  const replicaUrl = config.ANALYTICS_REPORTS_DATABASE_URL;
  const reports = replicaUrl ? openDatabase(replicaUrl, { applicationName: 'analytics-reports' }) : deps.database;
  // Partitions are DDL on the owner's table: created, detached and dropped as the owner, never the app role.
  const owner = config.DATABASE_OWNER_URL
    ? openDatabase(config.DATABASE_OWNER_URL, { applicationName: 'analytics-owner', max: 2 })
    : deps.database;
  const closeReports = () => (reports === deps.database ? Promise.resolve() : reports.close());
  const closeOwner = () => (owner === deps.database ? Promise.resolve() : owner.close());
  try {
    const ctx = createAnalyticsContext(config, { database: deps.database, reports, logger: deps.logger, ipPolicy });
    const maintenance = {
      partitionsAhead: config.ANALYTICS_PARTITIONS_AHEAD,
      retentionMonths: config.ANALYTICS_RETENTION_MONTHS,
      archiveDir: config.ANALYTICS_ARCHIVE_DIR,
    };
    // Ingest creates a missing month's partition itself, so a failed archive must not keep the service down.
    await maintainPartitions(owner, maintenance, deps.logger).catch((err: unknown) =>
      deps.logger.error({ err }, 'partition maintenance failed at start; retried at the next interval'),
    );
    const relay = await startRelay(deps);
    const ingest = await startActivityIngest({
      kafka: deps.kafka,
      settings: deps.settings,
      database: deps.database,
      logger: deps.logger,
      ipPolicy: ctx.ipPolicy,
      partitions: new PartitionCache(owner, deps.logger),
      retentionMonths: config.ANALYTICS_RETENTION_MONTHS,
    });
    const consumers = [
      // The owner connection serves the ingest's partition creation: it closes once the ingest has stopped.
      { stats: ingest.stats, stop: () => ingest.stop().finally(closeOwner) },
      await startUsersAndMoviesConsumer(deps),
    ];
    const gdpr = serveGdprExport(deps.nats, ctx, config.NATS_SUBJECT_PREFIX);
    const jobs = [
      scheduleTrending(deps.database, deps.logger, { ...ctx.trending, limit: ctx.trending.size }),
      scheduleMaintenance(owner, { ...maintenance, intervalMs: config.ANALYTICS_MAINTENANCE_INTERVAL_MS }, deps.logger),
    ];
    const stopJobs = async () => {
      await Promise.all(jobs.map((j) => j.stop()));
    };
    const readiness = {
      ...readinessChecks(deps),
      ...(reports === deps.database ? {} : { reports: () => checkDatabase(reports) }),
    };
    const app = await buildAnalyticsApp(ctx, {
      jwksUrl: config.AUTH_JWKS_URL,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      readiness,
    });
    app.addHook('onClose', closeReports);
    return {
      deps,
      ctx,
      app,
      relay,
      consumers,
      gdpr,
      stopJobs,
      async close() {
        await app.close();
        gdpr.unsubscribe();
        await stopJobs();
        await closeAll(closers(deps, { relay, consumers }));
      },
    };
  } catch (err) {
    await closeReports();
    await closeOwner();
    await closeAll(closers(deps));
    throw err;
  }
}
