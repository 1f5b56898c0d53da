import { buildEvent, InteractionRecorded, Topics } from '@marquee/contracts';
import { eventually, interactionRecorded } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectProducer,
  type DeadLetter,
  dlqTopic,
  type EventConsumer,
  on,
  replayDeadLetters,
  startEventConsumer,
} from '../src/index';
import { type EventsEnv, eventsEnv, logger } from './fixtures/harness';

const userId = '0190a0b0-0000-7000-8000-0000000000bb';
const event = (movieId: number) =>
  buildEvent(InteractionRecorded, userId, interactionRecorded(userId, movieId, { interactionType: 'like' }), {
    correlationId: 'corr-replay',
  });

let env: EventsEnv;
let producer: Producer;
const consumers: EventConsumer[] = [];
const topic = () => `${env.settings.topicPrefix}${Topics.interaction}`;

/** What a group applied (committed), in movie order: a handler call in a transaction that rolled back is not there. */
const applied = async (groupId: string) =>
  (
    await env.database.pool.query<{ movie_id: number }>(
      'select movie_id from applied where grp = $1 order by movie_id',
      [groupId],
    )
  ).rows.map((r) => r.movie_id);

/** A consumer that fails every movie in `broken` (until it is emptied) and records what it applies in `applied`. */
async function consume(groupId: string, broken: Set<number>) {
  const c = await startEventConsumer({
    kafka: env.kafka,
    settings: env.settings,
    database: env.database,
    logger,
    groupId,
    topics: [Topics.interaction],
    maxAttempts: 2,
    retryBaseMs: 10,
    handlers: [
      on(InteractionRecorded, async ({ movieId }, { tx }) => {
        if (broken.has(movieId)) throw new Error(`movie ${movieId} is broken`);
        await tx.execute(sql`insert into applied (grp, movie_id) values (${groupId}, ${movieId})`);
      }),
    ],
  });
  consumers.push(c);
  return c;
}

beforeAll(async () => {
  env = await eventsEnv('dlq-replay', [Topics.interaction]);
  // No key: an event applied twice would show as two rows.
  await env.database.pool.query('create table applied (grp text not null, movie_id int not null)');
  producer = await connectProducer(env.kafka);
});
afterAll(async () => {
  for (const c of consumers) await c.stop();
  await producer?.disconnect();
  await env?.close();
});

describe('replaying dead letters', () => {
  it('When a fixed consumer replays its DLQ, then its dead letters apply once, other groups and applied events are untouched, and a second run sends nothing', async () => {
    const broken = new Set([101, 102]);
    const c = await consume('fixable', broken);
    // Another group on the same topic fails 103 only: its dead letter shares the DLQ and must stay there.
    const other = await consume('other', new Set([103]));
    for (const m of [100, 101, 102, 103, 104])
      await producer.send({ topic: topic(), messages: [{ key: userId, value: JSON.stringify(event(m)) }] });
    await eventually(
      async () =>
        c.stats.deadLettered === 2 &&
        other.stats.deadLettered === 1 &&
        (await applied('fixable')).includes(104) &&
        (await applied('other')).includes(104),
      { what: 'two dead letters of one group, one of the other, both past them', timeoutMs: 60_000 },
    );
    expect(await applied('fixable')).toEqual([100, 103, 104]);
    expect(await applied('other')).toEqual([100, 101, 102, 104]);

    // A dry run lists them, and sends and marks nothing.
    const listed: DeadLetter[] = [];
    const dry = await replayDeadLetters({
      kafka: env.kafka,
      settings: env.settings,
      logger,
      groupId: 'fixable',
      dryRun: true,
      onDeadLetter: (d) => listed.push(d),
    });
    expect(dry).toEqual({ replayed: 2, otherGroups: 1, dlqs: [dlqTopic(topic())] });
    expect(listed.map((d) => [d.sourceTopic, d.attempts, d.reason])).toEqual([
      [topic(), 2, 'movie 101 is broken'],
      [topic(), 2, 'movie 102 is broken'],
    ]);

    // The other group has long since forgotten the ids it applied (its processed_events retention): the copies must
    // still not reach its handler.
    await env.database.pool.query(`delete from processed_events where consumer = 'other'`);
    const skippedBefore = other.stats.skipped;
    broken.clear();
    const replayed = await replayDeadLetters({ kafka: env.kafka, settings: env.settings, logger, groupId: 'fixable' });
    expect(replayed).toEqual({ replayed: 2, otherGroups: 1, dlqs: [dlqTopic(topic())] });
    await eventually(async () => (await applied('fixable')).length === 5, { what: 'the replayed events applied' });
    expect(await applied('fixable')).toEqual([100, 101, 102, 103, 104]);
    // The other group gets the copies too and passes over them, as they name another group (it applied 101 and 102
    // the first time); its own dead letter stays in the DLQ, unreplayed.
    await eventually(() => other.stats.skipped === skippedBefore + 2, {
      what: 'the other group passing the copies over',
    });
    expect(await applied('other')).toEqual([100, 101, 102, 104]);
    expect(other.stats.duplicates).toBe(0);
    expect(other.stats.deadLettered).toBe(1);

    // Nothing new was dead-lettered: a second run sends nothing, even on a dry run.
    const again = { kafka: env.kafka, settings: env.settings, logger, groupId: 'fixable' };
    expect(await replayDeadLetters({ ...again, dryRun: true })).toEqual({
      replayed: 0,
      otherGroups: 0,
      dlqs: [dlqTopic(topic())],
    });
    expect(await replayDeadLetters(again)).toEqual({ replayed: 0, otherGroups: 0, dlqs: [dlqTopic(topic())] });
    expect(await applied('fixable')).toEqual([100, 101, 102, 103, 104]);
    expect(c.stats.deadLettered).toBe(2);
  });

  it('When a group has no DLQ to read, then a replay reports nothing and returns', async () => {
    const none = await replayDeadLetters({
      kafka: env.kafka,
      settings: { topicPrefix: `${env.settings.topicPrefix}nothing-here.` },
      logger,
      groupId: 'fixable',
    });
    expect(none).toEqual({ replayed: 0, otherGroups: 0, dlqs: [] });
  });
});
