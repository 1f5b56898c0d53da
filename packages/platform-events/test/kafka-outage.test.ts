import { InteractionRecorded, Topics } from '@marquee/contracts';
import { applyMigrations, type Database, openDatabase } from '@marquee/platform-db';
import {
  controlContainer,
  createTestDatabase,
  eventually,
  interactionRecorded,
  startKafkaContainer,
  uniqueName,
  waitUntilReady,
} from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKafka,
  type EventConsumer,
  ensureTopics,
  type KafkaSettings,
  type OutboxRelay,
  on,
  pendingEvent,
  recordEvents,
  startEventConsumer,
  startOutboxRelay,
} from '../src/index';
import { logger, migrations } from './fixtures/harness';

const userId = '0190a0b0-0000-7000-8000-0000000000cc';
const event = (seq: number) =>
  pendingEvent(
    InteractionRecorded,
    userId,
    interactionRecorded(userId, 1 + (seq % 100), { interactionId: String(seq) }),
  );

let kafkaBox: Awaited<ReturnType<typeof startKafkaContainer>> | undefined;
let database: Database;
let dropDb: () => Promise<void>;
let relay: OutboxRelay | undefined;
let consumer: EventConsumer | undefined;

beforeAll(async () => {
  // Its own broker: killing the run's shared one would break the test files running beside this one.
  kafkaBox = await startKafkaContainer(uniqueName('outage'));
  const db = await createTestDatabase('outage');
  dropDb = db.drop;
  database = openDatabase(db.url);
  await applyMigrations(database, migrations);
  await database.pool.query('create table received (event_id uuid primary key, seq int not null)');
}, 240_000);

afterAll(async () => {
  await consumer?.stop().catch(() => {});
  await relay?.stop().catch(() => {});
  await database?.close();
  await dropDb?.();
  await kafkaBox?.stop();
});

describe('Kafka outage while the outbox relay runs', () => {
  it('When the broker is killed and started again, then every event committed before, during and after arrives exactly once', async () => {
    const box = kafkaBox as NonNullable<typeof kafkaBox>;
    const settings: KafkaSettings = {
      brokers: box.brokers,
      clientId: 'outage',
      topicPrefix: `${uniqueName('outage')}.`,
    };
    const kafka = createKafka(settings, logger);
    await ensureTopics(kafka, settings, [Topics.interaction]);
    relay = await startOutboxRelay({ database, kafka, settings, logger, batchSize: 50 });
    consumer = await startEventConsumer({
      kafka,
      settings,
      database,
      logger,
      groupId: 'outage',
      topics: [Topics.interaction],
      handlers: [
        on(InteractionRecorded, async (d, { tx, event }) => {
          await tx.execute(sql`insert into received values (${event.id}, ${Number(d.interactionId)})`);
        }),
      ],
    });
    const write = (from: number, n: number) =>
      database.db.transaction((tx) =>
        recordEvents(
          tx,
          Array.from({ length: n }, (_, i) => event(from + i)),
        ),
      );
    const count = async () =>
      (await database.pool.query('select count(*)::int as n from received')).rows[0].n as number;

    await write(0, 100);
    await eventually(async () => (await count()) === 100, { what: '100 events before the outage', timeoutMs: 60_000 });

    await controlContainer(box.id, 'kill');
    // Writes keep committing while Kafka is down: the outbox holds them.
    for (let i = 100; i < 300; i += 20) await write(i, 20);
    await new Promise((r) => setTimeout(r, 2000));
    const pending = await database.pool.query('select count(*)::int as n from outbox');
    expect(pending.rows[0].n).toBeGreaterThan(0);

    await controlContainer(box.id, 'start');
    await waitUntilReady('kafka', box.brokers);
    await write(300, 100);

    await eventually(async () => (await count()) >= 400, {
      what: 'all 400 events after the broker is back',
      timeoutMs: 150_000,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const r = await database.pool.query(
      'select count(*)::int as n, count(distinct seq)::int as d, min(seq) as lo, max(seq) as hi from received',
    );
    expect(r.rows[0]).toEqual({ n: 400, d: 400, lo: 0, hi: 399 });
  }, 300_000);
});
