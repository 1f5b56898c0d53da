import { checkBus, connectBus, type NatsConnection } from '@marquee/platform-bus';
import { checkRedis, connectRedis, type Redis } from '@marquee/platform-cache';
import {
  commonConfig,
  databaseConfig,
  kafkaConfig,
  natsConfig,
  redisConfig,
  type Static,
  Type,
} from '@marquee/platform-config';
import { applyMigrations, checkDatabase, type Database, ensureDatabase, openDatabase } from '@marquee/platform-db';
import {
  createKafka,
  type EventConsumer,
  ensureTopics,
  type KafkaSettings,
  type OutboxRelay,
  startOutboxRelay,
} from '@marquee/platform-events';
import type { Closer, HttpApp, ReadinessCheck } from '@marquee/platform-http';
import { runUntilSignalled } from '@marquee/platform-http';
import { createLogger, type Logger } from '@marquee/platform-logging';
import type { Admin, Kafka } from 'kafkajs';

/** The env every backend service reads; services extend it with their own keys. */
export const serviceConfig = {
  ...commonConfig,
  ...databaseConfig,
  ...kafkaConfig,
  ...redisConfig,
  ...natsConfig,
  KAFKA_PARTITIONS: Type.Integer({
    minimum: 1,
    default: 3,
    description: 'Partitions for topics this service creates.',
  }),
};
const baseSchema = Type.Object(serviceConfig);
export type ServiceConfig = Static<typeof baseSchema>;

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
}

export interface OpenOptions {
  migrationsFolder: string;
  /** Logical topics this service publishes or consumes; created (with DLQs) at start. */
  topics: string[];
  logger?: Logger;
}

/** Opens a service's dependencies in start order: database (created, migrated), Kafka topics, Redis, NATS. */
export async function openServiceDeps(name: string, config: ServiceConfig, opts: OpenOptions): Promise<ServiceDeps> {
  const logger = opts.logger ?? createLogger(name, config.LOG_LEVEL);
  await ensureDatabase(config.DATABASE_URL);
  const database = openDatabase(config.DATABASE_URL, { applicationName: name });
  await applyMigrations(database, opts.migrationsFolder, logger);
  const settings: KafkaSettings = {
    brokers: config.KAFKA_BROKERS.split(','),
    clientId: name,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
  };
  const kafka = createKafka(settings, logger);
  await ensureTopics(kafka, settings, opts.topics, config.KAFKA_PARTITIONS);
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  const redis = connectRedis(config.REDIS_URL, name);
  const nats = await connectBus(config.NATS_URL, name);
  return { name, config, logger, database, kafka, kafkaAdmin, settings, redis, nats };
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
  return startOutboxRelay({ database: deps.database, kafka: deps.kafka, settings: deps.settings, logger: deps.logger });
}

/** Closes in dependency order: consumers and relay first (they use the rest), then connections. */
export function closers(
  deps: ServiceDeps,
  workers: { relay?: OutboxRelay; consumers?: EventConsumer[] } = {},
): Closer[] {
  return [
    ...(workers.consumers ?? []).map((c, i) => ({ name: `consumer-${i}`, close: () => c.stop() })),
    ...(workers.relay ? [{ name: 'outbox-relay', close: () => (workers.relay as OutboxRelay).stop() }] : []),
    { name: 'kafka-admin', close: () => deps.kafkaAdmin.disconnect() },
    { name: 'nats', close: () => deps.nats.drain() },
    { name: 'redis', close: () => deps.redis.quit() },
    { name: 'postgres', close: () => deps.database.close() },
  ];
}

/** Closes everything now (tests and CLIs). */
export async function closeAll(list: Closer[]): Promise<void> {
  for (const c of list) await c.close().catch(() => {});
}

export async function serve(
  deps: ServiceDeps,
  app: HttpApp,
  port: number,
  workers: { relay?: OutboxRelay; consumers?: EventConsumer[] } = {},
): Promise<void> {
  await runUntilSignalled({
    app,
    port,
    host: deps.config.HOST,
    logger: deps.logger,
    closers: closers(deps, workers),
    shutdownTimeoutMs: deps.config.SHUTDOWN_TIMEOUT_MS,
  });
  deps.logger.info({ port }, `${deps.name} listening`);
}
