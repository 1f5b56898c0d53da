import { checkBus, connectBus, type NatsConnection } from '@marquee/platform-bus';
import { checkRedis, closeRedis, openRedis, type Redis } from '@marquee/platform-cache';
import { checkDatabase, type Database, openDatabase, prepareDatabase, rowSecurityBypass } from '@marquee/platform-db';
import {
  createKafka,
  type EventConsumer,
  ensureTopics,
  type KafkaSettings,
  type OutboxRelay,
  startOutboxRelay,
} from '@marquee/platform-events';
import type { Closer, ReadinessCheck } from '@marquee/platform-http';
import { createLogger, type Logger } from '@marquee/platform-logging';
import { createMetricsRegistry, type Registry } from '@marquee/platform-metrics';
import { shutdownTracing, tracingStarted } from '@marquee/platform-tracing';
import type { Admin, Kafka } from 'kafkajs';
import type { ServiceConfig } from './config';

/** Everything a service holds open: its database, Kafka client, Redis and NATS connections. */
export interface ServiceDeps {
  name: string;
  config: ServiceConfig;
  logger: Logger;
  database: Database;
  kafka: Kafka;
  kafkaAdmin: Admin;
  settings: KafkaSettings;
  redis: Redis;
  nats: NatsConnection;
  /** The service's one metrics registry: /metrics serves it; consumers, relay, caches and the service's own code add to it. */
  metrics: Registry;
}

export interface OpenOptions {
  migrationsFolder: string;
  /** Logical topics this service publishes or consumes; created (with DLQs) at start. */
  topics: string[];
  logger?: Logger;
}

/**
 * Prepares the database as its owner (created, application role granted, migrated), then opens it
 * as the application role that every request and consumer uses.
 */
export async function openServiceDatabase(
  name: string,
  config: Pick<ServiceConfig, 'DATABASE_URL' | 'DATABASE_OWNER_URL' | 'NODE_ENV'>,
  opts: { migrationsFolder: string; logger: Logger; max?: number },
): Promise<Database> {
  await prepareDatabase({
    appUrl: config.DATABASE_URL,
    ownerUrl: config.DATABASE_OWNER_URL || config.DATABASE_URL,
    migrationsFolder: opts.migrationsFolder,
    logger: opts.logger,
  });
  const database = openDatabase(config.DATABASE_URL, { applicationName: name, max: opts.max });
  const bypass = await rowSecurityBypass(database).catch(async (err) => {
    await database.close();
    throw err;
  });
  if (bypass && config.NODE_ENV === 'production') {
    await database.close();
    throw new Error(
      `DATABASE_URL: ${bypass}, so row-level security would not apply; connect as the service's application role`,
    );
  }
  if (bypass)
    opts.logger.warn({ event: 'row_security_bypassed' }, `DATABASE_URL: ${bypass}; row-level security does not apply`);
  return database;
}

/**
 * OpenTelemetry must load before the modules it instruments, so it cannot be started from here: the start
 * scripts pass `--import @marquee/platform-tracing/register`. Asking for traces without it is said once.
 */
export function warnIfTracingNotLoaded(logger: Logger): void {
  const exporter = process.env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter && exporter !== 'none' && !tracingStarted()) {
    logger.warn(
      { event: 'tracing_not_loaded', exporter },
      'OTEL_TRACES_EXPORTER is set but this process was started without --import @marquee/platform-tracing/register; no traces',
    );
  }
}

/** Opens a service's dependencies in start order: database (prepared as owner), Kafka topics, Redis, NATS. */
export async function openServiceDeps(name: string, config: ServiceConfig, opts: OpenOptions): Promise<ServiceDeps> {
  const logger = opts.logger ?? createLogger(name, config.LOG_LEVEL);
  warnIfTracingNotLoaded(logger);
  const database = await openServiceDatabase(name, config, { migrationsFolder: opts.migrationsFolder, logger });
  try {
    const settings: KafkaSettings = {
      brokers: config.KAFKA_BROKERS.split(','),
      clientId: name,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
    };
    const kafka = createKafka(settings, logger);
    await ensureTopics(kafka, settings, opts.topics, config.KAFKA_PARTITIONS);
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    // Without Redis the service starts anyway, its caches passed by and readiness failing until Redis answers.
    const redis = await openRedis(config.REDIS_URL, name, { logger, whileAway: 'going on without it' });
    const nats = await connectBus(config.NATS_URL, name, logger).catch(async (err: unknown) => {
      redis.disconnect();
      await kafkaAdmin.disconnect();
      throw err;
    });
    const metrics = createMetricsRegistry(name);
    return { name, config, logger, database, kafka, kafkaAdmin, settings, redis, nats, metrics };
  } catch (err) {
    await database.close();
    throw err;
  }
}

export function readinessChecks(deps: ServiceDeps): Record<string, ReadinessCheck> {
  return {
    postgres: () => checkDatabase(deps.database),
    kafka: () => deps.kafkaAdmin.describeCluster(),
    redis: () => checkRedis(deps.redis),
    nats: () => checkBus(deps.nats),
  };
}

export function startRelay(deps: ServiceDeps): Promise<OutboxRelay> {
  return startOutboxRelay({
    database: deps.database,
    kafka: deps.kafka,
    settings: deps.settings,
    logger: deps.logger,
    metrics: deps.metrics,
  });
}

export interface Workers {
  consumers?: EventConsumer[];
  /** The service's own workers (jobs, subscriptions, caches). */
  own?: Closer[];
  relay?: OutboxRelay;
}

/** Closes in dependency order: consumers, the service's own workers, the relay (they use the rest), then connections. */
export function closers(deps: ServiceDeps, workers: Workers = {}): Closer[] {
  const { relay } = workers;
  return [
    ...(workers.consumers ?? []).map((c, i) => ({ name: `consumer-${i}`, close: () => c.stop() })),
    ...(workers.own ?? []),
    ...(relay ? [{ name: 'outbox-relay', close: () => relay.stop() }] : []),
    { name: 'kafka-admin', close: () => deps.kafkaAdmin.disconnect() },
    // A connection NATS already closed has nothing left to drain.
    { name: 'nats', close: async () => (deps.nats.isClosed() ? undefined : deps.nats.drain()) },
    { name: 'redis', close: () => closeRedis(deps.redis) },
    { name: 'postgres', close: () => deps.database.close() },
    // Last: the spans of everything above are exported before the process exits.
    { name: 'tracing', close: shutdownTracing },
  ];
}

/** Closes everything now, logging (never throwing) what fails: tests and CLIs. */
export async function closeAll(list: Closer[], logger?: Logger): Promise<void> {
  for (const c of list) {
    await c.close().catch((err: unknown) => logger?.warn({ err, dependency: c.name }, 'closing dependency failed'));
  }
}
