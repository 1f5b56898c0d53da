import { ActivityLogged, buildEvent, type Envelope, type Static } from '@marquee/contracts';
import { type KafkaSettings, physicalTopic } from '@marquee/platform-events';
import { currentCorrelation, type Logger, newCorrelationId } from '@marquee/platform-logging';
import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';

export type ActivityData = Static<typeof ActivityLogged.schema>;

export interface ActivityStats {
  queued: number;
  sent: number;
  dropped: number;
  failedBatches: number;
}

/** Why an activity event was lost: the queue was full, it broke the contract, or Kafka refused it too long. */
export type DropReason = 'queue_full' | 'invalid' | 'send_failed';

// One send per 2,000 events (~400 KB per partition, under the broker's 1 MB batch limit): at 10,000 events/s
// on a loaded machine, 500 per send could not keep up and the queue overflowed (pnpm bench analytics).
const BATCH_MAX = 2000;
const MAX_IN_FLIGHT = 4;
const WARN_EVERY_MS = 10_000;

/**
 * Best-effort activity.logged producer. The gateway has no database, so there is no outbox: events
 * wait in a bounded in-memory queue and go to Kafka in batches. Activity is analytics input, not a
 * record anyone depends on, so when Kafka is down long enough to fill the queue new events are
 * dropped (counted and logged) rather than slowing or failing requests; a crash loses the queue.
 */
export class ActivityPublisher {
  private queue: Message[] = [];
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private lastWarn = 0;
  readonly stats: ActivityStats = { queued: 0, sent: 0, dropped: 0, failedBatches: 0 };
  /** Served on the gateway's /metrics: losses are visible to alerting, not only in logs. */
  readonly droppedTotal = new Counter({
    name: 'gateway_activity_events_dropped_total',
    help: 'activity.logged events the gateway dropped instead of publishing, by reason',
    labelNames: ['reason'] as const,
    registers: [],
  });
  readonly queueDepth: Gauge;
  private readonly topic: string;
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly opts: { maxQueued: number; flushMs: number };

  constructor(
    kafka: Kafka,
    settings: Pick<KafkaSettings, 'topicPrefix'>,
    logger: Logger,
    opts: { maxQueued: number; flushMs: number },
  ) {
    this.kafka = kafka;
    this.logger = logger;
    this.opts = opts;
    this.topic = physicalTopic(settings, ActivityLogged.topic);
    const queue = () => this.queue.length;
    this.queueDepth = new Gauge({
      name: 'gateway_activity_queue_depth',
      help: 'activity.logged events waiting in memory for Kafka',
      registers: [],
      collect() {
        this.set(queue());
      },
    });
    for (const reason of ['queue_full', 'invalid', 'send_failed'] as const) this.droppedTotal.inc({ reason }, 0);
  }

  async start(): Promise<void> {
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    await this.producer.connect();
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  /** Queues one activity.logged event, keyed by user id when signed in, else by session id. */
  log(data: ActivityData): Envelope<ActivityData> | undefined {
    if (this.queue.length >= this.opts.maxQueued) {
      this.drop('queue_full', 1);
      this.warn('activity queue full; event dropped');
      return undefined;
    }
    const ctx = currentCorrelation();
    const correlationId = ctx?.correlationId ?? newCorrelationId();
    let envelope: Envelope<ActivityData>;
    try {
      envelope = buildEvent(ActivityLogged, data.userId ?? data.sessionId, data, { correlationId });
    } catch (err) {
      // Never fail the request that caused it: a malformed activity is a gateway bug to log, not a 500.
      this.drop('invalid', 1);
      this.logger.error({ err }, 'activity event invalid; dropped');
      return undefined;
    }
    this.queue.push({
      key: envelope.key,
      value: JSON.stringify(envelope),
      headers: { 'event-id': envelope.id, 'event-type': envelope.type, 'correlation-id': correlationId },
    });
    this.stats.queued = this.queue.length;
    if (this.queue.length >= BATCH_MAX) void this.flush();
    return envelope;
  }

  /**
   * Sends what is queued, up to MAX_IN_FLIGHT batches at once (one send waits on the broker's acks, so a
   * single one in flight capped the rate at batch size / round trip); a failed batch goes back to the head
   * of the queue. Activity needs no order: each event carries its own time.
   */
  flush(): Promise<void> {
    const producer = this.producer;
    if (producer) {
      while (this.queue.length > 0 && this.inFlight.size < MAX_IN_FLIGHT) this.sendBatch(producer);
    }
    return this.inFlight.size > 0 ? Promise.all(this.inFlight).then(() => undefined) : Promise.resolve();
  }

  private sendBatch(producer: Producer): void {
    const batch = this.queue.splice(0, BATCH_MAX);
    const sending: Promise<void> = producer
      .send({ topic: this.topic, messages: batch, acks: -1 })
      .then(() => {
        this.stats.sent += batch.length;
      })
      .catch((err: unknown) => {
        this.stats.failedBatches += 1;
        const room = Math.max(0, this.opts.maxQueued - this.queue.length);
        this.drop('send_failed', Math.max(0, batch.length - room));
        this.queue.unshift(...batch.slice(0, room));
        this.warn('activity batch not sent; will retry', err);
      })
      .finally(() => {
        this.inFlight.delete(sending);
        this.stats.queued = this.queue.length;
      });
    this.inFlight.add(sending);
  }

  /** Stops the timer and tries to send what is left, for at most `timeoutMs`. */
  async stop(timeoutMs = 3000): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.inFlight.size > 0) && Date.now() < deadline && this.producer) {
      await Promise.race([this.flush(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    }
    if (this.queue.length > 0)
      this.logger.warn({ lost: this.queue.length }, 'activity events not sent before shutdown');
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private drop(reason: DropReason, n: number): void {
    this.stats.dropped += n;
    this.droppedTotal.inc({ reason }, n);
  }

  private warn(message: string, err?: unknown): void {
    const now = Date.now();
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    this.lastWarn = now;
    this.logger.warn({ err, ...this.stats }, message);
  }
}
