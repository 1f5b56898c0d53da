import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  type EventDefinition,
  type InteractionRecorded,
  type MovieUpserted,
  type Static,
  type TopicName,
  type UserRegistered,
} from '@marquee/contracts';
import { loadConfig } from '@marquee/platform-config';
import { connectProducer, physicalTopic } from '@marquee/platform-events';
import { serviceTestEnv } from '@marquee/platform-testing';
import type { TSchema } from '@sinclair/typebox';
import type { Producer } from 'kafkajs';
import { recommendationConfigSchema } from '../src/config';
import { type RunningRecommendation, startRecommendation } from '../src/service';

export interface Harness {
  rec: RunningRecommendation;
  env: Record<string, string>;
  producer: Producer;
  publish<S extends TSchema>(def: EventDefinition<S>, key: string, data: Static<S>): Promise<void>;
  close(): Promise<void>;
}

/** A recommendation service in this process against the real PostgreSQL, Kafka, Redis and NATS. */
export async function startHarness(jwksUrl: string, extraEnv: Record<string, string> = {}): Promise<Harness> {
  const env = serviceTestEnv('recommendation');
  const config = loadConfig('recommendation', recommendationConfigSchema, {
    ...env,
    CACHE_KEY_PREFIX: `${env.KAFKA_TOPIC_PREFIX}rec:`,
    NATS_SUBJECT_PREFIX: `${env.KAFKA_TOPIC_PREFIX}`,
    AUTH_JWKS_URL: jwksUrl,
    ...extraEnv,
  });
  const rec = await startRecommendation(config);
  await rec.app.ready();
  const producer = await connectProducer(rec.deps.kafka);
  return {
    rec,
    env,
    producer,
    async publish(def, key, data) {
      const event = buildEvent(def, key, data, { correlationId: randomUUID() });
      await producer.send({
        topic: physicalTopic(rec.deps.settings, def.topic as TopicName),
        messages: [{ key: event.key, value: JSON.stringify(event) }],
      });
    },
    async close() {
      await producer.disconnect();
      await rec.close();
    },
  };
}

const GENRES = [
  { id: 1, tmdbId: 28, name: 'Action', slug: 'action' },
  { id: 2, tmdbId: 35, name: 'Comedy', slug: 'comedy' },
  { id: 3, tmdbId: 18, name: 'Drama', slug: 'drama' },
];

export function movie(movieId: number, genre: 0 | 1 | 2, extra: Partial<Static<typeof MovieUpserted.schema>> = {}) {
  return {
    movieId,
    tmdbId: null,
    omdbId: null,
    title: `Movie ${movieId}`,
    originalTitle: null,
    overview: `A ${GENRES[genre]!.name.toLowerCase()} story number ${movieId}`,
    tagline: null,
    releaseDate: '2001-01-01',
    runtime: 100,
    director: `Director ${genre}`,
    mainCast: [],
    tmdbRating: null,
    tmdbVoteCount: null,
    omdbRating: null,
    ourRating: null,
    posterPath: null,
    backdropPath: null,
    popularityScore: null,
    viewCount: 0,
    likeCount: 0,
    adult: false,
    originalLanguage: 'en',
    genres: [GENRES[genre]!],
    updatedAt: new Date().toISOString(),
    ...extra,
  };
}

export function user(userId: string, favoriteGenres: number[]): Static<typeof UserRegistered.schema> {
  return {
    userId,
    username: 'u',
    email: 'u@example.com',
    firstName: 'U',
    lastName: 'V',
    isActive: true,
    isStaff: false,
    isPremium: false,
    preferredLanguage: 'en',
    timezone: 'UTC',
    country: null,
    deviceToken: null,
    deviceType: null,
    favoriteGenres,
    dateJoined: new Date().toISOString(),
  };
}

export function interaction(
  userId: string,
  movieId: number,
  interactionType: 'like' | 'rating' | 'dislike' | 'view',
  rating: number | null = null,
): Static<typeof InteractionRecorded.schema> {
  return {
    interactionId: randomUUID(),
    userId,
    movieId,
    interactionType,
    rating,
    feedbackType: null,
    feedbackComment: null,
    source: 'web',
    at: new Date().toISOString(),
    previousRating: null,
  };
}
