import { Topics } from '@marquee/contracts';
import { checkBus, connectBus, type NatsConnection } from '@marquee/platform-bus';
import { checkRedis, closeRedis, openRedis, type Redis } from '@marquee/platform-cache';
import { createKafka, ensureTopics, type KafkaSettings } from '@marquee/platform-events';
import type { Closer, ReadinessCheck } from '@marquee/platform-http';
import type { Logger } from '@marquee/platform-logging';
import { createMetricsRegistry, type Registry } from '@marquee/platform-metrics';
import { shutdownTracing } from '@marquee/platform-tracing';
import type { Admin, Kafka } from 'kafkajs';
import type { GatewayConfig } from './config';
import { ActivityPublisher } from './events/activity-publisher';
import { UpstreamPools } from './upstreams/upstream-pools';

/** What the gateway holds open. No database: Redis for rate limits, NATS for SSE and export, Kafka for activity. */
export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  redis: Redis;
  nats: NatsConnection;
  kafka: Kafka;
  kafkaAdmin: Admin;
  activity: ActivityPublisher;
  pools: UpstreamPools;
  /** The gateway's one registry, served on the operations port's /metrics. */
  metrics: Registry;
}

/** How long the gateway's Redis connection may be silent with commands waiting before it is dropped (openGatewayDeps). */
export const GATEWAY_REDIS_SOCKET_TIMEOUT_MS = 2_000;

export async function openGatewayDeps(config: GatewayConfig, logger: Logger): Promise<GatewayDeps> {
  const settings: KafkaSettings = {
    brokers: config.KAFKA_BROKERS.split(','),
    clientId: 'gateway',
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
  };
  const kafka = createKafka(settings, logger);
  await ensureTopics(kafka, settings, [Topics.activity], config.KAFKA_PARTITIONS);
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  const activity = new ActivityPublisher(kafka, settings, logger, {
    maxQueued: config.ACTIVITY_QUEUE_MAX,
    flushMs: config.ACTIVITY_FLUSH_MS,
  });
  await activity.start();
  const metrics = createMetricsRegistry('gateway');
  metrics.registerMetric(activity.droppedTotal);
  metrics.registerMetric(activity.queueDepth);
  // Every request runs one rate-limit script: auto-pipelining sends those of one tick in one write. Without Redis it
  // starts anyway and lets requests through (login and register under a local limit) until Redis answers. A Redis
  // gone silent is dropped after 2 s (not the services' 5: this event loop never blocks for long, and every request
  // waits on it), and the requests that waited on it are let through a second later.
  const redis = await openRedis(
    config.REDIS_URL,
    'gateway',
    { logger, whileAway: 'rate limits are local' },
    { enableAutoPipelining: true, socketTimeout: GATEWAY_REDIS_SOCKET_TIMEOUT_MS },
  );
  const nats = await connectBus(config.NATS_URL, 'gateway', logger);
  return { config, logger, redis, nats, kafka, kafkaAdmin, activity, pools: new UpstreamPools(config), metrics };
}

export function gatewayReadiness(deps: GatewayDeps): Record<string, ReadinessCheck> {
  return {
    kafka: () => deps.kafkaAdmin.describeCluster(),
    redis: () => checkRedis(deps.redis),
    nats: () => checkBus(deps.nats),
  };
}

/** Closed after the HTTP server stops: activity is flushed while Kafka is still connected. */
export function gatewayClosers(deps: GatewayDeps): Closer[] {
  return [
    { name: 'activity', close: () => deps.activity.stop() },
    { name: 'upstreams', close: () => deps.pools.close() },
    { name: 'kafka-admin', close: () => deps.kafkaAdmin.disconnect() },
    { name: 'nats', close: () => deps.nats.drain() },
    { name: 'redis', close: () => closeRedis(deps.redis) },
    // Last: the spans of everything above are exported before the process exits.
    { name: 'tracing', close: shutdownTracing },
  ];
}
