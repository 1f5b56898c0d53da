import { randomUUID } from 'node:crypto';
import { type Envelope, parseEvent, Topics } from '@marquee/contracts';
import { createLogger } from '@marquee/platform-logging';
import { eventually, serviceTestEnv, testInfra, uniqueName } from '@marquee/platform-testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAnalyticsDatabase } from '../src/db/open-analytics-database';
import { foldImpressions } from '../src/jobs/fold-impressions';
import {
  type AnalyticsUnderTest,
  clicked,
  generated,
  interaction,
  movieUpserted,
  pageView,
  search,
  startTestAnalytics,
  waitForLogRows,
} from './helper';

let a: AnalyticsUnderTest;
let admin: pg.Client;
let admin_token: string;
const reader = uniqueName('reader');
const alice = randomUUID();
const bob = randomUUID();
const today = new Date().toISOString().slice(0, 10);
const now = (offsetMs = 0) => new Date(Date.now() - 60_000 + offsetMs).toISOString();

/** A read-only role standing in for a replica: same data, its own login we can watch and revoke. */
async function createReaderRole(primaryUrl: string): Promise<string> {
  const url = new URL(primaryUrl);
  const db = decodeURIComponent(url.pathname.slice(1));
  const superuser = new URL(testInfra().postgresAdminUrl);
  superuser.pathname = `/${db}`;
  admin = new pg.Client({ connectionString: superuser.toString() });
  await admin.connect();
  await admin.query(`create role "${reader}" login nosuperuser nobypassrls`);
  await admin.query(`alter role "${reader}" set default_transaction_read_only = on`);
  await admin.query(`grant connect on database "${db}" to "${reader}"`);
  await admin.query(`grant usage on schema public to "${reader}"`);
  await admin.query(`grant select on all tables in schema public to "${reader}"`);
  url.username = reader;
  return url.toString();
}

beforeAll(async () => {
  const env = serviceTestEnv('analytics-reports');
  const database = await openAnalyticsDatabase(
    env as { DATABASE_URL: string; DATABASE_OWNER_URL: string },
    createLogger('test', 'warn'),
  );
  await database.close();
  const replicaUrl = await createReaderRole(env.DATABASE_URL as string);
  a = await startTestAnalytics('analytics-reports', { ...env, ANALYTICS_REPORTS_DATABASE_URL: replicaUrl });
  admin_token = await a.adminToken();
  await a.publish(
    movieUpserted(701, 'Signal, "Noise" and Lines'),
    pageView({ userId: alice, movieId: 701, at: now() }),
    pageView({ userId: alice, movieId: 702, at: now(1) }),
    search({ userId: alice, query: '=cmd|calc', at: now(2) }),
    interaction({ userId: bob, movieId: 701, type: 'rating', rating: 5, at: now(3) }),
    generated({ userId: bob, algorithm: 'hybrid', movieIds: [701, 702], at: now(4), variant: 'wide' }),
    generated({ userId: alice, algorithm: 'content_based', movieIds: [701, 703], at: now(5) }),
    clicked({ userId: bob, algorithm: 'hybrid', movieId: 701, at: now(6), variant: 'wide' }),
  );
  // Seven rows: a list of recommendations is one row (its two impressions count in the metrics).
  await waitForLogRows(a, 'user_id = any($1::uuid[])', [[alice, bob]], 7);
  await eventually(async () => (await a.sql('select 1 from movies where movie_id = 701')).length === 1);
  await foldImpressions(a.deps.database);
});
afterAll(async () => {
  await admin?.end();
  await a?.stop();
  const root = new pg.Client({ connectionString: testInfra().postgresAdminUrl });
  await root.connect();
  await root.query(`drop role if exists "${reader}"`);
  await root.end();
});

const get = (url: string, token?: string) =>
  a.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('analytics reports', () => {
  it("when an admin asks for a movie's metrics over a range, then each active day comes with its CTR", async () => {
    const res = await get(`/v1/admin/analytics/movies/701/metrics?from=${today}&to=${today}`, admin_token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      movieId: 701,
      title: 'Signal, "Noise" and Lines',
      days: [
        {
          date: today,
          views: 1,
          likes: 0,
          ratingCount: 1,
          avgRating: 5,
          recommendationCount: 2,
          clicks: 1,
          clickThroughRate: 0.5,
        },
      ],
    });
  });

  it('when CTR is asked by algorithm and by variant, then impressions and clicks are split that way', async () => {
    const byAlgorithm = await get(`/v1/admin/analytics/click-through?from=${today}&to=${today}`, admin_token);
    expect(byAlgorithm.json().rows).toEqual([
      { algorithm: 'content_based', variant: null, impressions: 2, clicks: 0, clickThroughRate: 0 },
      { algorithm: 'hybrid', variant: null, impressions: 2, clicks: 1, clickThroughRate: 0.5 },
    ]);
    const byVariant = await get(`/v1/admin/analytics/click-through?from=${today}&to=${today}&by=variant`, admin_token);
    expect(byVariant.json().rows).toEqual([
      { algorithm: 'content_based', variant: '', impressions: 2, clicks: 0, clickThroughRate: 0 },
      { algorithm: 'hybrid', variant: 'wide', impressions: 2, clicks: 1, clickThroughRate: 0.5 },
    ]);
  });

  it('when daily activity and trending are asked, then events, active users and ranked movies come back', async () => {
    const daily = await get(`/v1/admin/analytics/activity/daily?from=${today}&to=${today}`, admin_token);
    expect(daily.json()).toEqual({ days: [{ date: today, events: 9, activeUsers: 2 }] });
    const trending = await get('/v1/admin/analytics/trending?days=3&limit=2', admin_token);
    expect(trending.statusCode).toBe(200);
    expect(trending.json().movies.map((m: { movieId: number }) => m.movieId)).toEqual([701, 702]);
    expect(trending.json().movies[0]).toMatchObject({ title: 'Signal, "Noise" and Lines', rank: 1 });
  });

  it('when a report is downloaded as CSV, then it is RFC 4180 text with quoting and a header', async () => {
    const res = await get(`/v1/admin/analytics/movies/701/metrics?from=${today}&to=${today}&format=csv`, admin_token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('attachment; filename="movie-701-');
    expect(res.body).toBe(
      'date,views,likes,rating_count,avg_rating,recommendation_count,clicks,click_through_rate\r\n' +
        `${today},1,0,1,5,2,1,0.5\r\n`,
    );
    const trending = await get('/v1/admin/analytics/trending?days=3&limit=1&format=csv', admin_token);
    expect(trending.body.split('\r\n')[1]).toMatch(/^1,701,"Signal, ""Noise"" and Lines",/);
    const activity = await get(`/v1/analytics/users/${alice}/activity?format=csv`, admin_token);
    const lines = activity.body.split('\r\n');
    expect(lines[0]).toBe('occurred_at,action_type,movie_id,session_id,source,metadata,id');
    expect(lines).toHaveLength(1 + 4 + 1);
    expect(activity.body).toContain(`"{""query"":""=cmd|calc""}"`);
  });

  it('when a user reads activity, then they see their own page by page and never another user’s', async () => {
    const token = await a.userToken(alice);
    const first = await get(`/v1/analytics/users/${alice}/activity?limit=3`, token);
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.items.map((i: { actionType: string }) => i.actionType)).toEqual([
      'recommendation_impression',
      'movie_search',
      'movie_view',
    ]);
    // A list shown to the user is one entry naming its movies.
    expect(body.items[0]).toMatchObject({ movieId: null, metadata: { movieIds: [701, 703], ranks: [1, 2] } });
    const second = await get(`/v1/analytics/users/${alice}/activity?limit=3&cursor=${body.nextCursor}`, token);
    expect(second.json()).toMatchObject({ items: [{ actionType: 'movie_view' }], nextCursor: null });
    expect((await get(`/v1/analytics/users/${bob}/activity`, token)).statusCode).toBe(403);
    expect((await get(`/v1/analytics/users/${bob}/activity`, admin_token)).json().items).toHaveLength(3);
  });

  it('when a request lacks rights or has a bad parameter, then the answer names why', async () => {
    expect((await get(`/v1/admin/analytics/activity/daily?from=${today}&to=${today}`)).statusCode).toBe(401);
    const user = await a.userToken(alice);
    expect((await get(`/v1/admin/analytics/activity/daily?from=${today}&to=${today}`, user)).statusCode).toBe(403);
    const reversed = await get('/v1/admin/analytics/activity/daily?from=2026-02-02&to=2026-02-01', admin_token);
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().error.details).toEqual([{ field: 'querystring.to', reason: 'must not be before from' }]);
    const unknown = await get(`/v1/admin/analytics/click-through?from=${today}&to=${today}&algo=x`, admin_token);
    expect(unknown.json().error.details[0].field).toBe('querystring.algo');
    const notADay = await get('/v1/admin/analytics/activity/daily?from=2026-02-30&to=2026-03-01', admin_token);
    expect(notADay.json().error.details[0]).toEqual({ field: 'querystring.from', reason: 'is not a calendar day' });
    const cursor = await get(`/v1/analytics/users/${alice}/activity?cursor=bm9wZQ`, user);
    expect(cursor.json().error.details[0].field).toBe('querystring.cursor');
  });

  it('when trending is refreshed on demand, then trending.updated reaches Kafka and the public list', async () => {
    const res = await a.app.inject({
      method: 'POST',
      url: '/v1/admin/analytics/trending/refresh',
      headers: { authorization: `Bearer ${admin_token}` },
    });
    expect(res.statusCode).toBe(200);
    const published: Envelope[] = [];
    const consumer = a.deps.kafka.consumer({ groupId: uniqueName('trending-reader'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: `${a.env.KAFKA_TOPIC_PREFIX}${Topics.analyticsTrending}`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void published.push(parseEvent(message.value as Buffer).envelope),
    });
    try {
      const event = await eventually(() => published.find((e) => (e.data as { movies: unknown[] }).movies.length > 0), {
        what: 'trending.updated with movies',
      });
      expect(event).toMatchObject({ type: 'trending.updated', key: today, data: { date: today } });
      expect((event.data as { movies: { movieId: number; rank: number }[] }).movies[0]).toMatchObject({
        movieId: 701,
        rank: 1,
      });
    } finally {
      await consumer.disconnect();
    }
    const pub = await get('/v1/analytics/trending');
    expect(pub.json().movies[0]).toMatchObject({ movieId: 701, title: 'Signal, "Noise" and Lines' });
  });

  it('when a replica URL is configured, then report queries run on it and fail with it while ingest goes on', async () => {
    const seen = await admin.query<{ usename: string }>(
      `select usename from pg_stat_activity where application_name = 'analytics-reports' and datname = current_database()`,
    );
    expect(seen.rows.length).toBeGreaterThan(0);
    expect(new Set(seen.rows.map((r) => r.usename))).toEqual(new Set([reader]));

    await admin.query(`revoke select on daily_activity from "${reader}"`);
    try {
      const res = await get(`/v1/admin/analytics/activity/daily?from=${today}&to=${today}`, admin_token);
      expect(res.statusCode).toBe(500);
      await a.publish(pageView({ userId: alice, movieId: 799, at: now(7) }));
      await waitForLogRows(a, 'movie_id = 799', [], 1);
    } finally {
      await admin.query(`grant select on daily_activity to "${reader}"`);
    }
    const again = await get(`/v1/admin/analytics/activity/daily?from=${today}&to=${today}`, admin_token);
    expect(again.json()).toEqual({ days: [{ date: today, events: 10, activeUsers: 2 }] });
  });
});
