import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  InteractionRecorded,
  InteractionRemoved,
  MovieDeleted,
  MovieUpserted,
  Topics,
  UserDeleted,
  UserRegistered,
} from '@marquee/contracts';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { requestJson } from '@marquee/platform-bus';
import { connectRedis, waitForRedis } from '@marquee/platform-cache';
import { parseExposition } from '@marquee/platform-metrics';
import { adminPool, rowSecurityProblems, tcpProxy, testInfra, unreachableRedis } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forAllUsers } from '@marquee/platform-db';
import { physicalTopic } from '@marquee/platform-events';
import { currentDefaultPage, currentLists } from '../src/recommend/current-lists';
import { ListCache } from '../src/recommend/list-cache';
import { cacheKey } from '../src/recommend/compute-lists';
import { interaction, movie, user } from './events';
import { type Harness, livePushes, settled, startHarness } from './helper';

let issuer: TestIssuer;
let h: Harness;
let adminToken: string;

// Three taste clusters of ten movies: 1–10 action, 11–20 comedy, 21–30 drama; 31 is adult action.
const cluster = (genre: 0 | 1 | 2) => Array.from({ length: 10 }, (_, k) => genre * 10 + k + 1);

async function get(url: string, token?: string) {
  const res = await h.rec.app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.statusCode, body: res.json() };
}

const countRows = async (query: ReturnType<typeof sql>) =>
  forAllUsers(h.rec.deps.database.db, async (tx) => Number((await tx.execute<{ n: string }>(query)).rows[0]!.n));

beforeAll(async () => {
  issuer = await startTestIssuer();
  // Lists are written into user_recommendations by the fold-in itself, so the table can be read at once
  // (list-store.test.ts covers the store delay).
  h = await startHarness(issuer.jwksUrl, { RECOMMENDATION_STORE_DELAY_MS: '0' });
  adminToken = await issuer.sign({ sub: randomUUID(), role: 'admin' });
  for (const g of [0, 1, 2] as const)
    for (const id of cluster(g)) await h.publish(MovieUpserted, String(id), movie(id, g));
  await h.publish(MovieUpserted, '31', movie(31, 0, { adult: true }));
  // Twelve users, each liking most of one cluster: co-occurrence the collaborative model can learn.
  for (let u = 0; u < 12; u++) {
    const id = randomUUID();
    const g = (u % 3) as 0 | 1 | 2;
    for (const m of cluster(g).slice(0, 8 + (u % 3)))
      await h.publish(InteractionRecorded, id, interaction(id, m, 'like'));
    await h.publish(InteractionRecorded, id, interaction(id, 31, 'like'));
  }
  await settled(async () =>
    expect(await countRows(sql`select count(*) as n from rec_feedback`)).toBe(4 * (8 + 9 + 10) + 12),
  );
  const res = await h.rec.app.inject({
    method: 'POST',
    url: '/v1/admin/recommendations/model/train',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(res.statusCode).toBe(202);
  await settled(async () => {
    const status = await get('/v1/admin/recommendations/model', adminToken);
    expect(status.body.training).toBeNull();
    expect(status.body.versions[0].status).toBe('succeeded');
    expect(status.body.versions[0].items).toBe(31);
  });
}, 180_000);

afterAll(async () => {
  await h?.close();
  await issuer?.close();
});

describe('recommendations', () => {
  it('when a new user with favourite genres and no history asks, then they get cold-start picks from those genres', async () => {
    const id = randomUUID();
    await h.publish(UserRegistered, id, user(id, [3]));
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_users where user_id = ${id}`)).toBe(1),
    );
    const res = await get('/v1/me/recommendations?limit=5', await issuer.sign({ sub: id, role: 'user' }));
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(5);
    expect(res.body.items.every((i: { movieId: number }) => i.movieId >= 21 && i.movieId <= 30)).toBe(true);
    expect(res.body.items[0].reason).toMatch(/Drama|Because|Trending|Popular/);
  });

  it('when an interaction is recorded, then within seconds the stored list follows it, is pushed on NATS and published', async () => {
    const id = randomUUID();
    const token = await issuer.sign({ sub: id, role: 'user' });
    const live = await livePushes(h, id);
    const { pushed } = live;
    const started = Date.now();
    await h.publish(InteractionRecorded, id, interaction(id, 11, 'rating', 5));
    await settled(async () => {
      const res = await get('/v1/me/recommendations?limit=5', token);
      expect(res.body.items[0].reason).toBe('Because you liked Movie 11');
    });
    expect(Date.now() - started).toBeLessThan(5000);
    const res = await get('/v1/me/recommendations?limit=50', token);
    const ids = res.body.items.map((i: { movieId: number }) => i.movieId);
    expect(ids).not.toContain(11);
    expect(ids).not.toContain(31);
    expect(ids.slice(0, 5).every((m: number) => m >= 12 && m <= 20)).toBe(true);
    expect(res.body.variant).toBe('control');
    await settled(async () => expect(pushed.length).toBeGreaterThan(0));
    live.stop();
    const outbox = await h.rec.deps.database.db.execute<{ payload: string }>(
      sql`select payload::text as payload from outbox_written where type = 'recommendations.generated' and key = ${id}`,
    );
    const text = outbox.rows[0]!.payload;
    const event = JSON.parse(text) as { data: { variant: string; items: { score: number }[] } };
    expect(event.data.variant).toBe('control');
    expect(event.data.items.length).toBeGreaterThan(0);
    // The row holds the JSON as written, which the relay sends as it is (jsonb printed it back with spaces added).
    expect(text).toBe(JSON.stringify(event));
    // Scores carry six decimals, as many as user_recommendations.score (a real) keeps.
    for (const { score } of event.data.items) expect(Math.round(score * 1e6) / 1e6).toBe(score);
  });

  it('when the same interaction event is delivered twice, then it is applied once', async () => {
    const id = randomUUID();
    await h.publish(InteractionRecorded, id, interaction(id, 3, 'like'), 2);
    // Applied before the next one is sent, so that one is a chunk of its own and folds the user in again.
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(1),
    );
    await h.publish(InteractionRecorded, id, interaction(id, 4, 'like'));
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(2),
    );
    expect(await h.generated(id)).toBe(2);
  });

  it('when a fold-in leaves a row as it was, then the row is not rewritten, yet the list is still published fresh', async () => {
    const id = randomUUID();
    const rows = () =>
      forAllUsers(h.rec.deps.database.db, async (tx) =>
        (
          await tx.execute<{ movie_id: number; version: string; generated_at: string }>(
            sql`select movie_id, xmin::text as version, generated_at::text from user_recommendations
                where user_id = ${id} order by movie_id`,
          )
        ).rows.map((r) => ({ ...r })),
      );
    await h.publish(InteractionRecorded, id, interaction(id, 5, 'like'));
    await settled(async () => expect(await h.generated(id)).toBe(1));
    const before = await rows();
    expect(before.length).toBeGreaterThan(0);
    // The same like again (a new event id): the same feedback, so the same list.
    await h.publish(InteractionRecorded, id, interaction(id, 5, 'like'));
    await settled(async () => expect(await h.generated(id)).toBe(2));
    expect(await rows()).toEqual(before);
    const stored = await h.rec.deps.redis.get(`${h.env.KAFKA_TOPIC_PREFIX}rec:list:${id}`);
    const rowsMs = await countRows(
      sql`select (extract(epoch from max(generated_at)) * 1000)::bigint as n from user_recommendations where user_id = ${id}`,
    );
    expect(Date.parse(JSON.parse(stored!.split('\n')[1]!).generatedAt)).toBeGreaterThan(rowsMs);
  });

  it('when several interactions of a user arrive together, then they are all applied in order and the user is folded in once', async () => {
    const id = randomUUID();
    const token = await issuer.sign({ sub: id, role: 'user' });
    const liked = [12, 13, 14, 15];
    const events = [
      ...[...liked, 16].map((m) =>
        buildEvent(InteractionRecorded, id, interaction(id, m, 'like'), { correlationId: id }),
      ),
      // Removed after it was recorded, in the same chunk: the removal is the last word.
      buildEvent(InteractionRemoved, id, interaction(id, 16, 'like'), { correlationId: id }),
    ];
    // One send to one key: one partition, one fetch, one consumed chunk.
    await h.producer.send({
      topic: physicalTopic(h.rec.deps.settings, Topics.interaction),
      messages: events.map((event) => ({ key: id, value: JSON.stringify(event) })),
    });
    await settled(async () =>
      expect(
        await countRows(
          sql`select count(*) as n from processed_events where event_id in (${sql.join(
            events.map((e) => sql`${e.id}::uuid`),
            sql`, `,
          )})`,
        ),
      ).toBe(events.length),
    );
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(liked.length),
    );
    expect(await h.generated(id)).toBe(1);
    const ids = (await get('/v1/me/recommendations?limit=50', token)).body.items.map(
      (i: { movieId: number }) => i.movieId,
    );
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((m: number) => liked.includes(m))).toEqual([]);
    expect(ids.slice(0, 3).every((m: number) => m >= 11 && m <= 20)).toBe(true);
  });

  it('when a consumer is behind by more than 50 events, then a user with events across them is folded in once', async () => {
    const id = randomUUID();
    const others = Array.from({ length: 118 }, () => randomUUID());
    const events = [
      buildEvent(InteractionRecorded, id, interaction(id, 21, 'like'), { correlationId: id }),
      ...others.map((o, k) =>
        buildEvent(InteractionRecorded, o, interaction(o, 1 + (k % 30), 'like'), { correlationId: o }),
      ),
      buildEvent(InteractionRecorded, id, interaction(id, 22, 'like'), { correlationId: id }),
    ];
    // One send to one key: one partition, one fetch of 120 events.
    await h.producer.send({
      topic: physicalTopic(h.rec.deps.settings, Topics.interaction),
      messages: events.map((event) => ({ key: id, value: JSON.stringify(event) })),
    });
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(2),
    );
    expect(await h.generated(id)).toBe(1);
  });

  it('when the query is bad, then 400 names the field; when the limit is too large, then it is capped', async () => {
    const token = await issuer.sign({ sub: randomUUID(), role: 'user' });
    expect((await get('/v1/me/recommendations?algorithm=magic', token)).status).toBe(400);
    const genre = await get('/v1/me/recommendations?genres=999', token);
    expect(genre.status).toBe(400);
    expect(JSON.stringify(genre.body.error)).toContain('genres');
    expect((await get('/v1/me/recommendations?limit=1000', token)).body.items.length).toBeLessThanOrEqual(50);
    expect((await get('/v1/me/recommendations')).status).toBe(401);
    // The token was verified and remembered above; a token that differs from it by one byte is checked anew.
    const flipped = token.at(-10) === 'A' ? 'B' : 'A';
    expect((await get('/v1/me/recommendations', `${token.slice(0, -10)}${flipped}${token.slice(-9)}`)).status).toBe(
      401,
    );
  });

  it('when filters are given, then only those genres come back, excluded ids never, for every algorithm', async () => {
    const id = randomUUID();
    const token = await issuer.sign({ sub: id, role: 'user' });
    await h.publish(InteractionRecorded, id, interaction(id, 1, 'like'));
    await settled(async () =>
      expect((await get('/v1/me/recommendations', token)).body.items.length).toBeGreaterThan(0),
    );
    for (const algorithm of ['collaborative', 'content_based', 'trending', 'hybrid']) {
      const res = await get(
        `/v1/me/recommendations?algorithm=${algorithm}&genres=2&exclude=12,13&diversity=0.5`,
        token,
      );
      expect(res.status).toBe(200);
      const ids = res.body.items.map((i: { movieId: number }) => i.movieId);
      expect(ids.every((m: number) => m >= 11 && m <= 20 && m !== 12 && m !== 13)).toBe(true);
    }
  });

  it('when a recommended movie is clicked, then clicked is set and recommendation.clicked carries the variant', async () => {
    const id = randomUUID();
    const token = await issuer.sign({ sub: id, role: 'user' });
    const list = await get('/v1/me/recommendations?limit=3', token);
    const movieId = list.body.items[0].movieId;
    const click = await h.rec.app.inject({
      method: 'POST',
      url: `/v1/me/recommendations/${movieId}/click`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(click.statusCode).toBe(204);
    const rows = await h.rec.deps.database.db.execute<{ payload: { data: { variant: string; movieId: number } } }>(
      sql`select payload from outbox_written where type = 'recommendation.clicked' and key = ${id}`,
    );
    expect(rows.rows[0]?.payload.data).toMatchObject({ movieId, variant: 'control' });
    // A fold-in after the click rewrites the list; a movie still on it keeps its click.
    const clickedOf = async () =>
      (
        await forAllUsers(h.rec.deps.database.db, (tx) =>
          tx.execute<{ clicked: boolean }>(
            sql`select clicked from user_recommendations where user_id = ${id} and movie_id = ${movieId}`,
          ),
        )
      ).rows[0];
    const before = await clickedOf();
    expect(before?.clicked).toBe(true);
    // Disliking a movie of another taste cluster (1–10, 11–20, 21–30) leaves the clicked one's cluster listed.
    const full = await get('/v1/me/recommendations?limit=50', token);
    const clusterOf = (m: number) => Math.ceil(m / 10);
    const other = full.body.items
      .map((i: { movieId: number }) => i.movieId)
      .find((m: number) => clusterOf(m) !== clusterOf(movieId) && m <= 30) as number;
    const generatedBefore = await h.generated(id);
    await h.publish(InteractionRecorded, id, interaction(id, other, 'dislike'));
    // The fold-in is seen by its event: the clicked row itself is rewritten only if its values changed.
    await settled(async () => expect(await h.generated(id)).toBe(generatedBefore + 1));
    const after = await get('/v1/me/recommendations?limit=50', token);
    expect(after.body.items.map((i: { movieId: number }) => i.movieId)).toContain(movieId);
    expect((await clickedOf())?.clicked).toBe(true);
    expect(
      await countRows(
        sql`select count(*) as n from user_recommendations where user_id = ${id} and movie_id = ${other}`,
      ),
    ).toBe(0);
    const missing = await h.rec.app.inject({
      method: 'POST',
      url: '/v1/me/recommendations/999999/click',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('when movies are similar in content, then similar movies lists them; an unknown movie is 404', async () => {
    const res = await get('/v1/recommendations/similar/21');
    expect(res.status).toBe(200);
    expect(res.body.items[0].movieId).toBeGreaterThanOrEqual(22);
    expect(res.body.items[0].movieId).toBeLessThanOrEqual(30);
    expect((await get('/v1/recommendations/similar/999999')).status).toBe(404);
  });

  it('when a new movie arrives after training, then it has content neighbours at once', async () => {
    await h.publish(MovieUpserted, '40', movie(40, 2));
    await settled(async () => {
      const res = await get('/v1/recommendations/similar/40');
      expect(res.status).toBe(200);
      expect(res.body.items[0].movieId).toBeGreaterThanOrEqual(21);
      expect(res.body.items[0].movieId).toBeLessThanOrEqual(30);
    });
  });

  it('when a movie is deleted, then it leaves every stored list and the models at once', async () => {
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from user_recommendations where movie_id = 25`)).toBeGreaterThan(
        0,
      ),
    );
    await h.publish(MovieDeleted, '25', { movieId: 25, tmdbId: null, deletedAt: new Date().toISOString() });
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from user_recommendations where movie_id = 25`)).toBe(0),
    );
    expect((await get('/v1/recommendations/similar/25')).status).toBe(404);
  });

  it('when a user is exported and then deleted, then the export has their data and afterwards nothing is left', async () => {
    const id = randomUUID();
    const token = await issuer.sign({ sub: id, role: 'user' });
    await h.publish(InteractionRecorded, id, interaction(id, 2, 'like'));
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(1),
    );
    expect((await get('/v1/me/recommendations', token)).body.items.length).toBeGreaterThan(0);
    const subject = `${h.env.KAFKA_TOPIC_PREFIX}gdpr.export.recommendation`;
    const exported = await requestJson<{ feedback: unknown[]; recommendations: unknown[] }>(
      h.rec.deps.nats,
      subject,
      { userId: id },
      5000,
    );
    expect(exported.feedback).toHaveLength(1);
    expect(exported.recommendations.length).toBeGreaterThan(0);
    // The fold-in kept the user's content scores for their next one (this process runs the consumers).
    const content = () => h.rec.ctx.store.current.models.content;
    expect(content().keeps(id)).toBe(true);
    await h.publish(UserDeleted, id, { userId: id, deletedAt: new Date().toISOString() });
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(0),
    );
    expect(content().keeps(id)).toBe(false);
    expect(await countRows(sql`select count(*) as n from user_recommendations where user_id = ${id}`)).toBe(0);
    expect(await h.rec.deps.redis.exists(`${h.env.KAFKA_TOPIC_PREFIX}rec:list:${id}`)).toBe(0);
  });

  it('when the default page is asked, then the stored page is sent as JSON and equals the parsed list cut to 20', async () => {
    const id = randomUUID();
    const token = await issuer.sign({ sub: id, role: 'user' });
    await h.publish(InteractionRecorded, id, interaction(id, 3, 'like'));
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(1),
    );
    const first = await h.rec.app.inject({
      method: 'GET',
      url: '/v1/me/recommendations',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    const stored = await h.rec.deps.redis.get(`${h.env.KAFKA_TOPIC_PREFIX}rec:list:${id}`);
    // The stored value: the page exactly as sent, a newline, the whole list (userId included, which is never sent).
    expect(stored?.split('\n')[0]).toBe(first.body);
    expect(JSON.parse(stored!.split('\n')[1]!).userId).toBe(id);
    const page = first.json();
    expect(Object.keys(page)).toEqual(['algorithm', 'variant', 'generatedAt', 'items']);
    const longer = (await get('/v1/me/recommendations?limit=21', token)).body;
    expect(page).toEqual({ ...longer, items: longer.items.slice(0, 20) });
    expect((await get('/v1/me/recommendations?limit=20&offset=0', token)).body).toEqual(page);
    expect((await get('/v1/me/recommendations?offset=1&limit=3', token)).body.items).toEqual(page.items.slice(1, 4));
    expect((await get('/v1/me/recommendations?offset=-1', token)).status).toBe(400);
    expect((await get('/v1/me/recommendations?limit=0', token)).status).toBe(400);
  });

  it('when Redis cannot be reached, then lists are built from the database at once, waiting on no reconnection, and once per user for the outage, not per read', async () => {
    const id = randomUUID();
    await h.publish(InteractionRecorded, id, interaction(id, 12, 'like'));
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(1),
    );
    const down = unreachableRedis('recommendation-down', connectRedis);
    try {
      await down.backedOff();
      const before = down.reconnections();
      const errors = async () =>
        parseExposition(await h.rec.ctx.metrics.metrics()).find(
          (m) =>
            m.name === 'cache_requests_total' && m.labels.cache === 'recommendations' && m.labels.result === 'error',
        )?.value ?? 0;
      const errorsBefore = await errors();
      const ctx = { ...h.rec.ctx, redis: down.redis, lists: new ListCache(down.redis) };
      const [list] = await currentLists(ctx)([id]);
      expect(list?.userId).toBe(id);
      expect(list?.items.some((i) => i.movieId === 12)).toBe(false);
      await new Promise((r) => setTimeout(r, 5));
      const page = JSON.parse(await currentDefaultPage(ctx)(id));
      expect(page.items.map((i: { movieId: number }) => i.movieId)).toEqual(
        list?.items.slice(0, 20).map((i) => i.movieId),
      );
      // The list built by the first read, kept for the outage: later reads do not fold the user in again.
      expect(page.generatedAt).toBe(list?.generatedAt);
      expect((await currentLists(ctx)([id]))[0]?.generatedAt).toBe(list?.generatedAt);
      // A deletion (profile change, erasure) reaches that memory too: the next read builds the list anew.
      await ctx.lists.delete([cacheKey(h.rec.ctx, id)]);
      expect((await currentLists(ctx)([id]))[0]?.generatedAt).not.toBe(list?.generatedAt);
      expect(down.reconnections()).toBe(before);
      // Counted as the cache failing, not as a miss, so the hit ratio tells an outage from a cold cache.
      expect((await errors()) - errorsBefore).toBe(4);
    } finally {
      down.close();
    }
  });

  it('when Redis goes silent on an open connection, then a read that times out builds the list from the database rather than fail', async () => {
    const id = randomUUID();
    await h.publish(InteractionRecorded, id, interaction(id, 13, 'like'));
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(1),
    );
    const proxy = await tcpProxy(testInfra().redisUrl);
    // The service's client with a short timeout, so the test waits a fraction of a second, not the default 5 s.
    const silent = connectRedis(proxy.url, 'recommendation-silent', { socketTimeout: 200 });
    try {
      expect(await waitForRedis(silent, 10_000)).toBe(true);
      proxy.stall();
      const ctx = { ...h.rec.ctx, redis: silent, lists: new ListCache(silent) };
      const [list] = await currentLists(ctx)([id]);
      expect(list?.userId).toBe(id);
      expect(list?.items.some((i) => i.movieId === 13)).toBe(false);
      // A second read on a connection again silent: the timeout, while the client still calls it ready.
      proxy.resume();
      expect(await waitForRedis(silent, 10_000)).toBe(true);
      proxy.stall();
      const page = JSON.parse(await currentDefaultPage(ctx)(id));
      expect(page.items.map((i: { movieId: number }) => i.movieId)).toEqual(
        list?.items.slice(0, 20).map((i) => i.movieId),
      );
    } finally {
      silent.disconnect();
      await proxy.close();
    }
  });

  it('when one delivery upserts, renames and deletes movies, then the projection holds what the events one by one leave', async () => {
    const snapshot = (id: number, title: string, genre: { id: number; name: string }) => {
      const m = { ...movie(id, 0), title, genres: [{ ...genre, tmdbId: null, slug: `g${genre.id}` }] };
      const event = buildEvent(MovieUpserted, String(id), m, { correlationId: randomUUID() });
      return { key: 'one-delivery', value: JSON.stringify(event) };
    };
    const deleted = buildEvent(
      MovieDeleted,
      '50',
      { movieId: 50, tmdbId: null, deletedAt: new Date().toISOString() },
      { correlationId: randomUUID() },
    );
    // One key, one send: one partition, read as one chunk. 50 is written, renamed and deleted; 51 gets a genre
    // and then a new name for it.
    await h.producer.send({
      topic: physicalTopic(h.rec.deps.settings, Topics.catalogMovie),
      messages: [
        snapshot(50, 'First', { id: 90, name: 'Old' }),
        snapshot(51, 'Kept', { id: 91, name: 'Before' }),
        snapshot(50, 'Renamed', { id: 90, name: 'Old' }),
        { key: 'one-delivery', value: JSON.stringify(deleted) },
        snapshot(51, 'Kept again', { id: 91, name: 'After' }),
      ],
    });
    const rows = async () =>
      (
        await h.rec.deps.database.db.execute<{ movie_id: number; title: string }>(
          sql`select movie_id, title from rec_movies where movie_id in (50, 51) order by movie_id`,
        )
      ).rows;
    await settled(async () => expect(await rows()).toEqual([{ movie_id: 51, title: 'Kept again' }]));
    const genres = await h.rec.deps.database.db.execute<{ genre_id: number; name: string }>(
      sql`select genre_id, name from rec_genres where genre_id in (90, 91) order by genre_id`,
    );
    expect(genres.rows).toEqual([
      { genre_id: 90, name: 'Old' },
      { genre_id: 91, name: 'After' },
    ]);
  });

  it('when the tables are inspected, then every user-owned table has the one forced policy', async () => {
    const raw = adminPool(h.env.DATABASE_URL as string);
    try {
      expect(await rowSecurityProblems(raw)).toEqual([]);
    } finally {
      await raw.end();
    }
  });

  it('when a stored score would leave 0–1, then the table refuses it', async () => {
    await expect(
      forAllUsers(h.rec.deps.database.db, (tx) =>
        tx.execute(sql`insert into user_recommendations (user_id, movie_id, score, algorithm, variant, rank, reason)
          values (${randomUUID()}, 1, 1.5, 'hybrid', 'control', 1, 'x')`),
      ),
    ).rejects.toThrow();
  });
});

describe('recommendation.for-users (digest content over NATS)', () => {
  type Reply = { results: { userId: string; items: { movieId: number; title: string; reason: string }[] }[] };
  const ask = (req: unknown, timeoutMs = 10_000) =>
    requestJson<Reply>(h.rec.deps.nats, `${h.env.KAFKA_TOPIC_PREFIX}recommendation.for-users`, req, timeoutMs);
  const served = async (id: string, limit: number) =>
    (await get(`/v1/me/recommendations?limit=${limit}`, await issuer.sign({ sub: id, role: 'user' }))).body.items.map(
      (i: { movieId: number; title: string; reason: string }) => ({
        movieId: i.movieId,
        title: i.title,
        reason: i.reason,
      }),
    );

  it('when users with history, with only favourite genres and with no data at all are asked, then each gets the list the route serves them, in the order asked', async () => {
    const liker = randomUUID();
    const newcomer = randomUUID();
    const stranger = randomUUID();
    await h.publish(InteractionRecorded, liker, interaction(liker, 12, 'rating', 5));
    await h.publish(UserRegistered, newcomer, user(newcomer, [3]));
    await settled(async () => {
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${liker}`)).toBe(1);
      expect(await countRows(sql`select count(*) as n from rec_users where user_id = ${newcomer}`)).toBe(1);
    });
    const reply = await ask({ userIds: [liker, newcomer, stranger], limit: 5 });
    expect(reply.results.map((r) => r.userId)).toEqual([liker, newcomer, stranger]);
    const [forLiker, forNewcomer, forStranger] = reply.results.map((r) => r.items);
    expect(forLiker).toHaveLength(5);
    expect(forLiker![0]!.reason).toBe('Because you liked Movie 12');
    expect(forLiker!.map((i) => i.movieId)).not.toContain(12);
    expect(forLiker!.map((i) => i.movieId)).not.toContain(31);
    expect(forNewcomer!.every((i) => i.movieId >= 21 && i.movieId <= 30)).toBe(true);
    // A user the service knows nothing about gets cold-start picks (popular movies), never an error.
    expect(forStranger!.length).toBeGreaterThan(0);
    expect(forLiker).toEqual(await served(liker, 5));
    expect(forNewcomer).toEqual(await served(newcomer, 5));
    expect(forStranger).toEqual(await served(stranger, 5));
    expect(forLiker![0]!.title).toBe(`Movie ${forLiker![0]!.movieId}`);
  });

  it('when the limit is above the stored list size, then it is capped like the route; without one, the route default applies', async () => {
    const id = randomUUID();
    await h.publish(InteractionRecorded, id, interaction(id, 22, 'like'));
    await settled(async () =>
      expect(await countRows(sql`select count(*) as n from rec_feedback where user_id = ${id}`)).toBe(1),
    );
    const all = (await ask({ userIds: [id], limit: 100_000 })).results[0]!.items;
    expect(all.length).toBeGreaterThan(0);
    expect(all.length).toBeLessThanOrEqual(50);
    expect(all).toEqual(await served(id, 100_000));
    expect((await ask({ userIds: [id] })).results[0]!.items).toEqual(all.slice(0, 20));
  });

  it('when the request is bad, then the answer is an error naming the field and nothing is stored', async () => {
    const id = randomUUID();
    const tooMany = Array.from({ length: 201 }, () => randomUUID());
    const cases: Array<[unknown, RegExp]> = [
      ['nope', /request must be an object/],
      [{}, /userIds must be 1 to 200 uuids/],
      [{ userIds: [] }, /userIds must be 1 to 200 uuids/],
      [{ userIds: tooMany }, /userIds must be 1 to 200 uuids/],
      [{ userIds: [id, "x' or 1=1 --"] }, /userIds must be 1 to 200 uuids/],
      [{ userIds: id }, /userIds must be 1 to 200 uuids/],
      [{ userIds: [id], limit: 0 }, /limit must be an integer of at least 1/],
      [{ userIds: [id], limit: 2.5 }, /limit must be an integer of at least 1/],
      [{ userIds: [id], limit: '5' }, /limit must be an integer of at least 1/],
      [{ userIds: [id], admin: true }, /admin is not a known field/],
    ];
    for (const [req, message] of cases) await expect(ask(req), JSON.stringify(req)).rejects.toThrow(message);
    expect(await countRows(sql`select count(*) as n from user_recommendations where user_id = ${id}`)).toBe(0);
    // 200 is the most one request may name.
    const most = Array.from({ length: 200 }, () => randomUUID());
    expect((await ask({ userIds: most, limit: 1 }, 45_000)).results).toHaveLength(200);
  }, 60_000);
});
