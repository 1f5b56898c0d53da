import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  type EventDefinition,
  InteractionRecorded,
  MovieUpserted,
  type Static,
  type TopicName,
} from '@marquee/contracts';
import { loadConfig } from '@marquee/platform-config';
import { subscribeJson } from '@marquee/platform-bus';
import { forAllUsers } from '@marquee/platform-db';
import { connectProducer, physicalTopic } from '@marquee/platform-events';
import { dropDatabase, eventually, keepOutboxCopies, serviceTestEnv } from '@marquee/platform-testing';
import type { TSchema } from '@sinclair/typebox';
import { type SQL, sql } from 'drizzle-orm';
import type { Producer } from 'kafkajs';
import { expect } from 'vitest';
import { recommendationConfigSchema } from '../src/config';
import { type RunningRecommendation, startRecommendation } from '../src/service';
import { interaction, movie } from './events';

export interface Harness {
  rec: RunningRecommendation;
  env: Record<string, string>;
  producer: Producer;
  /** Publishes one event; `times` > 1 delivers the same envelope again (a redelivery). */
  publish<S extends TSchema>(def: EventDefinition<S>, key: string, data: Static<S>, times?: number): Promise<void>;
  /** Stops the service and drops its database. */
  close(): Promise<void>;
  /** How many recommendations.generated the service has written for the user (read from outbox_written). */
  generated(userId: string): Promise<number>;
}

/**
 * A recommendation service in this process against the real PostgreSQL, Kafka, Redis and NATS. Its relay deletes
 * what it published: `outbox_written` keeps a copy of every outbox row for the tests to read (keepOutboxCopies).
 */
export async function startHarness(
  jwksUrl: string,
  extraEnv: Record<string, string> = {},
  /** Another harness's env: a second process of the same service (its database dropped by that harness). */
  shared?: Record<string, string>,
): Promise<Harness> {
  const env = shared ?? serviceTestEnv('recommendation');
  const config = loadConfig('recommendation', recommendationConfigSchema, {
    ...env,
    CACHE_KEY_PREFIX: `${env.KAFKA_TOPIC_PREFIX}rec:`,
    NATS_SUBJECT_PREFIX: `${env.KAFKA_TOPIC_PREFIX}`,
    AUTH_JWKS_URL: jwksUrl,
    ...extraEnv,
  });
  const rec = await startRecommendation(config);
  await keepOutboxCopies(env.DATABASE_URL as string);
  await rec.app.ready();
  const producer = await connectProducer(rec.deps.kafka);
  return {
    rec,
    env,
    producer,
    async publish(def, key, data, times = 1) {
      const event = buildEvent(def, key, data, { correlationId: randomUUID() });
      const message = { key: event.key, value: JSON.stringify(event) };
      await producer.send({
        topic: physicalTopic(rec.deps.settings, def.topic as TopicName),
        messages: Array.from({ length: times }, () => message),
      });
    },
    async generated(userId) {
      const { rows } = await rec.deps.database.pool.query<{ n: number }>(
        `select count(*)::int as n from outbox_written where type = 'recommendations.generated' and key = $1`,
        [userId],
      );
      return rows[0]?.n ?? 0;
    },
    async close() {
      await producer.disconnect();
      await rec.close();
      if (!shared) await dropDatabase(env.DATABASE_URL as string);
    },
  };
}

/** Retries the assertions until they pass (eventually wants a value, expect throws). */
export const settled = (assertions: () => Promise<unknown>) =>
  eventually(async () => {
    await assertions();
    return true;
  });

/** Runs a query in an all-users transaction of the harness's service and returns its rows. */
export const queryAll = async <T extends Record<string, unknown>>(h: Harness, q: SQL) =>
  (await forAllUsers(h.rec.deps.database.db, (tx) => tx.execute<T>(q))).rows;

/** Publishes a like and waits until the consumer has applied it (its feedback row commits with its chunk). */
export async function likeApplied(h: Harness, userId: string, movieId: number): Promise<void> {
  await h.publish(InteractionRecorded, userId, interaction(userId, movieId, 'like'));
  await settled(async () =>
    expect(
      await queryAll(h, sql`select 1 from rec_feedback where user_id = ${userId} and movie_id = ${movieId}`),
    ).toHaveLength(1),
  );
}

/** Movies 1–20 (1–10 of one genre, 11–20 of another), projected and in the content model, so fold-ins list them. */
export async function publishTwentyMovies(h: Harness): Promise<void> {
  for (let id = 1; id <= 20; id++) await h.publish(MovieUpserted, String(id), movie(id, id <= 10 ? 0 : 1));
  await settled(async () => expect((await queryAll(h, sql`select movie_id from rec_movies`)).length).toBe(20));
  // Appended to the content model by a worker after they arrive.
  await settled(async () => expect((await h.rec.app.inject('/v1/recommendations/similar/20')).statusCode).toBe(200));
}

/** Collects what the service pushes on live.user.<id> from now on (subscribed and flushed before it returns). */
export async function livePushes(h: Harness, userId: string): Promise<{ pushed: unknown[]; stop(): void }> {
  const pushed: unknown[] = [];
  const sub = subscribeJson(
    h.rec.deps.nats,
    `${h.env.KAFKA_TOPIC_PREFIX}live.user.${userId}`,
    (m) => void pushed.push(m),
  );
  await h.rec.deps.nats.flush();
  return { pushed, stop: () => sub.unsubscribe() };
}
