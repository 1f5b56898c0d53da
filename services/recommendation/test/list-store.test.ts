import { randomUUID } from 'node:crypto';
import { InteractionRecorded, MovieDeleted, MovieUpserted, UserDeleted } from '@marquee/contracts';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { requestJson } from '@marquee/platform-bus';
import { forAllUsers } from '@marquee/platform-db';
import { parseExposition } from '@marquee/platform-metrics';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleListStore, storeDueLists } from '../src/jobs/store-lists';
import { queueLists, storeWaitingLists } from '../src/recommend/store-lists';
import { interaction, movie } from './events';
import { type Harness, settled, startHarness } from './helper';

// The store delay is an hour, so a list waits until a test stores it (or a click, an export or the job does).
let issuer: TestIssuer;
let h: Harness;

const query = async <T extends Record<string, unknown>>(q: ReturnType<typeof sql>) =>
  (await forAllUsers(h.rec.deps.database.db, (tx) => tx.execute<T>(q))).rows;
const stored = (userId: string) =>
  query<{ movie_id: number; rank: number; clicked: boolean }>(
    sql`select movie_id, rank, clicked from user_recommendations where user_id = ${userId} order by rank`,
  );
const waiting = (userId: string) =>
  query<{ generated_at: string; pending_since: string; movie_ids: number[] }>(
    sql`select generated_at::text, pending_since::text, movie_ids from rec_pending_lists where user_id = ${userId}`,
  );
/** Publishes a like and waits for its fold-in (a new waiting list). */
async function like(userId: string, movieId: number) {
  const before = (await waiting(userId))[0]?.generated_at;
  await h.publish(InteractionRecorded, userId, interaction(userId, movieId, 'like'));
  await settled(async () => {
    const now = (await waiting(userId))[0]?.generated_at;
    expect(now).toBeDefined();
    expect(now).not.toBe(before);
  });
}
/** The user's recommendations.generated events, as written into the outbox. */
const published = async (userId: string) =>
  (
    await query<{ payload: { data: { generatedAt: string; items: Array<{ movieId: number; rank: number }> } } }>(
      sql`select payload from outbox_written where type = 'recommendations.generated' and key = ${userId} order by seq`,
    )
  ).map((r) => r.payload.data);

async function api(method: 'GET' | 'POST', url: string, userId: string) {
  const res = await h.rec.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${await issuer.sign({ sub: userId, role: 'user' })}` },
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  h = await startHarness(issuer.jwksUrl, { RECOMMENDATION_STORE_DELAY_MS: '3600000' });
  for (let id = 1; id <= 20; id++) await h.publish(MovieUpserted, String(id), movie(id, id <= 10 ? 0 : 1));
  await settled(async () => expect((await query(sql`select movie_id from rec_movies`)).length).toBe(20));
  // The content model has them all (appended by a worker after they arrive): fold-ins can list them.
  await settled(async () => expect((await h.rec.app.inject('/v1/recommendations/similar/20')).statusCode).toBe(200));
}, 120_000);

afterAll(async () => {
  await h?.close();
  await issuer?.close();
});

describe('lists waiting to be stored', () => {
  it('when a user is folded in twice within the delay, then the table gets only the last list, once, when it is stored, and only that list is published', async () => {
    const id = randomUUID();
    await like(id, 1);
    const first = await waiting(id);
    expect(first).toHaveLength(1);
    expect(await stored(id)).toEqual([]);
    // The API has the list at once.
    const served = await api('GET', '/v1/me/recommendations?limit=50', id);
    expect(served.body.items.length).toBeGreaterThan(0);
    await like(id, 2);
    const second = await waiting(id);
    expect(second).toHaveLength(1);
    // Replaced, yet waiting since the first fold-in: a user folded in again and again is still stored in time.
    expect(second[0]!.pending_since).toBe(first[0]!.pending_since);
    expect(second[0]!.generated_at > first[0]!.generated_at).toBe(true);
    const latest = (await api('GET', '/v1/me/recommendations?limit=50', id)).body.items as Array<{
      movieId: number;
      rank: number;
    }>;
    // Neither fold-in published its list: recommendations.generated is the stored list.
    expect(await published(id)).toEqual([]);
    const [{ ms: waitingSinceMs }] = (await query<{ ms: number }>(
      sql`select (extract(epoch from generated_at) * 1000)::float8 as ms from rec_pending_lists where user_id = ${id}`,
    )) as [{ ms: number }];
    const result = await forAllUsers(h.rec.deps.database.db, (tx) => storeWaitingLists(tx, { users: [id] }));
    expect(result).toEqual({ lists: 1, rows: latest.length });
    expect(await waiting(id)).toEqual([]);
    expect((await stored(id)).map((r) => [r.movie_id, r.rank])).toEqual(latest.map((i) => [i.movieId, i.rank]));
    const events = await published(id);
    expect(events).toHaveLength(1);
    expect(events[0]!.items.map((i) => [i.movieId, i.rank])).toEqual(latest.map((i) => [i.movieId, i.rank]));
    expect(Date.parse(events[0]!.generatedAt)).toBe(waitingSinceMs);
    // Nothing is waiting any more: storing again writes and publishes nothing.
    expect(await forAllUsers(h.rec.deps.database.db, (tx) => storeWaitingLists(tx, { users: [id] }))).toEqual({
      lists: 0,
      rows: 0,
    });
    expect(await published(id)).toHaveLength(1);
  });

  it('when a recommended movie is clicked while its list waits, then the list is stored first and the click counts', async () => {
    const id = randomUUID();
    await like(id, 3);
    const movieId = (await api('GET', '/v1/me/recommendations?limit=1', id)).body.items[0].movieId as number;
    expect(await stored(id)).toEqual([]);
    expect((await api('POST', `/v1/me/recommendations/${movieId}/click`, id)).status).toBe(204);
    expect(await waiting(id)).toEqual([]);
    const rows = await stored(id);
    expect(rows.find((r) => r.movie_id === movieId)?.clicked).toBe(true);
    expect(rows.filter((r) => r.clicked)).toHaveLength(1);
  });

  it('when a user exports their data while their list waits, then the export holds that list', async () => {
    const id = randomUUID();
    await like(id, 4);
    const listed = (await api('GET', '/v1/me/recommendations?limit=50', id)).body.items.map(
      (i: { movieId: number }) => i.movieId,
    );
    const exported = await requestJson<{ recommendations: Array<{ movieId: number }> }>(
      h.rec.deps.nats,
      `${h.env.KAFKA_TOPIC_PREFIX}gdpr.export.recommendation`,
      { userId: id },
      5000,
    );
    expect(exported.recommendations.map((r) => r.movieId).sort((a, b) => a - b)).toEqual(
      [...listed].sort((a, b) => a - b),
    );
  });

  it('when a movie on a waiting list is deleted, then it leaves the list at once, is never stored and the cached copy goes', async () => {
    const id = randomUUID();
    await like(id, 11);
    const listed = (await api('GET', '/v1/me/recommendations?limit=50', id)).body.items.map(
      (i: { movieId: number }) => i.movieId,
    ) as number[];
    const gone = listed.find((m) => m > 11 && m <= 20)!;
    expect(gone).toBeDefined();
    expect((await waiting(id))[0]!.movie_ids).toContain(gone);
    const key = `${h.env.KAFKA_TOPIC_PREFIX}rec:list:${id}`;
    expect(await h.rec.deps.redis.exists(key)).toBe(1);
    await h.publish(MovieDeleted, String(gone), { movieId: gone, tmdbId: null, deletedAt: new Date().toISOString() });
    await settled(async () =>
      expect(await query(sql`select 1 from rec_movies where movie_id = ${gone}`)).toHaveLength(0),
    );
    expect(await h.rec.deps.redis.exists(key)).toBe(0);
    // Gone from the waiting list at once, the other items kept in their order.
    expect((await waiting(id))[0]!.movie_ids).toEqual(listed.filter((m) => m !== gone));
    await forAllUsers(h.rec.deps.database.db, (tx) => storeWaitingLists(tx, { users: [id] }));
    const rows = await stored(id);
    expect(rows.length).toBe(listed.length - 1);
    expect(rows.map((r) => r.movie_id)).not.toContain(gone);
  });

  it('when a user is deleted while their list waits, then the waiting list is erased too', async () => {
    const id = randomUUID();
    await like(id, 5);
    expect(await waiting(id)).toHaveLength(1);
    await h.publish(UserDeleted, id, { userId: id, deletedAt: new Date().toISOString() });
    await settled(async () => expect(await waiting(id)).toEqual([]));
    expect(await stored(id)).toEqual([]);
  });

  it('when the table refuses one waiting list, then the others are stored and only that one is dropped', async () => {
    const good = randomUUID();
    await like(good, 7);
    const bad = randomUUID();
    // A score above 1 breaks user_recommendations' CHECK: the whole batch is refused.
    await forAllUsers(h.rec.deps.database.db, (tx) =>
      tx.execute(sql`insert into rec_pending_lists (user_id, algorithm, variant, generated_at, pending_since, movie_ids,
          scores, ranks, reasons)
        values (${bad}, 'hybrid', 'control', now(), now() - interval '1 hour', '{8}', '{2}', '{1}', '{"Broken"}')`),
    );
    const result = await storeDueLists(h.rec.ctx, 0);
    expect(result.dropped).toBe(1);
    expect(result.stored).toBeGreaterThanOrEqual(1);
    expect(await waiting(bad)).toEqual([]);
    expect(await stored(bad)).toEqual([]);
    expect(await waiting(good)).toEqual([]);
    expect((await stored(good)).length).toBeGreaterThan(0);
  });

  it('when lists have waited the delay, then the store job writes them and counts them', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) await like(id, 6);
    // The same service's context with a short delay: the job as the service runs it, started here.
    const job = scheduleListStore({
      ...h.rec.ctx,
      config: { ...h.rec.ctx.config, RECOMMENDATION_STORE_DELAY_MS: 200 },
    });
    try {
      await settled(async () => {
        for (const id of ids) {
          expect(await waiting(id)).toEqual([]);
          expect((await stored(id)).length).toBeGreaterThan(0);
        }
      });
      // An operator sees the job work and the queue it leaves, on /metrics.
      const scraped = parseExposition((await h.rec.app.inject({ method: 'GET', url: '/metrics' })).body);
      const value = (name: string) => scraped.find((x) => x.name === name)?.value;
      expect(value('recommendation_lists_stored_total')).toBeGreaterThanOrEqual(2);
      expect(value('recommendation_list_store_failures_total')).toBe(0);
      expect(value('recommendation_lists_dropped_total')).toBe(0);
      expect(value('recommendation_lists_waiting')).toBeGreaterThanOrEqual(0);
      expect(value('recommendation_list_oldest_wait_seconds')).toBeGreaterThanOrEqual(0);
    } finally {
      await job.stop();
    }
  });

  it('when reasons hold quotes, backslashes, commas, braces or the word NULL, then the waiting lists keep them as written', async () => {
    const [tricky, empty] = [randomUUID(), randomUUID()];
    const reasons = ['Because you liked "Heat"', 'a\\b \\"', 'x, {y}', 'NULL', '', 'Amélie ✓'];
    const list = (userId: string, items: string[]) => ({
      userId,
      algorithm: 'hybrid' as const,
      variant: 'control',
      generatedAt: '2026-12-02T01:00:00.000Z',
      items: items.map((reason, k) => ({ movieId: k + 1, title: '', score: 0.000001 * (k + 1), rank: k + 1, reason })),
    });
    await forAllUsers(h.rec.deps.database.db, (tx) => queueLists(tx, [list(tricky, reasons), list(empty, [])]));
    const rows = await query<{
      user_id: string;
      movie_ids: number[];
      scores: number[];
      ranks: number[];
      reasons: string[];
    }>(
      sql`select user_id, movie_ids, scores, ranks, reasons from rec_pending_lists where user_id in (${tricky}, ${empty})`,
    );
    const byUser = new Map(rows.map((r) => [r.user_id, r]));
    expect(byUser.get(tricky)).toEqual({
      user_id: tricky,
      movie_ids: [1, 2, 3, 4, 5, 6],
      scores: [0.000001, 0.000002, 0.000003, 0.000004, 0.000005, 0.000006],
      ranks: [1, 2, 3, 4, 5, 6],
      reasons,
    });
    expect(byUser.get(empty)).toEqual({ user_id: empty, movie_ids: [], scores: [], ranks: [], reasons: [] });
  });

  it('when a stored list is stored again with every score, rank and reason changed, then each row is rewritten in place (a HOT update, no index touched)', async () => {
    const id = randomUUID();
    // Movies still in the catalogue (a test above deletes one).
    const movies = (
      await query<{ movie_id: number }>(sql`select movie_id from rec_movies order by movie_id limit 15`)
    ).map((r) => r.movie_id);
    expect(movies).toHaveLength(15);
    const list = (round: number) => ({
      userId: id,
      algorithm: 'hybrid' as const,
      variant: 'control',
      generatedAt: `2026-12-03T0${round}:00:00.000Z`,
      items: movies.map((_, k) => ({
        movieId: movies[(k + round * 7) % movies.length] as number,
        title: '',
        score: 1 - k / 20 - round / 100,
        rank: k + 1,
        reason: `Because you liked Movie ${movies[(k + 3 * round) % movies.length]}`,
      })),
    });
    await forAllUsers(h.rec.deps.database.db, (tx) => queueLists(tx, [list(1)]));
    await forAllUsers(h.rec.deps.database.db, (tx) => storeWaitingLists(tx, { users: [id] }));
    await forAllUsers(h.rec.deps.database.db, (tx) => queueLists(tx, [list(2)]));
    // The backend's own counters for the table, read around the store in its transaction: what the store did, and
    // nothing another connection did (they also hold this backend's counts not yet reported, hence the difference).
    const counts = await forAllUsers(h.rec.deps.database.db, async (tx) => {
      const read = async () =>
        (
          await tx.execute<{ updated: number; hot: number; inserted: number; deleted: number }>(sql`select
            pg_stat_get_xact_tuples_updated('user_recommendations'::regclass)::int as updated,
            pg_stat_get_xact_tuples_hot_updated('user_recommendations'::regclass)::int as hot,
            pg_stat_get_xact_tuples_inserted('user_recommendations'::regclass)::int as inserted,
            pg_stat_get_xact_tuples_deleted('user_recommendations'::regclass)::int as deleted`)
        ).rows[0]!;
      const before = await read();
      const stored = await storeWaitingLists(tx, { users: [id] });
      const after = await read();
      return {
        stored,
        updated: after.updated - before.updated,
        hot: after.hot - before.hot,
        inserted: after.inserted - before.inserted,
        deleted: after.deleted - before.deleted,
      };
    });
    expect(counts).toEqual({ stored: { lists: 1, rows: 15 }, updated: 15, hot: 15, inserted: 0, deleted: 0 });
    expect((await stored(id)).map((r) => r.movie_id)).toEqual(list(2).items.map((i) => i.movieId));
  });
});
