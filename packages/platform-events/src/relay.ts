import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';
import { type PublishSpan, startPublishSpan } from '@marquee/platform-tracing';
import type { Kafka, Message, Producer } from 'kafkajs';
import type pg from 'pg';
import { connectProducer, type KafkaSettings, physicalTopic } from './kafka';
import { relayMetrics } from './metrics';
import { onOutboxWrite } from './outbox';

export interface RelayOptions {
  database: Database;
  kafka: Kafka;
  settings: Pick<KafkaSettings, 'topicPrefix'>;
  logger: Logger;
  batchSize?: number;
  /** How often the relay looks for new rows while rows come (written in this process or published lately). */
  pollIntervalMs?: number;
  /**
   * How often it looks when none have come for a second: then only rows written by another process (a command, a
   * process without a relay) wait for it, up to this long. Each look is four statements on its connection; at every
   * 50 ms, in each of a deployment's processes, they were a standing cost with no traffic at all.
   */
  idlePollIntervalMs?: number;
  /**
   * How long a transaction may take from its outbox insert to its commit and still be picked up by the next
   * scans (they start past what was published this long ago); a slower one is found by the periodic full scan.
   */
  floorLagMs?: number;
  /** How often a scan starts from the first unpublished row whatever the floor (the backstop for slow commits). */
  fullScanMs?: number;
  /** The service's registry (ServiceDeps.metrics): events published by topic, failures, backlog and its age. */
  metrics?: Registry;
}

export interface OutboxRelay {
  /** Resolves when the outbox has no unpublished row older than the call (for tests and shutdown). */
  flush(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  readonly published: number;
}

interface OutboxRow {
  id: string;
  seq: string;
  topic: string;
  key: string;
  type: string;
  /** The envelope as PostgreSQL prints the jsonb, sent as is (no parse and re-stringify per row). */
  payload: string;
  correlation_id: string | null;
  traceparent: string | null;
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** How long after the last row written or published the relay keeps polling every pollIntervalMs. */
const ACTIVE_MS = 1000;

// One relay per database publishes at a time, so rows of one key leave in seq order.
const RELAY_LOCK = 'marquee.outbox.relay';

/**
 * The relay's transaction commits without waiting for its WAL to reach the disk (this transaction only: SET LOCAL,
 * so the pooled connection goes back as it came). Its only write is the delete of rows Kafka has already acked, and
 * losing that delete to a crash loses nothing: the rows are published again and consumers skip them by their ids,
 * as after a relay killed between publish and commit. Waiting cost a WAL flush (fdatasync) per batch, every 50 ms
 * in each service under load, on the same disk and WAL as the commits requests wait for.
 */
const ASYNC_DELETE = 'set local synchronous_commit to off';

/**
 * Where the next scan for unpublished rows starts. Every scan reads the lowest unpublished seqs it can see, so
 * once a batch is published every visible row up to its highest seq is out; a row below that can still appear
 * only from a transaction that took its seq earlier and had not committed yet. Starting each scan past the
 * highest seq published floorLagMs ago (not at the first row of the table) keeps it from walking the index
 * entries of every row published since the oldest open snapshot of the cluster (PostgreSQL cannot drop them
 * before that, and the relay revisited each one per poll: measured 6.5 ms per poll at 1,100 events/s, the
 * interaction database's largest statement); a transaction slower than floorLagMs to commit after its insert
 * is published by the next full scan (every fullScanMs, and on flush) instead of the next poll.
 */
function scanFloor(lagMs: number, fullScanMs: number) {
  let floor = 0;
  let fullScanAt = 0;
  let fullRequested = false;
  const marks: { at: number; seq: number }[] = [];
  return {
    /** The seq the next scan starts after (0: from the first unpublished row). */
    next(now = Date.now()): number {
      while (marks.length > 0 && (marks[0] as { at: number }).at <= now - lagMs) {
        floor = Math.max(floor, (marks.shift() as { seq: number }).seq);
      }
      if (fullRequested || now - fullScanAt >= fullScanMs) {
        fullRequested = false;
        fullScanAt = now;
        return 0;
      }
      return floor;
    },
    /** A scan published rows up to seq. */
    published(seq: number, now = Date.now()): void {
      marks.push({ at: now, seq });
    },
    requestFull(): void {
      fullRequested = true;
    },
  };
}

/**
 * Publishes outbox rows to Kafka in seq order and deletes them in the transaction that saw Kafka take them (acks
 * from every in-sync replica); resumes whatever a crash left behind. The outbox is a queue, not an archive: Kafka
 * keeps the events, and consumers skip one published twice by its id. Marking rows published and pruning them a
 * day later wrote each row twice more (the UPDATE made a new version of the whole row, with an entry in every
 * index) and kept a day of events, personal data among them, in every service's database: at 1,000 events/s
 * some 86 million rows.
 */
export async function startOutboxRelay(opts: RelayOptions): Promise<OutboxRelay> {
  const { database, logger } = opts;
  const batchSize = opts.batchSize ?? 500;
  const pollMs = opts.pollIntervalMs ?? 50;
  const idlePollMs = Math.max(pollMs, opts.idlePollIntervalMs ?? 1000);
  const floor = scanFloor(opts.floorLagMs ?? 1000, opts.fullScanMs ?? 5000);
  const producer: Producer = await connectProducer(opts.kafka);
  let running = true;
  let published = 0;
  let wake: (() => void) | undefined;
  let failures = 0;
  // The batch under way: flush waits for it, since its rows leave the table (commit) before it counts them.
  let current: Promise<number> | undefined;
  const metrics = relayMetrics(opts.metrics, database);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  // Rows came (written here, or published by the last scans) until then: poll every pollMs; after it, every idlePollMs.
  let busyUntil = Date.now() + ACTIVE_MS;
  const unsubscribe = onOutboxWrite(() => {
    const idle = Date.now() >= busyUntil;
    busyUntil = Date.now() + ACTIVE_MS;
    // Out of an idle sleep at once (in a short one it is at most pollMs early). The writer has not committed yet:
    // this scan may miss its row, and the next ones (every pollMs) find it.
    if (idle) wake?.();
  });

  // The relay keeps its own connection: waiting behind request handlers for a pooled one
  // added seconds of latency under load. A broken connection is dropped and replaced.
  let held: pg.PoolClient | undefined;

  async function publishBatch(): Promise<number> {
    held ??= await database.pool.connect();
    const client = held;
    let ids: string[] = [];
    const spans: PublishSpan[] = [];
    let broken: Error | undefined;
    try {
      // One round trip (a simple query may hold two statements): see ASYNC_DELETE.
      await client.query(`begin; ${ASYNC_DELETE}`);
      const lock = await client.query('select pg_try_advisory_xact_lock(hashtext($1)) as ok', [RELAY_LOCK]);
      if (!lock.rows[0]?.ok) {
        await client.query('rollback');
        return 0;
      }
      const { rows } = await client.query<OutboxRow>(
        `select id, seq, topic, key, type, payload::text as payload, payload->>'correlationId' as correlation_id, traceparent
         from outbox where seq > $2 order by seq limit $1`,
        [batchSize, floor.next()],
      );
      if (rows.length === 0) {
        await client.query('commit');
        return 0;
      }
      ids = rows.map((r) => r.id);
      const byTopic = new Map<string, Message[]>();
      for (const r of rows) {
        const topic = physicalTopic(opts.settings, r.topic);
        const headers: Record<string, string> = {
          'event-id': r.id,
          'event-type': r.type,
          'correlation-id': r.correlation_id ?? '',
        };
        // A row written inside a traced request continues that trace; the poll itself starts none.
        if (r.traceparent) {
          const span = startPublishSpan(r.traceparent, topic, { 'messaging.message.id': r.id, 'event.type': r.type });
          spans.push(span);
          if (span.traceparent) headers.traceparent = span.traceparent;
        }
        const list = byTopic.get(topic) ?? [];
        list.push({ key: r.key, value: r.payload, headers });
        byTopic.set(topic, list);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      for (const span of spans.splice(0)) span.end();
      await client.query('delete from outbox where id = any($1::uuid[])', [ids]);
      await client.query('commit');
      floor.published(Number(rows[rows.length - 1]?.seq));
      for (const [topic, n] of countBy(rows.map((r) => r.topic))) metrics.published(topic, n);
      return rows.length;
    } catch (err) {
      for (const span of spans.splice(0)) span.end(err);
      await client.query('rollback').catch((e: Error) => {
        broken = e;
      });
      if (ids.length > 0) {
        await database.pool
          .query('update outbox set attempts = attempts + 1, last_error = $2 where id = any($1::uuid[])', [
            ids,
            String((err as Error).message).slice(0, 1000),
          ])
          .catch(() => {});
      }
      throw err;
    } finally {
      if (broken) {
        client.release(broken);
        held = undefined;
      }
    }
  }

  const loop = (async () => {
    while (running) {
      try {
        current = publishBatch();
        const n = await current;
        published += n;
        failures = 0;
        if (n > 0) busyUntil = Date.now() + ACTIVE_MS;
        if (n === batchSize) continue;
      } catch (err) {
        failures += 1;
        metrics.failed();
        const backoff = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        logger.error({ err, backoffMs: backoff }, 'outbox relay could not publish; will retry');
        await sleep(backoff);
        continue;
      }
      if (!running) break;
      await sleep(Date.now() >= busyUntil ? idlePollMs : pollMs);
    }
  })();

  return {
    get published() {
      return published;
    },
    async flush(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const { rows } = await database.pool.query<{ max: string | null }>('select max(seq) as max from outbox');
      const upTo = rows[0]?.max;
      if (upTo === null || upTo === undefined) return;
      for (;;) {
        const pending = await database.pool.query('select 1 from outbox where seq <= $1 limit 1', [upTo]);
        if (pending.rowCount === 0) {
          // Their rows are gone once the batch commits; its counters move when the commit returns.
          await current?.catch(() => 0);
          return;
        }
        if (Date.now() > deadline) throw new Error(`outbox not flushed within ${timeoutMs} ms`);
        floor.requestFull();
        wake?.();
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      running = false;
      unsubscribe();
      wake?.();
      await loop;
      held?.release();
      await producer.disconnect();
      metrics.forget();
    },
  };
}
