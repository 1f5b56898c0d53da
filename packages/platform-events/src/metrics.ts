import type { Database } from '@marquee/platform-db';
import { counterOn, gaugeOn, type Registry, scrapedGauge } from '@marquee/platform-metrics';
import type { Consumer } from 'kafkajs';

/** What a consumer did with an event: applied it, had it already, has no handler for it, or gave up on it. */
export type ConsumedOutcome = 'applied' | 'duplicate' | 'skipped' | 'dead_lettered';
const OUTCOMES: ConsumedOutcome[] = ['applied', 'duplicate', 'skipped', 'dead_lettered'];

/** The series every consumer group records, on its service's registry. */
export interface ConsumerMetrics {
  consumed(topic: string, outcome: ConsumedOutcome, n?: number): void;
  retried(topic: string): void;
  /** Messages of the partition after `nextOffset`, as of the batch's high watermark. */
  lag(topic: string, partition: number, highWatermark: string, nextOffset: string): void;
  /** Forgets the lag of partitions this member no longer holds after a rebalance, and starts the new ones at 0. */
  watchAssignments(consumer: Consumer): void;
  /** A stopped consumer holds no partition: its lag series go. */
  forget(): void;
}

const noConsumerMetrics: ConsumerMetrics = {
  consumed: () => {},
  retried: () => {},
  lag: () => {},
  watchAssignments: () => {},
  forget: () => {},
};

/** A consumer's metrics on `registry`; none are recorded without one (tests and benches). */
export function consumerMetrics(registry: Registry | undefined, group: string): ConsumerMetrics {
  if (!registry) return noConsumerMetrics;
  const on = registry;
  const consumed = counterOn(on, {
    name: 'events_consumed_total',
    help: 'Events a consumer group handled, by topic and outcome (applied, duplicate, skipped, dead_lettered)',
    labelNames: ['group', 'topic', 'outcome'],
  });
  const retries = counterOn(on, {
    name: 'event_retries_total',
    help: 'Failed attempts at an event that were retried with backoff',
    labelNames: ['group', 'topic'],
  });
  const lag = gaugeOn(on, {
    name: 'kafka_consumer_lag',
    help: "Messages behind the partition's high watermark as of the group's last fetched batch",
    labelNames: ['group', 'topic', 'partition'],
  });
  const held = new Set<string>();
  const drop = (key: string) => {
    const [topic, partition] = key.split('\n') as [string, string];
    lag.remove({ group, topic, partition });
    held.delete(key);
  };
  return {
    consumed: (topic, outcome, n = 1) => consumed.inc({ group, topic, outcome }, n),
    retried: (topic) => retries.inc({ group, topic }),
    lag(topic, partition, highWatermark, nextOffset) {
      held.add(`${topic}\n${partition}`);
      lag.set({ group, topic, partition }, Math.max(0, Number(highWatermark) - Number(nextOffset)));
    },
    watchAssignments(consumer) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const now = new Set<string>();
        for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
          for (const p of partitions) now.add(`${topic}\n${p}`);
          // Series exist from the start at 0, so rate() and alerts see the first event too.
          for (const outcome of OUTCOMES) consumed.inc({ group, topic, outcome }, 0);
          retries.inc({ group, topic }, 0);
        }
        for (const key of held) if (!now.has(key)) drop(key);
        for (const key of now) {
          if (held.has(key)) continue;
          const [topic, partition] = key.split('\n') as [string, string];
          lag.set({ group, topic, partition }, 0);
          held.add(key);
        }
      });
    },
    forget() {
      for (const key of held) drop(key);
    },
  };
}

export interface RelayMetrics {
  published(topic: string, n: number): void;
  failed(): void;
  /** The relay stopped: its backlog gauges go (another relay may take the registry's). */
  forget(): void;
}

const BACKLOG_QUERY_TIMEOUT_MS = 2000;

/**
 * The relay's series. Backlog and the oldest row's age are read from the outbox when scraped (through
 * the partial index on unpublished rows), so they hold even when the relay is stuck; a failed or slow
 * read keeps the last values rather than holding the scrape.
 */
export function relayMetrics(registry: Registry | undefined, database: Database): RelayMetrics {
  if (!registry) return { published: () => {}, failed: () => {}, forget: () => {} };
  const on = registry;
  const published = counterOn(on, {
    name: 'outbox_events_published_total',
    help: 'Outbox rows the relay published to Kafka, by logical topic (rate() is the publish rate)',
    labelNames: ['topic'],
  });
  const failures = counterOn(on, {
    name: 'outbox_publish_failures_total',
    help: 'Relay rounds that could not publish (the relay backs off and retries)',
  });
  // A scrape collects both gauges at once: they share one query.
  let query: Promise<{ backlog: number; age: number }> | undefined;
  const read = () =>
    (query ??= database.pool
      .query<{ backlog: string; age: number | null }>(
        `select (select count(*) from outbox) as backlog,
                (select extract(epoch from now() - created_at)::float8 from outbox order by seq limit 1) as age`,
      )
      .then(({ rows }) => ({ backlog: Number(rows[0]?.backlog ?? 0), age: Math.max(0, rows[0]?.age ?? 0) }))
      .finally(() => {
        query = undefined;
      }));
  // The newest relay on a registry reports (tests restart relays on one registry).
  const gauges = [
    scrapedGauge(on, {
      name: 'outbox_backlog',
      help: 'Outbox rows not yet published',
      timeoutMs: BACKLOG_QUERY_TIMEOUT_MS,
      read: () => read().then((r) => r.backlog),
    }),
    scrapedGauge(on, {
      name: 'outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when none)',
      timeoutMs: BACKLOG_QUERY_TIMEOUT_MS,
      read: () => read().then((r) => r.age),
    }),
  ];
  return {
    published: (topic, n) => published.inc({ topic }, n),
    failed: () => failures.inc(),
    forget() {
      for (const g of gauges) g.forget();
    },
  };
}
