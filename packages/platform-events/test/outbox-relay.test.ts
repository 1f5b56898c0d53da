import { buildEvent, InteractionRecorded, Topics } from '@marquee/contracts';
import { openDatabase } from '@marquee/platform-db';
import { eventually, interactionRecorded } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventConsumer,
  on,
  pendingEvent,
  recordEvents,
  type RelayOptions,
  startEventConsumer,
  startOutboxRelay,
} from '../src/index';
import { type EventsEnv, eventsEnv, logger, spawnRelay } from './fixtures/harness';

const users = Array.from({ length: 20 }, (_, i) => `0190a0b0-0000-7000-8000-${String(i + 1).padStart(12, '0')}`);

function interaction(userId: string, seq: number) {
  return pendingEvent(
    InteractionRecorded,
    userId,
    interactionRecorded(userId, 1 + (seq % 50), { interactionId: String(seq) }),
  );
}

let env: EventsEnv;
let consumer: EventConsumer;

beforeAll(async () => {
  env = await eventsEnv('outbox', [Topics.interaction], 4);
  await env.database.pool.query(
    'create table received (n bigserial primary key, event_id uuid not null, user_id text not null, seq int not null)',
  );
  consumer = await startEventConsumer({
    kafka: env.kafka,
    settings: env.settings,
    database: env.database,
    logger,
    groupId: 'receiver',
    topics: [Topics.interaction],
    handlers: [
      on(InteractionRecorded, async (d, { tx, event }) => {
        await tx.execute(
          sql`insert into received (event_id, user_id, seq) values (${event.id}, ${d.userId}, ${Number(d.interactionId)})`,
        );
      }),
    ],
  });
});

afterAll(async () => {
  await consumer?.stop();
  await env?.close();
});

/** A relay in this process on the test's database and topics, with these options. */
const relayHere = (opts: Partial<RelayOptions> = {}) =>
  startOutboxRelay({ database: env.database, kafka: env.kafka, settings: env.settings, logger, ...opts });

async function receivedCount(): Promise<number> {
  const r = await env.database.pool.query('select count(*)::int as n from received');
  return r.rows[0].n;
}

describe('transactional outbox → Kafka → idempotent consumer', () => {
  it('When an event is committed with the state change, then a relay in another process delivers it; a rolled-back one never leaves', async () => {
    await env.database.pool.query('create table widgets (id int primary key)');
    await env.database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into widgets values (1)`);
      await recordEvents(tx, [interaction(users[0] as string, 0)]);
    });
    await expect(
      env.database.db.transaction(async (tx) => {
        await recordEvents(tx, [interaction(users[0] as string, 999_999)]);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const relay = await spawnRelay(env);
    try {
      await eventually(async () => (await receivedCount()) === 1, { what: 'the committed event at the consumer' });
      await new Promise((r) => setTimeout(r, 300));
      const seqs = await env.database.pool.query('select seq from received');
      expect(seqs.rows).toEqual([{ seq: 0 }]);
    } finally {
      relay.kill('SIGTERM');
    }
  });

  it('When the relay is killed between commit and publish, then a new relay delivers every event and each is applied once', async () => {
    await env.database.pool.query('truncate received');
    const relay = await spawnRelay(env, { RELAY_BATCH_SIZE: '50' });
    const total = 3000;
    for (let i = 1; i <= total; i += 100) {
      await env.database.db.transaction((tx) =>
        recordEvents(
          tx,
          Array.from({ length: 100 }, (_, j) => interaction(users[(i + j) % users.length] as string, i + j)),
        ),
      );
    }
    await eventually(async () => (await receivedCount()) > 0, { what: 'first deliveries' });
    relay.kill('SIGKILL');
    await new Promise((r) => relay.once('exit', r));
    const left = await env.database.pool.query('select count(*)::int as n from outbox');
    expect(left.rows[0].n).toBeGreaterThan(0);

    const relay2 = await relayHere();
    try {
      await relay2.flush();
      await eventually(async () => (await receivedCount()) >= total, {
        what: `${total} events received`,
        timeoutMs: 60_000,
      });
      await new Promise((r) => setTimeout(r, 500));
      const r = await env.database.pool.query(
        'select count(*)::int as n, count(distinct seq)::int as d from received where seq between 1 and $1',
        [total],
      );
      expect(r.rows[0]).toEqual({ n: total, d: total });
      // Each row left the outbox with its publication: none stays behind (every one was written: outbox_written).
      const rows = await env.database.pool.query(
        'select (select count(*)::int from outbox) as left, (select count(*)::int from outbox_written) as written',
      );
      expect(rows.rows[0].left).toBe(0);
      expect(rows.rows[0].written).toBeGreaterThanOrEqual(total);
    } finally {
      await relay2.stop();
    }
  });

  it('When 1,000 events of 20 keys cross 4 partitions, then each key arrives in the order it was written', async () => {
    await env.database.pool.query('truncate received');
    const relay = await relayHere();
    try {
      for (let i = 0; i < 1000; i += 1) {
        // Small transactions interleave keys the way concurrent requests would.
        await env.database.db.transaction((tx) =>
          recordEvents(tx, [interaction(users[i % users.length] as string, 10_000 + i)]),
        );
      }
      await eventually(async () => (await receivedCount()) >= 1000, { what: '1000 events', timeoutMs: 60_000 });
      const rows = (await env.database.pool.query('select user_id, seq from received order by n')).rows as {
        user_id: string;
        seq: number;
      }[];
      const byUser = new Map<string, number[]>();
      for (const r of rows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r.seq]);
      expect(byUser.size).toBe(20);
      for (const seqs of byUser.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const partitions = await env.kafka.admin();
      await partitions.connect();
      const offsets = await partitions.fetchTopicOffsets(`${env.settings.topicPrefix}${Topics.interaction}`);
      await partitions.disconnect();
      expect(offsets.filter((o) => Number(o.high) > 0).length).toBeGreaterThan(1);
    } finally {
      await relay.stop();
    }
  });

  it('When a transaction commits its row long after later rows were published, then the relay still publishes it once', async () => {
    await env.database.pool.query('truncate received');
    // Scans start past what was published 100 ms ago; the held row sits below that floor when it commits.
    const relay = await relayHere({ floorLagMs: 100, fullScanMs: 1500 });
    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    let inserted: () => void = () => {};
    const insertedSignal = new Promise<void>((r) => {
      inserted = r;
    });
    try {
      const held = env.database.db.transaction(async (tx) => {
        await recordEvents(tx, [interaction(users[0] as string, 20_000)]);
        inserted();
        await released;
      });
      await insertedSignal;
      for (let i = 1; i <= 5; i += 1) {
        await env.database.db.transaction((tx) => recordEvents(tx, [interaction(users[i] as string, 20_000 + i)]));
      }
      await eventually(async () => (await receivedCount()) === 5, { what: 'the five later rows' });
      const [{ floorSeq }] = (
        await env.database.pool.query<{ floorSeq: string }>(
          `select max(seq)::text as "floorSeq" from outbox_written where payload->'data'->>'interactionId' <> '20000'`,
        )
      ).rows as [{ floorSeq: string }];
      await new Promise((r) => setTimeout(r, 400));
      release();
      await held;
      const late = await env.database.pool.query<{ seq: string }>(
        `select seq::text from outbox_written where payload->'data'->>'interactionId' = '20000'`,
      );
      expect(BigInt(late.rows[0]?.seq as string)).toBeLessThan(BigInt(floorSeq));
      await eventually(async () => (await receivedCount()) === 6, { what: 'the late row', timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
      const r = await env.database.pool.query('select seq from received order by seq');
      expect(r.rows.map((x) => x.seq)).toEqual([20_000, 20_001, 20_002, 20_003, 20_004, 20_005]);
    } finally {
      release();
      await relay.stop();
    }
  });

  it('When the relay has gone idle, then a row written in its process wakes it, and one written elsewhere waits for its idle poll', async () => {
    await env.database.pool.query('truncate received');
    // Idle polls 60 s apart: within the wait below, only the write's own signal can make this relay publish.
    const relay = await relayHere({ idlePollIntervalMs: 60_000 });
    const seqs = async () =>
      (await env.database.pool.query('select seq from received order by seq')).rows.map((r) => r.seq);
    // A row inserted without recordEvents (another process, a command): no signal reaches any relay here.
    const foreign = async (seq: number) => {
      const e = buildEvent(
        InteractionRecorded,
        users[0] as string,
        interactionRecorded(users[0] as string, 1, { interactionId: String(seq) }),
        {
          correlationId: 'foreign-writer',
        },
      );
      await env.database.pool.query(
        'insert into outbox (id, topic, key, type, payload) values ($1, $2, $3, $4, $5::json)',
        [e.id, InteractionRecorded.topic, e.key, e.type, JSON.stringify(e)],
      );
    };
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await foreign(30_000);
      await new Promise((r) => setTimeout(r, 2500));
      expect(await seqs()).toEqual([]);
      // This process's write wakes the idle relay, which then polls often again and takes both rows.
      await env.database.db.transaction((tx) => recordEvents(tx, [interaction(users[1] as string, 30_001)]));
      await eventually(async () => (await seqs()).length === 2, {
        what: 'both rows after the wake',
        timeoutMs: 15_000,
      });
      expect(await seqs()).toEqual([30_000, 30_001]);
    } finally {
      await relay.stop();
    }
    // A relay idle a short while publishes a foreign row by its idle poll alone.
    const second = await relayHere({ idlePollIntervalMs: 1500 });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await foreign(30_002);
      await eventually(async () => (await seqs()).length === 3, {
        what: 'the foreign row by the idle poll',
        timeoutMs: 15_000,
      });
    } finally {
      await second.stop();
    }
  });
  it('When the relay deletes the rows Kafka took, then that transaction alone commits without waiting for the WAL flush', async () => {
    // The test image runs PostgreSQL with synchronous_commit off for speed. This database's new sessions start with it
    // on, as a production server's do, so what the trigger below sees is the relay's own setting.
    const name = (await env.database.pool.query('select current_database() as name')).rows[0].name as string;
    await env.database.pool.query(`alter database "${name}" set synchronous_commit = on`);
    const database = openDatabase(env.dbUrl);
    // What synchronous_commit each transaction deleting outbox rows ran with, seen from inside it by a trigger.
    await database.pool.query(`
      create table delete_modes (mode text not null);
      create function note_delete_mode() returns trigger language plpgsql as $$
        begin insert into delete_modes values (current_setting('synchronous_commit')); return null; end $$;
      create trigger note_delete_mode after delete on outbox for each statement execute function note_delete_mode()`);
    const relay = await startOutboxRelay({ database, kafka: env.kafka, settings: env.settings, logger });
    let running = true;
    try {
      await database.db.transaction((tx) => recordEvents(tx, [interaction(users[2] as string, 40_000)]));
      await relay.flush();
      // Stopped, it has given its connection back to the pool.
      await relay.stop();
      running = false;
      const modes = (await database.pool.query('select mode from delete_modes')).rows.map((r) => r.mode);
      expect(modes.length).toBeGreaterThan(0);
      expect(new Set(modes)).toEqual(new Set(['off']));
      // SET LOCAL: the relay's connection, back in this pool, and the pool's others still wait for the flush.
      const sessions = await Promise.all(
        Array.from({ length: 3 }, () => database.pool.query('show synchronous_commit')),
      );
      expect(sessions.map((r) => r.rows[0].synchronous_commit)).toEqual(['on', 'on', 'on']);
    } finally {
      if (running) await relay.stop();
      await database.pool.query('drop trigger note_delete_mode on outbox; drop function note_delete_mode()');
      await database.close();
      await env.database.pool.query(`alter database "${name}" reset synchronous_commit`);
    }
  });
});
