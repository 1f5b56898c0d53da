import { Topics } from '@marquee/contracts';
import { checkDatabase, openDatabase } from '@marquee/platform-db';
import type { EventConsumer } from '@marquee/platform-events';
import type { Closer } from '@marquee/platform-http';
import {
  opsApp,
  readinessChecks,
  type RunningService,
  runsWork,
  servesApi,
  startService,
} from '@marquee/platform-service';
import { buildAnalyticsApp } from './app';
import type { AnalyticsConfig } from './config';
import { ingestTopics, startActivityIngest } from './consumers/activity-ingest';
import { startUsersAndMoviesConsumer } from './consumers/users-and-movies';
import { type AnalyticsContext, createAnalyticsContext, ipPolicyOf } from './context';
import { migrationsFolder } from './db/open-analytics-database';
import { PartitionCache } from './db/partitions';
import { serveGdprExport } from './gdpr/export-over-nats';
import { scheduleImpressionFold } from './jobs/fold-impressions';
import { maintainPartitions, scheduleMaintenance } from './jobs/partition-maintenance';
import { scheduleTrending } from './jobs/trending';

export const analyticsTopics = [...ingestTopics, Topics.authUser, Topics.catalogMovie, Topics.analyticsTrending];

export type RunningAnalytics = RunningService<AnalyticsContext>;

/**
 * Start order: IP policy (fails before any connection) → deps (db, migrations, topics, redis, nats) → reports
 * and owner databases → partitions → consumers, GDPR export, jobs → HTTP app → relay. On close the consumers
 * stop first, then the GDPR subscription and the schedules, then the owner and reports connections.
 * SERVICE_ROLE=api serves the reports and the GDPR export only; worker runs the consumers and the jobs.
 */
export async function startAnalytics(config: AnalyticsConfig): Promise<RunningAnalytics> {
  const ipPolicy = ipPolicyOf(config);
  return startService({
    name: 'analytics',
    config,
    migrationsFolder,
    topics: analyticsTopics,
    async build(deps, role) {
      const replicaUrl = config.ANALYTICS_REPORTS_DATABASE_URL;
      const reports = replicaUrl ? openDatabase(replicaUrl, { applicationName: 'analytics-reports' }) : deps.database;
      // Partitions are DDL on the owner's table: created, detached and dropped as the owner, never the app role.
      const owner = config.DATABASE_OWNER_URL
        ? openDatabase(config.DATABASE_OWNER_URL, { applicationName: 'analytics-owner', max: 2 })
        : deps.database;
      // Closed after the consumers and the jobs that use them (deps.database itself closes last, with the deps).
      const connections: Closer[] = [
        ...(owner === deps.database ? [] : [{ name: 'analytics-owner-db', close: () => owner.close() }]),
        ...(reports === deps.database ? [] : [{ name: 'analytics-reports-db', close: () => reports.close() }]),
      ];
      const own: Closer[] = [];
      const consumers: EventConsumer[] = [];
      try {
        const ctx = createAnalyticsContext(config, {
          database: deps.database,
          reports,
          logger: deps.logger,
          metrics: deps.metrics,
          ipPolicy,
        });
        const maintenance = {
          partitionsAhead: config.ANALYTICS_PARTITIONS_AHEAD,
          retentionMonths: config.ANALYTICS_RETENTION_MONTHS,
          archiveDir: config.ANALYTICS_ARCHIVE_DIR,
        };
        if (runsWork(role)) {
          // Ingest creates a missing month's partition itself, so a failed archive must not keep the service down.
          await maintainPartitions(owner, maintenance, deps.logger).catch((err: unknown) =>
            deps.logger.error({ err }, 'partition maintenance failed at start; retried at the next interval'),
          );
          // The ingest stays consumers[0] (the bench reads its stats there).
          consumers.push(
            await startActivityIngest({
              kafka: deps.kafka,
              settings: deps.settings,
              database: deps.database,
              logger: deps.logger,
              metrics: deps.metrics,
              ipPolicy: ctx.ipPolicy,
              partitions: new PartitionCache(owner, deps.logger),
              retentionMonths: config.ANALYTICS_RETENTION_MONTHS,
            }),
          );
          consumers.push(await startUsersAndMoviesConsumer(deps));
          const fold = scheduleImpressionFold(
            deps.database,
            config.ANALYTICS_IMPRESSION_FOLD_MS,
            deps.logger,
            deps.metrics,
          );
          own.push({ name: 'impression-fold-job', close: () => fold.stop() });
          const trending = scheduleTrending(deps.database, deps.logger, { ...ctx.trending, limit: ctx.trending.size });
          own.push({ name: 'trending-job', close: () => trending.stop() });
          const maintenanceJob = scheduleMaintenance(
            owner,
            { ...maintenance, intervalMs: config.ANALYTICS_MAINTENANCE_INTERVAL_MS },
            deps.logger,
          );
          own.push({ name: 'partition-maintenance-job', close: () => maintenanceJob.stop() });
        }
        if (servesApi(role)) {
          const gdpr = serveGdprExport(deps.nats, ctx, config.NATS_SUBJECT_PREFIX);
          own.push({ name: 'gdpr-export', close: async () => gdpr.unsubscribe() });
        }
        const readiness = {
          ...readinessChecks(deps),
          ...(reports === deps.database ? {} : { reports: () => checkDatabase(reports) }),
        };
        const app = servesApi(role)
          ? await buildAnalyticsApp(ctx, {
              jwksUrl: config.AUTH_JWKS_URL,
              bodyLimitBytes: config.BODY_LIMIT_BYTES,
              readiness,
            })
          : await opsApp(deps, readiness);
        return { ctx, app, consumers, closers: [...own, ...connections] };
      } catch (err) {
        // startService closes the deps; what was started here is closed here.
        for (const c of consumers) await c.stop().catch(() => {});
        for (const c of [...own, ...connections]) await c.close().catch(() => {});
        throw err;
      }
    },
  });
}
