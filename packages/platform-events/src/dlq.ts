import { Topics } from '@marquee/contracts';
import type { Logger } from '@marquee/platform-logging';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { connectProducer, dlqTopic, type KafkaSettings, physicalTopic } from './kafka';

/** One message of a DLQ, as the consumer that gave up on it described it in its headers. */
export interface DeadLetter {
  dlq: string;
  partition: number;
  offset: string;
  /** The topic it is sent back to (dlq-source-topic). */
  sourceTopic: string;
  reason: string;
  attempts: number;
}

export interface ReplayOptions {
  kafka: Kafka;
  settings: Pick<KafkaSettings, 'topicPrefix'>;
  logger: Logger;
  /** The consumer group whose dead letters go back, as its service names it ('recommendation'). */
  groupId: string;
  /** Source topics (logical names, 'interaction.v1') whose DLQs are read; default: every topic of the contracts. */
  topics?: string[];
  /** Only list what would go back: nothing is sent and nothing is marked as replayed. */
  dryRun?: boolean;
  /** Gives up when no DLQ partition moves for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Called for each dead letter of the group, once it is sent (or, on a dry run, found). */
  onDeadLetter?: (d: DeadLetter) => void;
}

export interface ReplayResult {
  /** Dead letters of the group sent back to their source topics (on a dry run: that would be). */
  replayed: number;
  /** Messages of other groups in the same DLQs, left where they are. */
  otherGroups: number;
  dlqs: string[];
}

/** A message header as text (its first value when repeated); undefined when absent. */
export function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
}

/**
 * What goes to `<topic>.dlq` for a message a consumer group gave up on: the message as it came, with headers saying
 * why, from where and by whom (replayDeadLetters reads them to send it back). Every consumer dead-letters this way.
 */
export function deadLetterMessage(
  message: KafkaMessage,
  from: { topic: string; partition: number; groupId: string; reason: string; attempts: number },
) {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      'dlq-reason': from.reason.slice(0, 2000),
      'dlq-source-topic': from.topic,
      'dlq-source-partition': String(from.partition),
      'dlq-source-offset': message.offset,
      'dlq-consumer-group': from.groupId,
      'dlq-attempts': String(from.attempts),
    },
  };
}

/** The header naming the one consumer group a replayed dead letter is for (its logical name, as in dlq-consumer-group). */
export const REPLAYED_FOR_HEADER = 'dlq-replayed-for';

/**
 * True for a dead letter replayed for another consumer group: every other group of the topic passes over the copy
 * without applying it, so a replay never depends on how long they remember the event ids they applied.
 */
export function replayedForAnotherGroup(message: KafkaMessage, groupId: string): boolean {
  const target = headerValue(message.headers, REPLAYED_FOR_HEADER);
  return target !== undefined && target !== groupId;
}

/**
 * The message as its producer sent it: the DLQ's own headers go; one saying where it was replayed from and one naming
 * the group it is for are added.
 */
function resent(dlq: string, partition: number, m: KafkaMessage, group: string) {
  const headers: IHeaders = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) if (!k.startsWith('dlq-') && v !== undefined) headers[k] = v;
  headers['dlq-replayed-from'] = `${dlq}/${partition}/${m.offset}`;
  headers[REPLAYED_FOR_HEADER] = group;
  return { key: m.key, value: m.value, headers };
}

/**
 * Sends one consumer group's dead letters back to the topics they came from, so that group applies them again once
 * whatever failed is fixed. Each copy names that group in its dlq-replayed-for header and the other groups of the
 * topic pass over it (replayedForAnotherGroup), however long ago they applied the original. A replayed event arrives
 * after the events that followed it when it failed; projections that keep the last write per row may want a later
 * event again after it.
 *
 * Reads each DLQ up to where it ended when the call started, as the group `<group>.dlq-replay`, whose committed
 * offsets mark what was sent back: a second run sends only what was dead-lettered since. Messages of other groups
 * (one DLQ per topic serves every group) are passed over; that group's own replay reads them.
 */
export async function replayDeadLetters(opts: ReplayOptions): Promise<ReplayResult> {
  const { kafka, settings, logger } = opts;
  // Consumers name their logical group in the header; the replay's own group is prefixed like theirs.
  const group = opts.groupId;
  const replayGroup = `${physicalTopic(settings, group)}.dlq-replay`;
  const admin = kafka.admin();
  await admin.connect();
  // Where each partition ends now and where this group's replay got to: only what lies between is read.
  const ends = new Map<string, string>();
  let dlqs: string[];
  try {
    const existing = new Set(await admin.listTopics());
    dlqs = (opts.topics ?? Object.values(Topics))
      .map((t) => dlqTopic(physicalTopic(settings, t)))
      .filter((t) => existing.has(t))
      .sort();
    if (dlqs.length === 0) return { replayed: 0, otherGroups: 0, dlqs };
    const committed = new Map<string, bigint>();
    for (const t of await admin.fetchOffsets({ groupId: replayGroup, topics: dlqs }))
      for (const p of t.partitions)
        if (Number(p.offset) >= 0) committed.set(`${t.topic}/${p.partition}`, BigInt(p.offset));
    for (const t of dlqs)
      for (const p of await admin.fetchTopicOffsets(t)) {
        const start = committed.get(`${t}/${p.partition}`) ?? BigInt(p.low);
        if (BigInt(p.high) > start) ends.set(`${t}/${p.partition}`, p.high);
      }
  } finally {
    await admin.disconnect();
  }
  const result: ReplayResult = { replayed: 0, otherGroups: 0, dlqs };
  if (ends.size === 0) return result;

  const producer = opts.dryRun ? undefined : await connectProducer(kafka);
  const consumer = kafka.consumer({ groupId: replayGroup, maxWaitTimeInMs: 200, retry: { retries: 10 } });
  try {
    await consumer.connect();
    for (const t of dlqs) await consumer.subscribe({ topic: t, fromBeginning: true });
    let settle!: (err?: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    // Awaited below; this keeps a failure that comes first from counting as unhandled meanwhile.
    finished.catch(() => {});
    // A send that keeps failing ends in kafkajs' crash event: the replay stops with its error.
    consumer.on(consumer.events.CRASH, (e) => settle(e.payload.error));
    const idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
    let movedAt = Date.now();
    const idle = setInterval(() => {
      if (Date.now() - movedAt > idleTimeoutMs)
        settle(new Error(`no DLQ partition moved for ${idleTimeoutMs} ms; ${ends.size} not read to their end`));
    }, 1000);
    try {
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          const where = `${batch.topic}/${batch.partition}`;
          const end = ends.get(where);
          if (end === undefined) return;
          let next: bigint | undefined;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= BigInt(end)) break;
            if (headerValue(m.headers, 'dlq-consumer-group') === group) {
              const sourceTopic = headerValue(m.headers, 'dlq-source-topic') ?? batch.topic.replace(/\.dlq$/, '');
              const dead: DeadLetter = {
                dlq: batch.topic,
                partition: batch.partition,
                offset: m.offset,
                sourceTopic,
                reason: headerValue(m.headers, 'dlq-reason') ?? '',
                attempts: Number(headerValue(m.headers, 'dlq-attempts') ?? 0),
              };
              await producer?.send({
                topic: sourceTopic,
                acks: -1,
                messages: [resent(batch.topic, batch.partition, m, group)],
              });
              result.replayed += 1;
              opts.onDeadLetter?.(dead);
            } else result.otherGroups += 1;
            resolveOffset(m.offset);
            next = BigInt(m.offset) + 1n;
          }
          if (next !== undefined) {
            movedAt = Date.now();
            if (producer)
              await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }]);
            if (next >= BigInt(end)) ends.delete(where);
          }
          await heartbeat();
          if (ends.size === 0) settle();
        },
      });
      await finished;
    } finally {
      clearInterval(idle);
    }
  } finally {
    await consumer
      .disconnect()
      .catch((err: unknown) => logger.warn({ err }, 'DLQ replay consumer did not disconnect cleanly'));
    await producer?.disconnect();
  }
  return result;
}
