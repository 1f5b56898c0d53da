import { InteractionRecorded, Topics } from '@marquee/contracts';
import { createMetricsRegistry, parseExposition, type Registry, type Sample } from '@marquee/platform-metrics';
import { eventually, interactionRecorded } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventConsumer,
  type OutboxRelay,
  on,
  pendingEvent,
  recordEvents,
  startEventConsumer,
  startOutboxRelay,
} from '../src/index';
import { type EventsEnv, eventsEnv, logger } from './fixtures/harness';

const userId = '0190a0b0-0000-7000-8000-0000000000ee';
const view = (movieId: number) =>
  pendingEvent(InteractionRecorded, userId, interactionRecorded(userId, movieId, { interactionId: `m-${movieId}` }));

let env: EventsEnv;
let registry: Registry;
let relay: OutboxRelay | undefined;
let consumer: EventConsumer | undefined;
let release: () => void = () => {};
const gate = new Promise<void>((resolve) => {
  release = resolve;
});

async function samples(name: string): Promise<Sample[]> {
  return parseExposition(await registry.metrics()).filter((s) => s.name === name);
}

async function value(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const found = (await samples(name)).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.length === 0 ? undefined : found.reduce((sum, s) => sum + s.value, 0);
}

beforeAll(async () => {
  env = await eventsEnv('metrics', [Topics.interaction], 2);
  registry = createMetricsRegistry('events-test');
});

afterAll(async () => {
  release();
  await consumer?.stop();
  await relay?.stop();
  await env?.close();
});

describe('metrics of the outbox relay and the consumers, on the service registry', () => {
  it('When rows wait in the outbox, then the backlog and the age of the oldest show them; once the relay runs, its published counter has them and the backlog is 0', async () => {
    await env.database.db.transaction((tx) => recordEvents(tx, [1, 2, 3, 4, 5, 6].map(view)));
    await env.database.pool.query(`update outbox set created_at = now() - interval '90 seconds'`);
    relay = await startOutboxRelay({ ...env, logger, metrics: registry, pollIntervalMs: 3_600_000 });
    await relay.flush();
    expect(await value('outbox_events_published_total', { topic: Topics.interaction, service: 'events-test' })).toBe(6);
    expect(await value('outbox_backlog')).toBe(0);
    expect(await value('outbox_oldest_unpublished_age_seconds')).toBe(0);
    expect(await value('outbox_publish_failures_total')).toBe(0);

    // Rows written while no relay can take the lock (this transaction holds it) stay in the backlog.
    const holder = await env.database.pool.connect();
    try {
      await holder.query('begin');
      await holder.query(`select pg_advisory_xact_lock(hashtext('marquee.outbox.relay'))`);
      await env.database.db.transaction((tx) => recordEvents(tx, [7, 8, 9].map(view)));
      await env.database.pool.query(`update outbox set created_at = now() - interval '120 seconds'`);
      expect(await value('outbox_backlog')).toBe(3);
      expect(await value('outbox_oldest_unpublished_age_seconds')).toBeGreaterThanOrEqual(120);
    } finally {
      await holder.query('rollback');
      holder.release();
    }
    await relay.flush();
    expect(await value('outbox_events_published_total', { topic: Topics.interaction })).toBe(9);
    expect(await value('outbox_backlog')).toBe(0);
  });

  it('When a group consumes, then events applied, retried and sent to the DLQ are counted by group and topic, and its lag per partition is the backlog behind a held handler', async () => {
    const topic = `${env.settings.topicPrefix}${Topics.interaction}`;
    consumer = await startEventConsumer({
      ...env,
      logger,
      metrics: registry,
      groupId: 'counter',
      topics: [Topics.interaction],
      maxAttempts: 2,
      retryBaseMs: 10,
      chunkSize: 1,
      handlers: [
        on(InteractionRecorded, async (d, { tx }) => {
          await tx.execute(sql`select 1`);
          if (d.movieId === 1) await gate;
          if (d.movieId === 5) throw new Error('movie 5 cannot be applied');
        }),
      ],
    });
    // All nine events share one key, so one partition; the handler holds the first until released.
    await eventually(async () => ((await value('kafka_consumer_lag', { group: 'counter', topic })) ?? 0) >= 8, {
      what: 'the lag behind the held first event',
    });
    const lagged = (await samples('kafka_consumer_lag')).filter((s) => s.labels.group === 'counter');
    expect(lagged.map((s) => s.labels.partition).sort()).toEqual(['0', '1']);
    release();
    await eventually(
      async () => (await value('events_consumed_total', { group: 'counter', outcome: 'applied' })) === 8,
      {
        what: 'eight events applied',
      },
    );
    await eventually(async () => (await value('events_consumed_total', { outcome: 'dead_lettered' })) === 1, {
      what: 'the failing event in the DLQ',
    });
    expect(await value('event_retries_total', { group: 'counter', topic })).toBe(1);
    await eventually(async () => (await value('kafka_consumer_lag', { group: 'counter', topic })) === 0, {
      what: 'no lag once consumed',
    });
  });

  it('When the consumer stops, then its lag series go: it holds no partition any more', async () => {
    await consumer?.stop();
    consumer = undefined;
    expect((await samples('kafka_consumer_lag')).filter((s) => s.labels.group === 'counter')).toEqual([]);
  });
});
