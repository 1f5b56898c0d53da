import { buildEvent, InteractionRecorded, Topics } from '@marquee/contracts';
import { eventually, interactionRecorded } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import type { KafkaMessage, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerOptions,
  connectProducer,
  dlqTopic,
  type EventConsumer,
  on,
  pruneProcessedEvents,
  startEventConsumer,
} from '../src/index';
import { type EventsEnv, eventsEnv, logger } from './fixtures/harness';

const userId = '0190a0b0-0000-7000-8000-0000000000aa';
const event = (movieId: number) =>
  buildEvent(InteractionRecorded, userId, interactionRecorded(userId, movieId, { interactionType: 'like' }), {
    correlationId: 'corr-1',
  });

let env: EventsEnv;
let producer: Producer;
const consumers: EventConsumer[] = [];
const topic = () => `${env.settings.topicPrefix}${Topics.interaction}`;

/** A consumer of the interaction topic on this file's database and broker; it is stopped after all. */
async function consume(
  opts: Pick<
    ConsumerOptions,
    | 'groupId'
    | 'handlers'
    | 'maxAttempts'
    | 'retryBaseMs'
    | 'fetchMinBytes'
    | 'fetchMaxWaitMs'
    | 'chunkSize'
    | 'chunkKeys'
  >,
) {
  const c = await startEventConsumer({
    kafka: env.kafka,
    settings: env.settings,
    database: env.database,
    logger,
    topics: [Topics.interaction],
    ...opts,
  });
  consumers.push(c);
  return c;
}

/**
 * Sends a marker event to partition 0 and waits until the consumer has applied it: the earlier tests' events on
 * that partition are then behind it, and the test's next send arrives as a batch of its own.
 */
async function caughtUp(marker: number, applied: () => boolean) {
  await producer.send({
    topic: topic(),
    messages: [{ key: userId, partition: 0, value: JSON.stringify(event(marker)) }],
  });
  await eventually(applied, { what: `marker event ${marker}`, timeoutMs: 30_000 });
}

beforeAll(async () => {
  env = await eventsEnv('consumer', [Topics.interaction]);
  await env.database.pool.query('create table likes (movie_id int primary key, n int not null default 0)');
  producer = await connectProducer(env.kafka);
});
afterAll(async () => {
  for (const c of consumers) await c.stop();
  await producer?.disconnect();
  await env?.close();
});

async function readDlq(groupId: string, count: number): Promise<KafkaMessage[]> {
  const got: KafkaMessage[] = [];
  const c = env.kafka.consumer({ groupId: `${env.settings.topicPrefix}${groupId}-dlq-reader`, maxWaitTimeInMs: 100 });
  await c.connect();
  await c.subscribe({ topic: dlqTopic(topic()), fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => void got.push(message) });
  try {
    await eventually(() => got.length >= count, { what: `${count} DLQ messages`, timeoutMs: 30_000 });
  } finally {
    await c.disconnect();
  }
  return got;
}

describe('idempotent consumer', () => {
  it('When the same event is delivered twice, then it is applied once', async () => {
    const groupId = 'likes';
    const c = await consume({
      groupId,
      handlers: [
        on(InteractionRecorded, async ({ movieId }, { tx }) => {
          await tx.execute(
            sql`insert into likes values (${movieId}, 1) on conflict (movie_id) do update set n = likes.n + 1`,
          );
        }),
      ],
    });
    const e = event(7);
    const message = { key: userId, value: JSON.stringify(e) };
    await producer.send({ topic: topic(), messages: [message] });
    await producer.send({ topic: topic(), messages: [message] });
    await producer.send({ topic: topic(), messages: [{ key: userId, value: JSON.stringify(event(8)) }] });
    await eventually(() => c.stats.applied + c.stats.duplicates >= 3, { what: 'three deliveries' });
    const rows = (await env.database.pool.query('select movie_id, n from likes order by movie_id')).rows;
    expect(rows).toEqual([
      { movie_id: 7, n: 1 },
      { movie_id: 8, n: 1 },
    ]);
    expect(c.stats.duplicates).toBe(1);
  });

  it('When a handler always throws, then the event goes to the DLQ after bounded retries and later events still apply', async () => {
    const groupId = 'fragile';
    let calls = 0;
    const applied: number[] = [];
    const c = await consume({
      groupId,
      maxAttempts: 3,
      retryBaseMs: 20,
      handlers: [
        on(InteractionRecorded, async ({ movieId }) => {
          if (movieId === 666) {
            calls += 1;
            throw new Error('cannot handle movie 666');
          }
          applied.push(movieId);
        }),
      ],
    });
    await producer.send({ topic: topic(), messages: [{ key: userId, value: JSON.stringify(event(666)) }] });
    await producer.send({ topic: topic(), messages: [{ key: userId, value: JSON.stringify(event(9)) }] });
    await eventually(() => applied.includes(9), { what: 'the event after the poison one' });
    expect(c.stats.deadLettered).toBe(1);
    // The fast path tries the chunk (up to the five events on the topic by now) and the halves holding 666 (at most
    // two more), then the event alone makes exactly maxAttempts attempts.
    expect(calls).toBeLessThanOrEqual(6);
    expect(calls).toBeGreaterThanOrEqual(3);
    const [dead] = await readDlq(groupId, 1);
    expect(JSON.parse(String(dead?.value)).data.movieId).toBe(666);
    expect(String(dead?.headers?.['dlq-reason'])).toContain('cannot handle movie 666');
    expect(String(dead?.headers?.['dlq-attempts'])).toBe('3');
    const processed = await env.database.pool.query(
      'select count(*)::int as n from processed_events where consumer = $1',
      [groupId],
    );
    // 7, 8 and the duplicate are from the first test's messages on the same topic; 666 is not recorded.
    expect(processed.rows[0].n).toBe(3);
  });

  it('When a message is not a valid event, then it goes straight to the DLQ without retries', async () => {
    const groupId = 'strict';
    const c = await consume({
      groupId,
      maxAttempts: 3,
      retryBaseMs: 1000,
      handlers: [on(InteractionRecorded, async () => {})],
    });
    await producer.send({ topic: topic(), messages: [{ key: 'x', value: '{"not":"an event"' }] });
    await eventually(() => c.stats.deadLettered >= 1, { what: 'the malformed message in the DLQ' });
    expect(c.stats.retries).toBe(0);
  });

  it('When a handler registers an after-commit effect, then it runs once the writes are visible, never for a rolled-back attempt', async () => {
    const seen: Array<{ attempt: number; committed: number | null }> = [];
    let attempts = 0;
    await consume({
      groupId: 'after-commit',
      retryBaseMs: 10,
      handlers: [
        on(InteractionRecorded, async ({ movieId }, { tx, afterCommit }) => {
          if (movieId !== 21) return; // the earlier tests' events share this topic
          const attempt = ++attempts;
          await tx.execute(sql`insert into likes values (${movieId}, 1) on conflict (movie_id) do nothing`);
          afterCommit(async () => {
            // Another connection: it sees the row only if the handler's transaction has committed.
            const r = await env.database.pool.query('select n from likes where movie_id = $1', [movieId]);
            seen.push({ attempt, committed: r.rows[0]?.n ?? null });
          });
          if (attempt === 1) throw new Error('first attempt fails after registering its effect');
        }),
      ],
    });
    await producer.send({ topic: topic(), messages: [{ key: userId, value: JSON.stringify(event(21)) }] });
    await eventually(() => seen.length > 0, { what: 'the effect after the retry commits' });
    expect(seen).toEqual([{ attempt: 2, committed: 1 }]);
  });

  it('When the database drops the connection more often than maxAttempts, then the event waits for it and applies once, never to the DLQ', async () => {
    let kills = 0;
    const seen = new Set<number>();
    // Its own table: the first test's consumer writes likes for every event of the topic.
    await env.database.pool.query('create table outage_rows (movie_id int primary key, n int not null)');
    await consume({
      groupId: 'database-outage',
      maxAttempts: 2,
      retryBaseMs: 10,
      handlers: [
        on(InteractionRecorded, async ({ movieId }, { tx }) => {
          seen.add(movieId);
          if (movieId !== 71) return; // the other tests' events share this topic
          // A real loss of the connection, five times: another connection terminates this transaction's backend
          // and waits until it has exited, so the insert below finds its connection gone.
          if (kills < 5) {
            kills += 1;
            const own = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
            await env.database.pool.query('select pg_terminate_backend($1, 10000)', [own.rows[0]?.pid]);
          }
          await tx.execute(
            sql`insert into outage_rows values (${movieId}, 1) on conflict (movie_id) do update set n = outage_rows.n + 1`,
          );
        }),
      ],
    });
    await caughtUp(70, () => seen.has(70));
    // Alone in its batch: the chunk is this one event, on the path that retries and dead-letters.
    await producer.send({
      topic: topic(),
      messages: [{ key: userId, partition: 0, value: JSON.stringify(event(71)) }],
    });
    await eventually(
      async () => (await env.database.pool.query('select n from outage_rows where movie_id = 71')).rows[0]?.n === 1,
      { what: 'event 71 applied after the connection losses', timeoutMs: 30_000 },
    );
    expect(kills).toBe(5);
    await new Promise((r) => setTimeout(r, 300));
    expect((await env.database.pool.query('select n from outage_rows where movie_id = 71')).rows).toEqual([{ n: 1 }]);
  });
});

describe('work before commit', () => {
  it('When several events of a chunk register work under one key, then it runs once, after all of them, in their transaction', async () => {
    const runs: Array<{ key: string; seen: number }> = [];
    // Its own table: the other consumers of this topic write likes for the same events.
    await env.database.pool.query('create table chunk_rows (movie_id int primary key)');
    await consume({
      groupId: 'before-commit',
      handlers: [
        on(InteractionRecorded, async ({ movieId }, { tx, beforeCommit }) => {
          if (movieId < 31 || movieId > 35) return; // the earlier tests' events share this topic
          await tx.execute(sql`insert into chunk_rows values (${movieId})`);
          beforeCommit('likes 31-35', async () => {
            // The same transaction: every row the chunk wrote is visible, none is committed yet.
            const inTx = await tx.execute<{ n: number }>(sql`select count(*)::int as n from chunk_rows`);
            const outside = await env.database.pool.query('select count(*)::int as n from chunk_rows');
            runs.push({ key: 'likes 31-35', seen: (inTx.rows[0]?.n ?? 0) - outside.rows[0].n });
          });
        }),
      ],
    });
    // One send, one partition (same key): the five events arrive in one batch and are applied as one chunk.
    await producer.send({
      topic: topic(),
      messages: [31, 32, 33, 34, 35].map((m) => ({ key: userId, value: JSON.stringify(event(m)) })),
    });
    await eventually(() => runs.length > 0, { what: 'the work registered before commit' });
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toEqual([{ key: 'likes 31-35', seen: 5 }]);
  });
});

describe('fetch size', () => {
  it('When fetches wait for more bytes, then events sent apart arrive in one chunk, and a fetch still answers after its wait', async () => {
    // Events by the transaction that applied them: one transaction per consumed chunk.
    const chunks = new Map<object, number[]>();
    const seen = new Set<number>();
    await consume({
      groupId: 'fetch-size',
      // More than the topic will ever hold: every fetch answers only when its wait is over.
      fetchMinBytes: 1024 * 1024,
      fetchMaxWaitMs: 2500,
      handlers: [
        on(InteractionRecorded, async ({ movieId }, { tx }) => {
          seen.add(movieId);
          if (movieId < 41 || movieId > 43) return; // the other tests' events share this topic
          chunks.set(tx, [...(chunks.get(tx) ?? []), movieId]);
        }),
      ],
    });
    // A lone marker: applied although it is far below the minimum (the wait bounds a fetch), and once it is, the
    // consumer is at the end of the log with its next fetch waiting.
    await producer.send({ topic: topic(), messages: [{ key: userId, value: JSON.stringify(event(40)) }] });
    await eventually(() => seen.has(40), { what: 'the marker event', timeoutMs: 30_000 });
    // Three sends 100 ms apart: the waiting fetch takes all three (without the minimum, the first came alone).
    for (const m of [41, 42, 43]) {
      await producer.send({ topic: topic(), messages: [{ key: userId, value: JSON.stringify(event(m)) }] });
      await new Promise((r) => setTimeout(r, 100));
    }
    await eventually(() => seen.has(43), { what: 'events 41-43', timeoutMs: 30_000 });
    expect([...chunks.values()]).toEqual([[41, 42, 43]]);
  });
});

describe('chunk bounds', () => {
  it('When a chunk may hold only so many message keys, then a transaction ends before the event that brings one more', async () => {
    const chunks = new Map<object, number[]>();
    const seen = new Set<number>();
    await consume({
      groupId: 'chunk-keys',
      chunkSize: 100,
      chunkKeys: 2,
      handlers: [
        on(InteractionRecorded, async ({ movieId }, { tx }) => {
          seen.add(movieId);
          if (movieId < 51 || movieId > 56) return; // the other tests' events share this topic
          chunks.set(tx, [...(chunks.get(tx) ?? []), movieId]);
        }),
      ],
    });
    await caughtUp(50, () => seen.has(50));
    // One send to one partition: the six events arrive in one batch, keyed a a b c b d.
    const keys = ['a', 'a', 'b', 'c', 'b', 'd'];
    await producer.send({
      topic: topic(),
      messages: keys.map((key, k) => ({ key: `user-${key}`, partition: 0, value: JSON.stringify(event(51 + k)) })),
    });
    await eventually(() => [...chunks.values()].flat().length === 6, { what: 'events 51-56', timeoutMs: 30_000 });
    expect([...chunks.values()]).toEqual([[51, 52, 53], [54, 55], [56]]);
  });

  it('When one event of a chunk fails, then its halves are applied as chunks of their own, down to the failing event alone', async () => {
    // Events by the transaction that committed them (an after-commit effect runs only for a committed attempt).
    const committed = new Map<object, number[]>();
    const seen = new Set<number>();
    await consume({
      groupId: 'chunk-halves',
      maxAttempts: 2,
      retryBaseMs: 10,
      handlers: [
        on(InteractionRecorded, async ({ movieId }, { tx, afterCommit }) => {
          seen.add(movieId);
          if (movieId < 61 || movieId > 68) return; // the other tests' events share this topic
          if (movieId === 64) throw new Error('cannot handle movie 64');
          afterCommit(() => void committed.set(tx, [...(committed.get(tx) ?? []), movieId]));
        }),
      ],
    });
    await caughtUp(60, () => seen.has(60));
    // One send to one partition: the eight events arrive in one batch, one chunk that fails as a whole.
    await producer.send({
      topic: topic(),
      messages: [61, 62, 63, 64, 65, 66, 67, 68].map((m) => ({
        key: userId,
        partition: 0,
        value: JSON.stringify(event(m)),
      })),
    });
    // Halves go depth first, left to right: once 65-68 has committed, 64 has been through its retries to the DLQ.
    await eventually(() => [...committed.values()].flat().includes(68), {
      what: 'events 61-68 applied or dead-lettered',
      timeoutMs: 30_000,
    });
    // 61-64 fails, then 61-62 commits, 63-64 fails, 63 commits, 64 alone goes to the DLQ; 65-68 commits.
    expect([...committed.values()]).toEqual([[61, 62], [63], [65, 66, 67, 68]]);
  });
});

describe('typed handlers', () => {
  it('When applied event ids are older than the retention, then pruning forgets them and keeps the rest', async () => {
    const day = 24 * 3_600_000;
    /** A UUIDv7 made `ago` ms before now (the first 48 bits are its time). */
    const idMadeAgo = (ago: number, n: number) => {
      const hex = (Date.now() - ago).toString(16).padStart(12, '0');
      return `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${String(n).padStart(12, '0')}`;
    };
    const rows: [string, string, number][] = [
      ['prune-a', idMadeAgo(20 * day, 1), 20 * day], // old: forgotten
      ['prune-a', idMadeAgo(20 * day, 2), 0], // made long ago, applied just now (a late replay): kept
      ['prune-a', idMadeAgo(day, 3), day], // recent: kept
      ['prune-b', idMadeAgo(20 * day, 4), 20 * day], // another group's: kept
    ];
    for (const [consumer, id, ago] of rows) {
      await env.database.pool.query(
        `insert into processed_events (consumer, event_id, event_type, processed_at)
         values ($1, $2, 'interaction.recorded', now() - $3::bigint * interval '1 millisecond')`,
        [consumer, id, ago],
      );
    }
    expect(await pruneProcessedEvents(env.database, 'prune-a', 14 * day)).toBe(1);
    const { rows: left } = await env.database.pool.query<{ consumer: string; event_id: string }>(
      `select consumer, event_id from processed_events where consumer like 'prune-%' order by event_id`,
    );
    expect(left.map((r) => r.event_id).sort()).toEqual(
      rows
        .slice(1)
        .map((r) => r[1])
        .sort(),
    );

    // A consumer prunes its own group when it starts (and hourly after).
    await consume({ groupId: 'prune-b', handlers: [] });
    await eventually(
      async () =>
        (await env.database.pool.query(`select 1 from processed_events where consumer = 'prune-b'`)).rowCount === 0,
      { what: 'prune-b pruned at start' },
    );
  });

  it('When two handlers are bound to one event definition, then the consumer refuses to start naming it', async () => {
    await expect(
      consume({
        groupId: 'twice',
        handlers: [on(InteractionRecorded, async () => {}), on(InteractionRecorded, async () => {})],
      }),
    ).rejects.toThrow('two handlers for interaction.recorded v1');
  });
});

describe('topic creation', () => {
  it('When several services create the same topics at once, then all of them succeed', async () => {
    const { ensureTopics } = await import('../src/index');
    const settings = { topicPrefix: `${env.settings.topicPrefix}race.` };
    await Promise.all(Array.from({ length: 4 }, () => ensureTopics(env.kafka, settings, ['shared.v1', 'other.v1'])));
    const admin = env.kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics.filter((t) => t.startsWith(settings.topicPrefix)).sort()).toEqual(
      ['other.v1', 'other.v1.dlq', 'shared.v1', 'shared.v1.dlq'].map((t) => `${settings.topicPrefix}${t}`),
    );
  });
});
