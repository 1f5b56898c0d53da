// Ingest half of `pnpm bench analytics`: the gateway's own publisher produces activity at the target rate
// (counting drops), then the analytics consumer drains that backlog into the partitioned log; beside it,
// a plain batched insert of the same rows into the same table is the ceiling.
import { randomUUID } from 'node:crypto';
import { Topics } from '@marquee/contracts';
import { loadConfig } from '@marquee/platform-config';
import { openDatabase } from '@marquee/platform-db';
import { createKafka, ensureTopics, type KafkaSettings } from '@marquee/platform-events';
import { createLogger } from '@marquee/platform-logging';
// The bench drives the gateway's real publisher: the dropped-events figure is the gateway's own count.
import { gatewayConfigSchema } from '../../gateway/src/config';
import { type ActivityData, ActivityPublisher } from '../../gateway/src/events/activity-publisher';
import { analyticsSchema } from '../src/config';
import { createPartitions } from '../src/db/partitions';
import { startAnalytics } from '../src/service';

const logger = createLogger('bench-analytics', 'error');

export interface BenchInfra {
  adminUrl: string;
  kafkaBrokers: string;
  redisUrl: string;
  natsUrl: string;
}

export interface IngestResult {
  events: number;
  targetRate: number;
  producedRate: number;
  dropped: number;
  consumerRate: number;
  ceilingRate: number;
  nodeCpuShare: number;
}

const users = Array.from({ length: 20_000 }, (_, i) => `0190a0b0-0000-7000-8000-${String(i + 1).padStart(12, '0')}`);

/** A realistic gateway mix: 70% movie page views over a skewed catalog, 30% searches; a fifth anonymous. */
function activity(i: number): ActivityData {
  const signedIn = i % 5 !== 0;
  const isView = i % 10 < 7;
  return {
    userId: signedIn ? (users[(i * 7919) % users.length] as string) : null,
    sessionId: `s-${(i * 104729) % 50_000}`,
    actionType: isView ? 'movie_view' : 'movie_search',
    movieId: isView ? 1 + Math.floor(10_000 * Math.random() ** 3) : null,
    ipPrefix: `198.51.${i % 256}.0/24`,
    userAgent: 'Mozilla/5.0 (bench)',
    referer: null,
    source: i % 3 === 0 ? 'mobile' : 'web',
    metadata: isView ? {} : { query: `query ${i % 997}` },
    at: new Date().toISOString(),
  };
}

const PLAIN_INSERT = `
insert into user_activity_logs
  (event_id, event_seq, user_id, session_id, action_type, movie_id, ip_address, user_agent, referer, source, metadata, occurred_at)
select * from unnest($1::uuid[], $2::int2[], $3::uuid[], $4::text[], $5::text[], $6::int4[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::jsonb[], $12::timestamptz[])`;

/** The ceiling: the same rows, 1000 per statement, 3 writers (the consumer's concurrency), no metrics. */
async function plainInsertRate(url: string, events: number): Promise<number> {
  const database = openDatabase(url, { max: 3 });
  const batches = Math.ceil(events / 1000);
  let next = 0;
  const started = performance.now();
  const writer = async () => {
    for (let b = next++; b < batches; b = next++) {
      const rows = Array.from({ length: Math.min(1000, events - b * 1000) }, (_, k) => activity(b * 1000 + k));
      await database.pool.query(PLAIN_INSERT, [
        rows.map(() => randomUUID()),
        rows.map(() => 0),
        rows.map((r) => r.userId),
        rows.map((r) => r.sessionId),
        rows.map((r) => r.actionType),
        rows.map((r) => r.movieId),
        rows.map((r) => r.ipPrefix),
        rows.map((r) => r.userAgent),
        rows.map((r) => r.referer),
        rows.map((r) => r.source),
        rows.map((r) => JSON.stringify(r.metadata)),
        rows.map((r) => r.at),
      ]);
    }
  };
  await Promise.all([writer(), writer(), writer()]);
  const rate = events / ((performance.now() - started) / 1000);
  await database.pool.query('truncate user_activity_logs');
  await database.close();
  return rate;
}

/** Publishes `events` through the gateway's publisher at `rate` per second (10 ms ticks). */
async function produceAtRate(publisher: ActivityPublisher, events: number, rate: number): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (sent < events) {
    const due = Math.min(events, Math.round(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent += 1) publisher.log(activity(sent));
    await new Promise((r) => setTimeout(r, 10));
  }
  while (publisher.stats.sent + publisher.stats.dropped < events) await publisher.flush();
  return events / ((performance.now() - started) / 1000);
}

export async function benchIngest(infra: BenchInfra, events: number, rate: number): Promise<IngestResult> {
  const runId = `bench_analytics_${Date.now().toString(36)}`;
  const dbUrl = new URL(infra.adminUrl);
  dbUrl.pathname = `/${runId}`;
  const env = {
    DATABASE_URL: dbUrl.toString(),
    KAFKA_BROKERS: infra.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: `${runId}.`,
    REDIS_URL: infra.redisUrl,
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: `${runId}.`,
    LOG_LEVEL: 'error',
    PORT: '0',
  };
  const config = loadConfig('analytics', analyticsSchema, env);
  const settings: KafkaSettings = {
    brokers: infra.kafkaBrokers.split(','),
    clientId: 'bench',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  };
  const kafka = createKafka(settings, logger);
  await ensureTopics(kafka, settings, [Topics.activity], 3);

  // Start once to create and migrate the database, then stop: the ceiling runs on an idle service.
  const first = await startAnalytics(config);
  await createPartitions(first.deps.database, [new Date()]);
  await first.close();
  const ceilingRate = await plainInsertRate(env.DATABASE_URL, events);

  // The gateway's own defaults: the drop count is what a default gateway would drop at this rate.
  const defaults = gatewayConfigSchema.properties;
  const publisher = new ActivityPublisher(kafka, settings, logger, {
    maxQueued: defaults.ACTIVITY_QUEUE_MAX.default as number,
    flushMs: defaults.ACTIVITY_FLUSH_MS.default as number,
  });
  await publisher.start();
  const producedRate = await produceAtRate(publisher, events, rate);
  const dropped = publisher.stats.dropped;
  await publisher.stop();

  const analytics = await startAnalytics(config);
  const ingest = analytics.consumers[0];
  if (!ingest) throw new Error('analytics started without its ingest consumer');
  // The consumer's own count of rows written: polling count(*) would compete for the same 2 cores.
  const written = () => ingest.stats.applied + ingest.stats.duplicates;
  while (written() === 0) await new Promise((r) => setTimeout(r, 5));
  const first0 = written();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = Date.now() + 600_000;
  while (written() < events - dropped && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const n = written();
  const drainSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const consumerRate = (n - first0) / drainSeconds;
  // Share of one core the service's process used while draining: near 1 means Node, not PostgreSQL, was the limit.
  const nodeCpuShare = (cpu.user + cpu.system) / 1e6 / drainSeconds;
  await analytics.close();
  const root = openDatabase(infra.adminUrl, { max: 1 });
  await root.pool.query(`drop database if exists "${runId}" with (force)`);
  await root.close();
  return { events, targetRate: rate, producedRate, dropped, consumerRate, ceilingRate, nodeCpuShare };
}
