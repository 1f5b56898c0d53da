import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ActivityLogged,
  buildEvent,
  type Envelope,
  type EventDefinition,
  InteractionRecorded,
  MovieDeleted,
  MovieUpserted,
  NotificationOpened,
  RecommendationClicked,
  RecommendationsGenerated,
  type Static,
  UserDeleted,
} from '@marquee/contracts';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { loadConfig } from '@marquee/platform-config';
import { connectProducer } from '@marquee/platform-events';
import {
  dropDatabase,
  eventually,
  interactionRecorded,
  movieSnapshot,
  serviceTestEnv,
  uniqueName,
} from '@marquee/platform-testing';
import type { Producer } from 'kafkajs';
import { type AnalyticsConfig, analyticsSchema } from '../src/config';
import { type RunningAnalytics, startAnalytics } from '../src/service';

export interface AnalyticsUnderTest extends RunningAnalytics {
  env: Record<string, string>;
  config: AnalyticsConfig;
  issuer: TestIssuer;
  /** Publishes envelopes to this instance's topics, keyed as their producers key them. */
  publish(...events: Envelope[]): Promise<void>;
  /** As publish, each message also carrying these Kafka headers (a replayed dead letter's). */
  publishWithHeaders(headers: Record<string, string>, ...events: Envelope[]): Promise<void>;
  adminToken(): Promise<string>;
  userToken(userId: string): Promise<string>;
  /** A query on the primary that sees every user's rows. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** The real service in this process (app.inject, no listen) on the run's PostgreSQL, Kafka, Redis and NATS. */
export async function startTestAnalytics(
  label: string,
  extra: Record<string, string> = {},
): Promise<AnalyticsUnderTest> {
  const issuer = await startTestIssuer();
  const env: Record<string, string> = {
    ...serviceTestEnv(label),
    PORT: '0',
    NATS_SUBJECT_PREFIX: `${uniqueName(label)}.`,
    AUTH_JWKS_URL: issuer.jwksUrl,
    ANALYTICS_ARCHIVE_DIR: path.join(tmpdir(), uniqueName(`${label}-archive`)),
    ANALYTICS_TRENDING_INTERVAL_MS: '3600000',
    ANALYTICS_IMPRESSION_FOLD_MS: '200',
    ...extra,
  };
  const config = loadConfig('analytics', analyticsSchema, env);
  const running = await startAnalytics(config);
  await running.app.ready();
  const producer: Producer = await connectProducer(running.deps.kafka);
  const prefix = running.deps.settings.topicPrefix ?? '';
  const topicOf = new Map<string, string>(
    [
      ActivityLogged,
      InteractionRecorded,
      RecommendationsGenerated,
      RecommendationClicked,
      NotificationOpened,
      UserDeleted,
      MovieUpserted,
      MovieDeleted,
    ].map((d) => [d.type, d.topic]),
  );
  async function publishWithHeaders(headers: Record<string, string>, ...events: Envelope[]) {
    for (const e of events) {
      await producer.send({
        topic: `${prefix}${topicOf.get(e.type)}`,
        acks: -1,
        messages: [{ key: e.key, value: JSON.stringify(e), headers }],
      });
    }
  }
  return {
    ...running,
    env,
    config,
    issuer,
    publish: (...events) => publishWithHeaders({}, ...events),
    publishWithHeaders,
    adminToken: () => issuer.sign({ sub: randomUUID(), role: 'admin' }),
    userToken: (userId) => issuer.sign({ sub: userId, role: 'user' }),
    async sql(text, params = []) {
      // Sees every user's rows, as the consumers and jobs do.
      const client = await running.deps.database.pool.connect();
      try {
        await client.query('begin');
        await client.query(`select set_config('marquee.all_users', 'on', true)`);
        const { rows } = await client.query(text, params);
        await client.query('commit');
        return rows;
      } finally {
        client.release();
      }
    },
    async stop() {
      await producer.disconnect();
      await running.close();
      await issuer.close();
      await dropDatabase(env.DATABASE_URL as string);
    },
  };
}

const event = <S extends EventDefinition>(def: S, key: string, data: Static<S['schema']>) =>
  buildEvent(def, key, data, { correlationId: randomUUID() });

export const at = (iso: string) => new Date(iso).toISOString();

export function pageView(o: { userId?: string | null; movieId: number; at: string; sessionId?: string; ip?: string }) {
  return event(ActivityLogged, o.userId ?? o.sessionId ?? 's1', {
    userId: o.userId ?? null,
    sessionId: o.sessionId ?? 's1',
    actionType: 'movie_view',
    movieId: o.movieId,
    ipPrefix: o.ip ?? '203.0.113.0/24',
    userAgent: 'test-agent/1.0',
    referer: null,
    source: 'web',
    metadata: {},
    at: o.at,
  });
}

export function search(o: { userId?: string | null; query: string; at: string; sessionId?: string }) {
  return event(ActivityLogged, o.userId ?? 's1', {
    userId: o.userId ?? null,
    sessionId: o.sessionId ?? 's1',
    actionType: 'movie_search',
    movieId: null,
    ipPrefix: '203.0.113.0/24',
    userAgent: null,
    referer: null,
    source: 'mobile',
    metadata: { query: o.query },
    at: o.at,
  });
}

export function interaction(o: {
  userId: string;
  movieId: number;
  type: 'view' | 'like' | 'dislike' | 'favorite' | 'watchlist' | 'rating';
  rating?: number;
  at: string;
}) {
  return event(
    InteractionRecorded,
    o.userId,
    interactionRecorded(o.userId, o.movieId, { interactionType: o.type, rating: o.rating ?? null, at: o.at }),
  );
}

type Algorithm = 'collaborative' | 'content_based' | 'hybrid' | 'trending';

export function generated(o: {
  userId: string;
  algorithm: Algorithm;
  movieIds: number[];
  at: string;
  variant?: string;
}) {
  const data = {
    userId: o.userId,
    algorithm: o.algorithm,
    generatedAt: o.at,
    items: o.movieIds.map((movieId, i) => ({ movieId, score: 0.9 - i * 0.1, rank: i + 1 })),
  };
  const e = event(RecommendationsGenerated, o.userId, data);
  // The variant is the recommendation engineer's additive field: carried as such on the wire.
  return o.variant ? { ...e, data: { ...data, variant: o.variant } } : e;
}

export function clicked(o: { userId: string; algorithm: Algorithm; movieId: number; at: string; variant?: string }) {
  const data = { userId: o.userId, movieId: o.movieId, algorithm: o.algorithm, clickedAt: o.at };
  const e = event(RecommendationClicked, o.userId, data);
  return o.variant ? { ...e, data: { ...data, variant: o.variant } } : e;
}

export function emailOpened(o: { userId: string; movieId?: number; at: string }) {
  return event(NotificationOpened, o.userId, {
    notificationId: randomUUID(),
    userId: o.userId,
    channel: 'email',
    kind: 'recommendation_alert',
    at: o.at,
    movieId: o.movieId ?? null,
  });
}

export const userDeleted = (userId: string) =>
  event(UserDeleted, userId, { userId, deletedAt: new Date().toISOString() });

export function movieUpserted(movieId: number, title: string) {
  return event(MovieUpserted, String(movieId), movieSnapshot(movieId, { title }));
}

export const movieDeleted = (movieId: number) =>
  event(MovieDeleted, String(movieId), { movieId, tmdbId: null, deletedAt: new Date().toISOString() });

/** Waits until the log holds `count` rows matching the condition (seen with every user's rows). */
export function waitForLogRows(a: AnalyticsUnderTest, where: string, params: unknown[], count: number) {
  return eventually(
    async () => {
      const [r] = await a.sql<{ n: string }>(`select count(*) as n from user_activity_logs where ${where}`, params);
      return Number(r?.n) === count ? true : undefined;
    },
    { what: `${count} log rows where ${where}`, timeoutMs: 30_000 },
  );
}

/** Yesterday and today around the last month boundary before now, plus a time well inside this month. */
export function monthBoundary(now = new Date()) {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return {
    lastMs: new Date(first.getTime() - 1).toISOString(),
    firstMs: first.toISOString(),
    previousPartition: partitionOf(new Date(first.getTime() - 1)),
    currentPartition: partitionOf(first),
  };
}

const partitionOf = (d: Date) =>
  `user_activity_logs_p${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
