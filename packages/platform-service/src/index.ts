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
import { checkDatabase, type Database, openDatabase, prepareDatabase, rowSecurityBypass } from '@marquee/platform-db';
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

/** Opens a service's dependencies in start order: database (prepared as owner), Kafka topics, Redis, NATS. */
export async function openServiceDeps(name: string, config: ServiceConfig, opts: OpenOptions): Promise<ServiceDeps> {
  const logger = opts.logger ?? createLogger(name, config.LOG_LEVEL);
  const database = await openServiceDatabase(name, config, { migrationsFolder: opts.migrationsFolder, logger });
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
