import { type Envelope, type EventDefinition, type InvalidEventError, parseEvent } from '@marquee/contracts';
import { type Database, transientFailure, type Tx } from '@marquee/platform-db';
import { type Logger, withCorrelation } from '@marquee/platform-logging';
import { withConsumerSpan } from '@marquee/platform-tracing';
import type { Static, TSchema } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Registry } from '@marquee/platform-metrics';
import { deadLetterMessage, headerValue, replayedForAnotherGroup } from './dlq';
import { connectProducer, dlqTopic, type KafkaSettings, physicalTopic } from './kafka';
import { consumerMetrics } from './metrics';

export interface HandlerContext<D = unknown> {
  /** The transaction that also records the event as processed: write through it. */
  tx: Tx;
  logger: Logger;
  topic: string;
  /** The whole envelope: id, key, occurredAt, correlation. */
  event: Envelope<D>;
  /**
   * Runs `effect` once the transaction has committed (cache writes, NATS pushes): never for a rolled-back
   * attempt, whose retry registers it again. A failing effect is logged; the event stays applied.
   */
  afterCommit(effect: () => Promise<void> | void): void;
  /**
   * Runs `work` once per transaction for each `key`, after every handler of the chunk and before the commit, in
   * the same transaction: per-key work several events share (one refresh per user for all their events in a
   * chunk) is done once, and a failure rolls the whole chunk back like a failing handler. The first
   * registration of a key wins; later ones in the same transaction are ignored.
   */
  beforeCommit(key: string, work: () => Promise<void>): void;
}

let chunkStates = 0;

/**
 * State a consumer gathers over one transaction's events (a consumed chunk, or one event on the slow path) and
 * writes once before that transaction commits. The returned function gives a handler the state of its
 * transaction: the first event of a transaction creates it and schedules `flush(state, ctx)` with that event's
 * context (beforeCommit), later events of the same transaction get the same state.
 */
export function chunkState<S>(
  create: () => S,
  flush: (state: S, ctx: HandlerContext) => Promise<void>,
): (ctx: HandlerContext) => S {
  const states = new WeakMap<Tx, S>();
  const key = `chunk-state:${++chunkStates}`;
  return (ctx) => {
    const held = states.get(ctx.tx);
    if (held !== undefined) return held;
    const state = create();
    states.set(ctx.tx, state);
    ctx.beforeCommit(key, () => flush(state, ctx));
    return state;
  };
}

/** A handler bound to one event definition (type and version); build it with on(). */
export interface EventHandler<S extends TSchema = TSchema> {
  def: EventDefinition<S>;
  // Method syntax keeps handlers of different events assignable to one list.
  handle(data: Static<S>, ctx: HandlerContext<Static<S>>): Promise<void>;
}

/**
 * Binds a handler to an event definition: `data` is that event's contract type, checked at compile time,
 * and the consumer has validated it against the contract's schema before the handler runs.
 */
export function on<S extends TSchema>(
  def: EventDefinition<S>,
  handle: (data: Static<S>, ctx: HandlerContext<Static<S>>) => Promise<void>,
): EventHandler<S> {
  return { def, handle };
}

const handlerKey = (type: string, version: number) => `${type}@${version}`;

/** The W3C traceparent a message carries (the relay sets it for rows written inside a trace). */
function traceparentOf(message: KafkaMessage): string | undefined {
  return headerValue(message.headers, 'traceparent');
}

export interface ConsumerOptions {
  kafka: Kafka;
  settings: Pick<KafkaSettings, 'topicPrefix'>;
  database: Database;
  logger: Logger;
  /**
   * Consumer group, named after the consuming service (plus a role when a service has several).
   * Kafka sees it with the topic prefix, so runs sharing a broker never share a group.
   */
  groupId: string;
  /** Logical topics (without prefix); by default the topics of the handlers' events. */
  topics?: string[];
  /** One handler per event definition; events of other types or versions are acknowledged and skipped. */
  handlers: EventHandler[];
  /**
   * Attempts before an event goes to the DLQ. Failures of the database's state (unreachable, shutting down, a
   * deadlock: platform-db's transientFailure) do not count: those are retried until the database answers.
   */
  maxAttempts?: number;
  retryBaseMs?: number;
  fromBeginning?: boolean;
  /** Events applied in one transaction on the fast path. */
  chunkSize?: number;
  /**
   * Message keys in one such transaction: a chunk also ends before the event that would bring it a key more than
   * this (each keyless message counts as a key of its own). For a consumer whose work per transaction grows with
   * the keys it holds rather than with its events (one fold-in per user), so a large chunkSize can gather a user's
   * waiting events into one transaction without letting it hold more users than it should. Default: no bound.
   */
  chunkKeys?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Kafka fetch: the broker answers once it holds this many bytes for the consumer, or when fetchMaxWaitMs has
   * passed (defaults 1 byte and 100 ms: it answers as soon as anything is there).
   */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /**
   * The most one fetch takes from a partition (default 1 MiB, kafkajs's; a fetch takes at most 10 MiB in all): how
   * many waiting events a consumer that is behind can gather into one chunk (chunkSize).
   */
  fetchMaxBytesPerPartition?: number;
  /** The service's registry (ServiceDeps.metrics): events consumed, retries and lag per partition, by group. */
  metrics?: Registry;
  /** How long an applied event id is kept in processed_events (default: twice Kafka's 7-day retention). */
  processedRetentionMs?: number;
}

/** The longest wait between two tries of a failing event (below the 30 s session timeout: each wait ends in a heartbeat). */
const MAX_RETRY_DELAY_MS = 5_000;

/**
 * Runs one event's work until it succeeds, the rule every consumer of the platform retries by: a failure of the event
 * itself counts, and after maxAttempts of them `exhausted` sends it to the DLQ; a failure of the database's state
 * (unreachable, shutting down, out of resources, a deadlock: transientFailure) is retried without counting, so an
 * outage never sends events to the DLQ, where nothing would apply them again: the partition waits for the database
 * instead. Tries back off exponentially from retryBaseMs up to 5 s, each wait ending in a heartbeat; while stopping,
 * the failure is thrown.
 */
export async function retryEvent(
  policy: { maxAttempts: number; retryBaseMs: number; stopping: () => boolean },
  work: () => Promise<void>,
  on: {
    retry(err: unknown, tryInfo: { attempt: number; transient: boolean; delayMs: number }): void;
    exhausted(err: unknown, attempts: number): Promise<void>;
    heartbeat(): Promise<void>;
  },
): Promise<void> {
  let attempts = 0;
  for (let tries = 1; ; tries += 1) {
    try {
      await work();
      return;
    } catch (err) {
      if (policy.stopping()) throw err;
      const transient = transientFailure(err);
      if (!transient) attempts += 1;
      if (attempts >= policy.maxAttempts) return on.exhausted(err, attempts);
      const delayMs = Math.min(policy.retryBaseMs * 2 ** (tries - 1), MAX_RETRY_DELAY_MS);
      on.retry(err, { attempt: tries, transient, delayMs });
      await new Promise((r) => setTimeout(r, delayMs));
      await on.heartbeat();
    }
  }
}

/** kafkajs's own default for what a fetch takes from one partition (a fetch takes 10 MiB in all). */
const DEFAULT_FETCH_MAX_BYTES_PER_PARTITION = 1024 * 1024;

/** Kafka keeps a topic's messages 7 days (`log.retention.hours=168`): an id is kept twice as long. */
export const PROCESSED_RETENTION_MS = 14 * 24 * 3_600_000;
const PRUNE_INTERVAL_MS = 3_600_000;
const PRUNE_BATCH = 10_000;

/**
 * Forgets the ids of events this consumer group applied more than retentionMs ago, in batches; returns how many.
 * Event ids are UUIDv7 (the first 48 bits are the time they were made), so the key (consumer, event_id) bounds the
 * delete to ids made before the cutoff without an index on processed_at; processed_at before the cutoff must hold too.
 */
export async function pruneProcessedEvents(
  database: Database,
  consumer: string,
  retentionMs: number = PROCESSED_RETENTION_MS,
  now: number = Date.now(),
): Promise<number> {
  const cutoff = Math.max(0, now - retentionMs);
  const hex = cutoff.toString(16).padStart(12, '0');
  const bound = `${hex.slice(0, 8)}-${hex.slice(8)}-0000-0000-000000000000`;
  let pruned = 0;
  for (;;) {
    const { rowCount } = await database.pool.query(
      `delete from processed_events where ctid = any(array(
         select ctid from processed_events
          where consumer = $1 and event_id < $2::uuid and processed_at < to_timestamp($3::float8 / 1000)
          limit $4))`,
      [consumer, bound, cutoff, PRUNE_BATCH],
    );
    pruned += rowCount ?? 0;
    if ((rowCount ?? 0) < PRUNE_BATCH) return pruned;
  }
}

/**
 * Where the chunk that starts at messages[start] ends (exclusive): after maxEvents messages, or before the first one
 * whose key would make it hold more than maxKeys distinct keys; a keyless message counts as a key of its own. A
 * chunk holds at least one message.
 */
export function chunkEnd(
  messages: ReadonlyArray<{ key?: Buffer | string | null }>,
  start: number,
  maxEvents: number,
  maxKeys?: number,
): number {
  const limit = Math.min(messages.length, start + Math.max(1, maxEvents));
  if (maxKeys === undefined || maxKeys >= limit - start) return limit;
  const bound = Math.max(1, maxKeys);
  const keys = new Set<string>();
  let keyless = 0;
  for (let j = start; j < limit; j++) {
    const raw = messages[j]?.key;
    const key = raw == null ? null : String(raw);
    if ((key === null || !keys.has(key)) && keys.size + keyless >= bound) return j;
    if (key === null) keyless += 1;
    else keys.add(key);
  }
  return limit;
}

export interface EventConsumer {
  stop(): Promise<void>;
  readonly stats: { applied: number; duplicates: number; skipped: number; deadLettered: number; retries: number };
}

type Outcome = 'applied' | 'duplicate' | 'skipped';

/**
 * Consumes topics and applies each event exactly once per consumer group: the event id is recorded
 * in processed_events in the same transaction as the handler's writes. A failing event is retried
 * with exponential backoff, then sent to <topic>.dlq with the reason, and consumption goes on.
 */
export async function startEventConsumer(opts: ConsumerOptions): Promise<EventConsumer> {
  const { database, logger, groupId } = opts;
  const maxAttempts = opts.maxAttempts ?? 5;
  const retryBaseMs = opts.retryBaseMs ?? 200;
  const chunkSize = opts.chunkSize ?? 50;
  const stats = { applied: 0, duplicates: 0, skipped: 0, deadLettered: 0, retries: 0 };
  const metrics = consumerMetrics(opts.metrics, groupId);
  const handlers = new Map<string, EventHandler>();
  for (const h of opts.handlers) {
    const key = handlerKey(h.def.type, h.def.version);
    if (handlers.has(key)) throw new Error(`${groupId}: two handlers for ${h.def.type} v${h.def.version}`);
    handlers.set(key, h);
  }
  const topics = opts.topics ?? [...new Set(opts.handlers.map((h) => h.def.topic))];
  const handlerOf = (e: Envelope) => handlers.get(handlerKey(e.type, e.version));
  const dlqProducer: Producer = await connectProducer(opts.kafka);
  const consumer: Consumer = opts.kafka.consumer({
    groupId: physicalTopic(opts.settings, groupId),
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: opts.fetchMaxWaitMs ?? 100,
    minBytes: opts.fetchMinBytes ?? 1,
    maxBytesPerPartition: opts.fetchMaxBytesPerPartition ?? DEFAULT_FETCH_MAX_BYTES_PER_PARTITION,
    retry: { retries: 10 },
  });
  let stopping = false;

  /**
   * Records the events' ids in one statement, then runs handlers for the new ones in order (fast and slow
   * path), each in a consumer span that continues the trace its message carried (traceparents[i]).
   */
  async function applyEventsInTx(
    tx: Tx,
    events: Envelope[],
    traceparents: (string | undefined)[],
    topic: string,
    effects: Array<() => Promise<void> | void>,
  ): Promise<Outcome[]> {
    const pending = new Map<string, () => Promise<void>>();
    const beforeCommit = (key: string, work: () => Promise<void>) => {
      if (!pending.has(key)) pending.set(key, work);
    };
    const handled = events.filter((e) => handlerOf(e));
    const fresh = new Set<string>();
    if (handled.length > 0) {
      // The chunk's ids as one JSON parameter: three bound parameters per event cost more to build than to insert.
      const rows = JSON.stringify(handled.map((e) => ({ i: e.id, t: e.type })));
      const inserted = await tx.execute<{ event_id: string }>(
        sql`insert into processed_events (consumer, event_id, event_type)
            select ${groupId}, x.i, x.t from jsonb_to_recordset(${rows}::jsonb) as x(i uuid, t text)
            on conflict do nothing returning event_id`,
      );
      for (const r of inserted.rows) fresh.add(r.event_id);
    }
    const out: Outcome[] = [];
    for (const [i, e] of events.entries()) {
      const handler = handlerOf(e);
      if (!handler) out.push('skipped');
      else if (!fresh.has(e.id)) out.push('duplicate');
      else {
        // The same id twice in one chunk: only its first copy is applied.
        fresh.delete(e.id);
        await withConsumerSpan(
          traceparents[i],
          `${groupId} process ${e.type}`,
          {
            'messaging.destination.name': topic,
            'messaging.consumer.group.name': groupId,
            'messaging.message.id': e.id,
          },
          () =>
            withCorrelation({ correlationId: e.correlationId, causationId: e.id }, () =>
              handler.handle(e.data, {
                tx,
                logger,
                topic,
                event: e,
                afterCommit: (effect) => effects.push(effect),
                beforeCommit,
              }),
            ),
        );
        out.push('applied');
      }
    }
    for (const work of pending.values()) await work();
    return out;
  }

  /** One transaction over the events, then their after-commit effects in order. */
  async function applyEvents(
    events: Envelope[],
    traceparents: (string | undefined)[],
    topic: string,
  ): Promise<Outcome[]> {
    const effects: Array<() => Promise<void> | void> = [];
    const outcomes = await database.db.transaction((tx) => applyEventsInTx(tx, events, traceparents, topic, effects));
    for (const effect of effects) {
      try {
        await effect();
      } catch (err) {
        logger.error({ err, topic, groupId }, 'after-commit effect failed');
      }
    }
    return outcomes;
  }

  function count(topic: string, outcome: Outcome): void {
    if (outcome === 'applied') stats.applied += 1;
    else if (outcome === 'duplicate') stats.duplicates += 1;
    else stats.skipped += 1;
    metrics.consumed(topic, outcome);
  }

  async function deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, attempts: number) {
    stats.deadLettered += 1;
    metrics.consumed(topic, 'dead_lettered');
    logger.error({ topic, partition, offset: message.offset, reason, attempts, groupId }, 'event sent to DLQ');
    await dlqProducer.send({
      topic: dlqTopic(topic),
      acks: -1,
      messages: [deadLetterMessage(message, { topic, partition, groupId, reason, attempts })],
    });
  }

  /** Slow path: one event, its own transaction, bounded retries with backoff, then the DLQ. */
  async function processOne(topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>) {
    let envelope: Envelope;
    try {
      envelope = parseEvent(message.value ?? Buffer.alloc(0)).envelope;
    } catch (err) {
      // A message that cannot be parsed will never succeed: no retries.
      await deadLetter(topic, partition, message, (err as InvalidEventError).message, 0);
      return;
    }
    await retryEvent(
      { maxAttempts, retryBaseMs, stopping: () => stopping },
      async () => {
        for (const o of await applyEvents([envelope], [traceparentOf(message)], topic)) count(topic, o);
      },
      {
        heartbeat,
        retry(err, { attempt, transient, delayMs }) {
          stats.retries += 1;
          metrics.retried(topic);
          logger.warn(
            { err, eventId: envelope.id, type: envelope.type, attempt, transient, delayMs, groupId },
            transient
              ? 'database unavailable; retrying the event (not counted toward the DLQ)'
              : 'event handler failed; retrying',
          );
        },
        exhausted: (err, attempts) =>
          deadLetter(topic, partition, message, (err as Error).message ?? String(err), attempts),
      },
    );
  }

  metrics.watchAssignments(consumer);
  await consumer.connect();
  for (const t of topics) {
    await consumer.subscribe({ topic: physicalTopic(opts.settings, t), fromBeginning: opts.fromBeginning ?? true });
  }
  await consumer.run({
    // Offsets are resolved per event and committed by interval; a replay after a crash is absorbed by processed_events.
    eachBatchAutoResolve: false,
    autoCommitInterval: 1000,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      const { topic, partition } = batch;
      metrics.lag(topic, partition, batch.highWatermark, batch.firstOffset() ?? batch.highWatermark);
      // Fast path: a chunk in one transaction. Any failure rolls it back and each half is applied the same way, down
      // to a single event, which gets processOne's retries and then the DLQ: one bad event in a large chunk costs a
      // few attempts of shrinking size, not a transaction for every other event. False: stopped before its end.
      const applyChunk = async (chunk: KafkaMessage[], last: string): Promise<boolean> => {
        if (chunk.length === 1) {
          if (stopping) return false;
          await processOne(topic, partition, chunk[0] as KafkaMessage, heartbeat);
        } else if (chunk.length > 1) {
          try {
            const parsed = chunk.map((m) => parseEvent(m.value ?? Buffer.alloc(0)).envelope);
            const outcomes = await applyEvents(parsed, chunk.map(traceparentOf), topic);
            for (const o of outcomes) count(topic, o);
          } catch {
            if (stopping) return false;
            const half = Math.ceil(chunk.length / 2);
            const first = chunk.slice(0, half);
            return (
              (await applyChunk(first, (first[first.length - 1] as KafkaMessage).offset)) &&
              applyChunk(chunk.slice(half), last)
            );
          }
        }
        resolveOffset(last);
        await commitOffsetsIfNecessary();
        await heartbeat();
        return true;
      };
      for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); ) {
        const end = chunkEnd(batch.messages, i, chunkSize, opts.chunkKeys);
        const chunk = batch.messages.slice(i, end);
        i = end;
        // Dead letters another group's replay sent back are that group's alone: passed over, never applied here.
        const own = chunk.filter((m) => !replayedForAnotherGroup(m, groupId));
        for (let k = own.length; k < chunk.length; k++) count(topic, 'skipped');
        if (!(await applyChunk(own, (chunk[chunk.length - 1] as KafkaMessage).offset))) return;
        const next = BigInt((chunk[chunk.length - 1] as KafkaMessage).offset) + 1n;
        metrics.lag(topic, partition, batch.highWatermark, String(next));
      }
    },
  });

  // processed_events would otherwise grow for ever: ids older than any message Kafka can still deliver are dropped.
  const prune = () =>
    pruneProcessedEvents(database, groupId, opts.processedRetentionMs).catch((err: unknown) =>
      logger.warn({ err, groupId }, 'processed_events not pruned; will try again'),
    );
  let pruned = prune();
  const pruning = setInterval(() => {
    pruned = prune();
  }, PRUNE_INTERVAL_MS);
  pruning.unref();

  return {
    stats,
    async stop() {
      stopping = true;
      clearInterval(pruning);
      await pruned;
      await consumer.disconnect();
      await dlqProducer.disconnect();
      metrics.forget();
    },
  };
}
