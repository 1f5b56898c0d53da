import { type Envelope, parseEvent, Topics } from '@marquee/contracts';
import type { Database } from '@marquee/platform-db';
import {
  connectProducer,
  consumerMetrics,
  deadLetterMessage,
  dlqTopic,
  type EventConsumer,
  type KafkaSettings,
  physicalTopic,
  replayedForAnotherGroup,
  retryEvent,
} from '@marquee/platform-events';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { PartitionCache } from '../db/partitions';
import { type ActivityRow, activityRowsOf } from '../domain/activity-rows';
import type { IpPolicy } from '../domain/ip-policy';
import { retentionCutoff } from '../domain/months';
import { writeActivity } from '../ingest/write-activity';

/**
 * The ingest's consumer group: its Kafka group (prefixed), its metrics label, the group its dead letters name, and so
 * the one `pnpm dlq-replay --group` sends them back for.
 */
const GROUP_ID = 'analytics';

export const ingestTopics = [Topics.activity, Topics.interaction, Topics.recommendation, Topics.notification];

const FUTURE_SLACK_MS = 24 * 3_600_000;
/** A fetch waits for this many bytes (about 200 interactions, or 100 lists of recommendations) or... */
const FETCH_MIN_BYTES = 128 * 1024;
/** ...this long, whichever comes first. */
const FETCH_MAX_WAIT_MS = 250;
/** Fetched batches a partition may have waiting to be written (memory: about maxBytesPerPartition each). */
const BATCHES_AHEAD = 2;

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
 * fails is replayed one event at a time with retries; an event that keeps failing goes to <topic>.dlq (a database
 * that is unreachable or restarting is waited for instead).
 */
/** The ingest's consumer; its stats also count the events with activity outside the kept months. */
export type ActivityIngest = EventConsumer & { readonly stats: EventConsumer['stats'] & { outsideWindow: number } };

export async function startActivityIngest(opts: IngestOptions): Promise<ActivityIngest> {
  const { database, logger } = opts;
  const chunkSize = opts.chunkSize ?? 2000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const retryBaseMs = opts.retryBaseMs ?? 200;
  /** outsideWindow: events with rows older than the kept months or from the far future, which are not logged. */
  const stats = { applied: 0, duplicates: 0, skipped: 0, outsideWindow: 0, deadLettered: 0, retries: 0 };
  const metrics = consumerMetrics(opts.metrics, GROUP_ID);
  const dlq = await connectProducer(opts.kafka);
  let stopping = false;

  /**
   * Rows inside the kept window; rows of archived months or from the far future are dropped, with one warning per
   * batch that says how many and their time range (a replay of years-old history, such as the demo community's
   * ratings, drops every event, and a line for each was a log of its own size).
   */
  function keptRows(topic: string, events: Envelope[]): ActivityRow[] {
    const now = Date.now();
    const oldest = retentionCutoff(new Date(now), opts.retentionMonths).getTime();
    const latest = now + FUTURE_SLACK_MS;
    const rows: ActivityRow[] = [];
    const outside = { events: 0, rows: 0, wholly: 0, from: Number.POSITIVE_INFINITY, to: Number.NEGATIVE_INFINITY };
    for (const e of events) {
      const all = activityRowsOf(e);
      let dropped = 0;
      for (const r of all) {
        const t = r.occurredAt.getTime();
        if (t >= oldest && t <= latest) {
          rows.push(r);
          continue;
        }
        dropped += 1;
        outside.from = Math.min(outside.from, t);
        outside.to = Math.max(outside.to, t);
      }
      if (dropped > 0) {
        outside.events += 1;
        outside.rows += dropped;
        if (dropped === all.length) outside.wholly += 1;
      }
      if (all.length === 0) {
        stats.skipped += 1;
        metrics.consumed(topic, 'skipped');
      }
    }
    if (outside.events > 0) {
      stats.outsideWindow += outside.events;
      // An event none of whose rows is logged was consumed without effect, as a skipped one is.
      if (outside.wholly > 0) metrics.consumed(topic, 'skipped', outside.wholly);
      logger.warn(
        {
          topic,
          events: outside.events,
          rows: outside.rows,
          from: new Date(outside.from).toISOString(),
          to: new Date(outside.to).toISOString(),
          keptFrom: new Date(oldest).toISOString(),
        },
        'activity outside the kept months; not logged',
      );
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
      messages: [deadLetterMessage(message, { topic, partition, groupId: GROUP_ID, reason, attempts })],
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
    // platform-events' rule: a database that is unreachable or restarting is waited for, not counted toward the DLQ.
    await retryEvent({ maxAttempts, retryBaseMs, stopping: () => stopping }, () => write(topic, [event]), {
      heartbeat,
      retry(err, { attempt, transient, delayMs }) {
        stats.retries += 1;
        metrics.retried(topic);
        logger.warn(
          { err, eventId: event.id, type: event.type, attempt, transient, delayMs },
          transient
            ? 'database unavailable; retrying the activity write (not counted toward the DLQ)'
            : 'activity write failed; retrying',
        );
      },
      exhausted: (err, attempts) => deadLetter(topic, partition, m, (err as Error).message ?? String(err), attempts),
    });
  }

  const consumer = opts.kafka.consumer({
    groupId: physicalTopic(opts.settings, GROUP_ID),
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    // Bigger fetches make bigger statements: the per-statement cost, not the per-row one, limited the rate
    // (pnpm bench analytics-write-cost: 600 µs of PostgreSQL CPU per event in statements of one event, 60-120 in
    // statements of 30). The broker holds a fetch until FETCH_MIN_BYTES are there or FETCH_MAX_WAIT_MS has passed,
    // so activity is logged up to that much later (README: measured with and without).
    minBytes: FETCH_MIN_BYTES,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    maxBytesPerPartition: 4 * 1024 * 1024,
    retry: { retries: 10 },
  });
  const topics = ingestTopics.map((t) => physicalTopic(opts.settings, t));
  metrics.watchAssignments(consumer);
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });

  /** Writes one chunk; when it fails, one event at a time (retries, then the DLQ). Throws only when stopping. */
  async function writeChunk(topic: string, partition: number, all: KafkaMessage[], heartbeat: () => Promise<void>) {
    // Dead letters another group's replay sent back are that group's alone: passed over, never logged twice.
    const chunk = all.filter((m) => !replayedForAnotherGroup(m, GROUP_ID));
    if (chunk.length < all.length) {
      stats.skipped += all.length - chunk.length;
      metrics.consumed(topic, 'skipped', all.length - chunk.length);
    }
    if (chunk.length === 0) return;
    try {
      await write(
        topic,
        chunk.map((m) => parseEvent(m.value ?? Buffer.alloc(0)).envelope),
      );
    } catch (err) {
      if (stopping) throw err;
      logger.warn({ err, topic, partition, events: chunk.length }, 'activity chunk failed; writing one by one');
      for (const m of chunk) {
        if (stopping) throw new Error('activity ingest stopping');
        await writeOneWithRetries(topic, partition, m, heartbeat);
      }
    }
  }

  // kafkajs fetches again only when eachBatch has returned, so eachBatch queues its batch and returns: the next
  // fetch and decode overlap the writes. A partition's batches are written one after another (its events share
  // users, whose rows concurrent writes would wait on), up to BATCHES_AHEAD queued. Offsets are committed by
  // hand, in order, once their batch is written; a redelivered event inserts and counts nothing.
  const partitions = new Map<string, { generation: number; tail: Promise<void>; queued: Promise<void>[] }>();
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const { topic, partition, messages } = batch;
      metrics.lag(topic, partition, batch.highWatermark, batch.firstOffset() ?? batch.highWatermark);
      if (stopping || messages.length === 0 || !isRunning() || isStale()) return;
      const key = `${topic}/${partition}`;
      const state = partitions.get(key) ?? { generation: 0, tail: Promise.resolve(), queued: [] };
      partitions.set(key, state);
      const generation = state.generation;
      const last = (messages[messages.length - 1] as KafkaMessage).offset;
      const previous = state.tail;
      const written = (async () => {
        await previous;
        // An earlier batch failed and sent the partition back to it: this one is fetched again too.
        if (state.generation !== generation) return;
        try {
          for (let i = 0; i < messages.length; i += chunkSize) {
            await writeChunk(topic, partition, messages.slice(i, i + chunkSize), heartbeat);
          }
        } catch (err) {
          if (stopping) return;
          state.generation += 1;
          const offset = (messages[0] as KafkaMessage).offset;
          logger.error({ err, topic, partition, offset }, 'activity batch not written; reading it again');
          try {
            consumer.seek({ topic, partition, offset });
          } catch (seekErr) {
            logger.warn({ err: seekErr, topic, partition }, 'could not seek back; the next assignment resumes there');
          }
          return;
        }
        const next = (BigInt(last) + 1n).toString();
        metrics.lag(topic, partition, batch.highWatermark, next);
        await consumer
          .commitOffsets([{ topic, partition, offset: next }])
          .catch((err: unknown) =>
            logger.warn({ err, topic, partition }, 'offset commit failed; events may be read again'),
          );
      })();
      state.tail = written;
      state.queued.push(written);
      void written.finally(() => state.queued.splice(state.queued.indexOf(written), 1));
      resolveOffset(last);
      while (state.queued.length > BATCHES_AHEAD) await state.queued[0];
    },
  });
  return {
    stats,
    async stop() {
      if (stopping) return;
      stopping = true;
      // Stop fetching, let the writes under way finish and commit, then leave the group.
      consumer.pause(topics.map((topic) => ({ topic })));
      await Promise.all([...partitions.values()].map((p) => p.tail));
      await consumer.disconnect();
      await dlq.disconnect();
      metrics.forget();
    },
  };
}
