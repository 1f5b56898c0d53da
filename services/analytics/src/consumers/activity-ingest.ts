import { type Envelope, parseEvent, Topics } from '@marquee/contracts';
import type { Database } from '@marquee/platform-db';
import {
  connectProducer,
  consumerMetrics,
  dlqTopic,
  type EventConsumer,
  type KafkaSettings,
  physicalTopic,
} from '@marquee/platform-events';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { PartitionCache } from '../db/partitions';
import { type ActivityRow, activityRowsOf } from '../domain/activity-rows';
import type { IpPolicy } from '../domain/ip-policy';
import { retentionCutoff } from '../domain/months';
import { writeActivity } from '../ingest/write-activity';

export const ingestTopics = [Topics.activity, Topics.interaction, Topics.recommendation, Topics.notification];

const FUTURE_SLACK_MS = 24 * 3_600_000;

export interface IngestOptions {
  kafka: Kafka;
  settings: Pick<KafkaSettings, 'topicPrefix'>;
  database: Database;
  logger: Logger;
  /** The service's registry: events consumed by outcome, retries and lag, as every consumer group records them. */
  metrics?: Registry;
  ipPolicy: IpPolicy;
  partitions: PartitionCache;
  retentionMonths: number;
  fromBeginning?: boolean;
  /** Events written in one transaction. */
  chunkSize?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  partitionsConsumedConcurrently?: number;
}

/**
 * Writes activity from four topics into the partitioned log in batches: a chunk of events is one
 * multi-row insert plus the metric upserts, in one transaction. The log's key (event id, seq) makes a
 * redelivery insert and count nothing, so no processed_events row per event is needed. A chunk that
 * fails is replayed one event at a time with retries; an event that keeps failing goes to <topic>.dlq.
 */
export async function startActivityIngest(opts: IngestOptions): Promise<EventConsumer> {
  const { database, logger } = opts;
  const chunkSize = opts.chunkSize ?? 2000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const retryBaseMs = opts.retryBaseMs ?? 200;
  const stats = { applied: 0, duplicates: 0, skipped: 0, deadLettered: 0, retries: 0 };
  const metrics = consumerMetrics(opts.metrics, 'analytics');
  const dlq = await connectProducer(opts.kafka);
  let stopping = false;

  /** Rows inside the kept window; rows of archived months or from the far future are dropped. */
  function keptRows(topic: string, events: Envelope[]): ActivityRow[] {
    const now = Date.now();
    const oldest = retentionCutoff(new Date(now), opts.retentionMonths).getTime();
    const rows: ActivityRow[] = [];
    for (const e of events) {
      const all = activityRowsOf(e);
      const kept = all.filter(
        (r) => r.occurredAt.getTime() >= oldest && r.occurredAt.getTime() <= now + FUTURE_SLACK_MS,
      );
      if (kept.length < all.length)
        logger.warn({ eventId: e.id, type: e.type }, 'activity outside the kept months; not logged');
      if (all.length === 0) {
        stats.skipped += 1;
        metrics.consumed(topic, 'skipped');
      }
      rows.push(...kept);
    }
    return rows;
  }

  async function write(topic: string, events: Envelope[]): Promise<void> {
    const rows = keptRows(topic, events);
    if (rows.length === 0) return;
    await opts.partitions.ensure(rows.map((r) => r.occurredAt));
    const client = await database.pool.connect();
    try {
      // The setting must precede every scan (erased_users is user-owned too), so it gets its own statement.
      await client.query(`begin; select set_config('marquee.all_users', 'on', true)`);
      const accepted = await writeActivity(client, rows, opts.ipPolicy);
      await client.query('commit');
      stats.applied += accepted;
      stats.duplicates += rows.length - accepted;
      // Counted in log rows, as stats are: one event can make several rows.
      metrics.consumed(topic, 'applied', accepted);
      metrics.consumed(topic, 'duplicate', rows.length - accepted);
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async function deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, attempts: number) {
    stats.deadLettered += 1;
    metrics.consumed(topic, 'dead_lettered');
    logger.error({ topic, partition, offset: message.offset, reason, attempts }, 'event sent to DLQ');
    await dlq.send({
      topic: dlqTopic(topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'dlq-reason': reason.slice(0, 2000),
            'dlq-source-topic': topic,
            'dlq-source-partition': String(partition),
            'dlq-source-offset': message.offset,
            'dlq-consumer-group': 'analytics',
            'dlq-attempts': String(attempts),
          },
        },
      ],
    });
  }

  async function writeOneWithRetries(
    topic: string,
    partition: number,
    m: KafkaMessage,
    heartbeat: () => Promise<void>,
  ) {
    let event: Envelope;
    try {
      event = parseEvent(m.value ?? Buffer.alloc(0)).envelope;
    } catch (err) {
      await deadLetter(topic, partition, m, (err as Error).message, 0);
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await write(topic, [event]);
        return;
      } catch (err) {
        if (stopping) throw err;
        if (attempt >= maxAttempts) {
          await deadLetter(topic, partition, m, (err as Error).message ?? String(err), attempt);
          return;
        }
        stats.retries += 1;
        metrics.retried(topic);
        logger.warn({ err, eventId: event.id, type: event.type, attempt }, 'activity write failed; retrying');
        await new Promise((r) => setTimeout(r, retryBaseMs * 2 ** (attempt - 1)));
        await heartbeat();
      }
    }
  }

  const consumer = opts.kafka.consumer({
    groupId: physicalTopic(opts.settings, 'analytics'),
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 100,
    // Bigger fetches make bigger statements: the per-statement cost, not the per-row one, limited the rate.
    maxBytesPerPartition: 4 * 1024 * 1024,
    retry: { retries: 10 },
  });
  metrics.watchAssignments(consumer);
  await consumer.connect();
  for (const t of ingestTopics) {
    await consumer.subscribe({ topic: physicalTopic(opts.settings, t), fromBeginning: opts.fromBeginning ?? true });
  }
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommitInterval: 1000,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      const { topic, partition } = batch;
      metrics.lag(topic, partition, batch.highWatermark, batch.firstOffset() ?? batch.highWatermark);
      for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += chunkSize) {
        const chunk = batch.messages.slice(i, i + chunkSize);
        let fastOk = false;
        try {
          await write(
            topic,
            chunk.map((m) => parseEvent(m.value ?? Buffer.alloc(0)).envelope),
          );
          fastOk = true;
        } catch (err) {
          logger.warn({ err, topic, partition, events: chunk.length }, 'activity chunk failed; writing one by one');
        }
        if (fastOk) resolveOffset((chunk[chunk.length - 1] as KafkaMessage).offset);
        else {
          for (const m of chunk) {
            if (stopping) return;
            await writeOneWithRetries(topic, partition, m, heartbeat);
            resolveOffset(m.offset);
          }
        }
        const next = BigInt((chunk[chunk.length - 1] as KafkaMessage).offset) + 1n;
        metrics.lag(topic, partition, batch.highWatermark, String(next));
        await commitOffsetsIfNecessary();
        await heartbeat();
      }
    },
  });
  return {
    stats,
    async stop() {
      stopping = true;
      await consumer.disconnect();
      await dlq.disconnect();
      metrics.forget();
    },
  };
}
