import { randomUUID } from 'node:crypto';
import { MovieDeleted, UserDeleted } from '@marquee/contracts';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { requestJson } from '@marquee/platform-bus';
import { forAllUsers, openDatabase, type Tx } from '@marquee/platform-db';
import { parseExposition } from '@marquee/platform-metrics';
import { adminPool } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleListStore, storeDueLists } from '../src/jobs/store-lists';
import { cacheKey, lockUsers, type StoredList, withEffectsAfterCommit } from '../src/recommend/compute-lists';
import { refreshUsers } from '../src/recommend/refresh-user';
import { decodeStoredList } from '../src/recommend/stored-value';
import { storeLists, storeWaitingLists, type Waiting } from '../src/recommend/store-lists';
import { type Harness, likeApplied, publishTwentyMovies, queryAll, settled, startHarness } from './helper';

// The store delay is an hour, so a list waits until a test stores it (or a click, an export or the job does); every
// consumed interaction folds its user in at once (no pacing: paced-fold-ins.test.ts has that).
let issuer: TestIssuer;
let h: Harness;

const query = <T extends Record<string, unknown>>(q: ReturnType<typeof sql>) => queryAll<T>(h, q);
const stored = (userId: string) =>
  query<{ movie_id: number; rank: number; clicked: boolean }>(
    sql`select movie_id, rank, clicked from user_recommendations where user_id = ${userId} order by rank`,
  );
/** The user's marker: since when their list waits, and the row version (a rewrite would change xmin and ctid). */
const waiting = (userId: string) =>
  query<{ pending_since: string; xmin: string; ctid: string }>(
    sql`select pending_since::text, xmin::text, ctid::text from rec_pending_lists where user_id = ${userId}`,
  );
/** Publishes a like and waits for its fold-in (its feedback row commits with the fold-in and its marker). */
const like = (userId: string, movieId: number) => likeApplied(h, userId, movieId);
/** Stores waiting lists as a click or an export does, then caches them as they do after the commit. */
function store(which: Waiting) {
  return withEffectsAfterCommit(h.rec.ctx, (afterCommit) =>
    forAllUsers(h.rec.deps.database.db, (tx) => storeWaitingLists(h.rec.ctx, tx, which, afterCommit)),
  );
}
/** The user's list in Redis. */
const cached = async (userId: string) => {
  const value = await h.rec.deps.redis.get(cacheKey(h.rec.ctx, userId));
  return value ? decodeStoredList(value) : null;
};
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
const listed = async (userId: string) =>
  (await api('GET', '/v1/me/recommendations?limit=50', userId)).body.items as Array<{ movieId: number; rank: number }>;

beforeAll(async () => {
  issuer = await startTestIssuer();
  h = await startHarness(issuer.jwksUrl, {
    RECOMMENDATION_STORE_DELAY_MS: '3600000',
    RECOMMENDATION_FOLD_IN_INTERVAL_MS: '0',
  });
  await publishTwentyMovies(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await issuer?.close();
});

describe('lists waiting to be stored', () => {
  it('when a user is folded in twice within the delay, then the table gets only the latest list, once, when it is stored, and only that list is published', async () => {
    const id = randomUUID();
    await like(id, 1);
    const first = await waiting(id);
    expect(first).toHaveLength(1);
    expect(await stored(id)).toEqual([]);
    // The API has the list at once.
    expect((await listed(id)).length).toBeGreaterThan(0);
    await like(id, 2);
    // Still one marker, waiting since the first fold-in: a user folded in again and again is still stored in time.
    expect((await waiting(id)).map((w) => w.pending_since)).toEqual([first[0]!.pending_since]);
    const latest = await listed(id);
    expect(latest.map((i) => i.movieId)).not.toContain(2);
    // Neither fold-in published its list: recommendations.generated is the stored list.
    expect(await published(id)).toEqual([]);
    const storedFrom = Date.now();
    const result = await store({ users: [id] });
    expect(result).toEqual({ lists: 1, rows: latest.length });
    expect(await waiting(id)).toEqual([]);
    // The list computed at store time: the model has not retrained, so it is the one the API served.
    expect((await stored(id)).map((r) => [r.movie_id, r.rank])).toEqual(latest.map((i) => [i.movieId, i.rank]));
    const events = await published(id);
    expect(events).toHaveLength(1);
    expect(events[0]!.items.map((i) => [i.movieId, i.rank])).toEqual(latest.map((i) => [i.movieId, i.rank]));
    expect(Date.parse(events[0]!.generatedAt)).toBeGreaterThanOrEqual(storedFrom - 1000);
    // Redis holds the stored list.
    expect((await cached(id))?.generatedAt).toBe(events[0]!.generatedAt);
    // Nothing is waiting any more: storing again writes and publishes nothing.
    expect(await store({ users: [id] })).toEqual({ lists: 0, rows: 0 });
    expect(await published(id)).toHaveLength(1);
  });

  it('when a user already waiting is folded in again, then their marker is left as it was: no new row version', async () => {
    const id = randomUUID();
    await like(id, 1);
    const [marker] = await waiting(id);
    expect(marker).toBeDefined();
    await like(id, 2);
    await like(id, 3);
    expect(await waiting(id)).toEqual([marker]);
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
    const served = (await listed(id)).map((i) => i.movieId);
    const exported = await requestJson<{ recommendations: Array<{ movieId: number }> }>(
      h.rec.deps.nats,
      `${h.env.KAFKA_TOPIC_PREFIX}gdpr.export.recommendation`,
      { userId: id },
      5000,
    );
    expect(exported.recommendations.map((r) => r.movieId).sort((a, b) => a - b)).toEqual(
      [...served].sort((a, b) => a - b),
    );
    expect(await waiting(id)).toEqual([]);
  });

  it('when a movie on a waiting list is deleted, then the cached copy goes and the movie is never stored', async () => {
    const id = randomUUID();
    await like(id, 11);
    const served = (await listed(id)).map((i) => i.movieId);
    const gone = served.find((m) => m > 11 && m <= 20)!;
    expect(gone).toBeDefined();
    expect(await cached(id)).not.toBeNull();
    await h.publish(MovieDeleted, String(gone), { movieId: gone, tmdbId: null, deletedAt: new Date().toISOString() });
    await settled(async () =>
      expect(await query(sql`select 1 from rec_movies where movie_id = ${gone}`)).toHaveLength(0),
    );
    await settled(async () => expect(await cached(id)).toBeNull());
    expect(await waiting(id)).toHaveLength(1);
    await store({ users: [id] });
    const rows = (await stored(id)).map((r) => r.movie_id);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).not.toContain(gone);
    // Redis has the list as stored.
    expect((await cached(id))?.items.map((i) => i.movieId)).toEqual(rows);
  });

  it('when a user is deleted while their list waits, then the marker is erased too', async () => {
    const id = randomUUID();
    await like(id, 5);
    expect(await waiting(id)).toHaveLength(1);
    await h.publish(UserDeleted, id, { userId: id, deletedAt: new Date().toISOString() });
    await settled(async () => expect(await waiting(id)).toEqual([]));
    expect(await stored(id)).toEqual([]);
  });

  it('when the table refuses one waiting list, then the others are stored and only that one is dropped, with its cached copy', async () => {
    const good = randomUUID();
    await like(good, 7);
    const bad = randomUUID();
    await like(bad, 8);
    expect(await cached(bad)).not.toBeNull();
    // user_recommendations refuses the bad user's rows, as a CHECK refuses a broken list: the whole batch fails.
    const admin = adminPool(h.env.DATABASE_URL as string);
    await admin.query(`
      create function refuse_for_test() returns trigger language plpgsql as $$
      begin
        if new.user_id = '${bad}' then raise exception 'refused for the test' using errcode = '23514'; end if;
        return new;
      end $$;
      create trigger refuse_for_test before insert or update on user_recommendations
        for each row execute function refuse_for_test();`);
    try {
      const result = await storeDueLists(h.rec.ctx, 0);
      expect(result.dropped).toBe(1);
      expect(result.stored).toBeGreaterThanOrEqual(1);
    } finally {
      await admin.query('drop trigger refuse_for_test on user_recommendations; drop function refuse_for_test()');
      await admin.end();
    }
    expect(await waiting(bad)).toEqual([]);
    expect(await stored(bad)).toEqual([]);
    await h.rec.ctx.lists.settled();
    expect(await cached(bad)).toBeNull();
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

  it('when a fold-in and a store of the same users run at once, in either order or many times over, then neither deadlocks and the later one sees the earlier one', async () => {
    // Connections of their own: the service's pool also serves its consumer.
    const db = openDatabase(h.env.DATABASE_URL as string, { max: 8 });
    const foldIn = (users: string[]) => (tx: Tx) => refreshUsers(h.rec.ctx, tx, users, () => {});
    const storeOf = (users: string[]) => (tx: Tx) => storeWaitingLists(h.rec.ctx, tx, { users }, () => {});
    /** Runs work in a transaction kept open (its locks held) until released, then `rest` in the same transaction. */
    const holding = <T>(work: (tx: Tx) => Promise<T>, rest?: (tx: Tx) => Promise<unknown>) => {
      let reached = () => {};
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const done = forAllUsers(db.db, async (tx) => {
        const r = await work(tx);
        reached();
        await released;
        await rest?.(tx);
        return r;
      });
      return { held, release, done };
    };
    /** Waits until a transaction waits for a fold-in lock. */
    const blocked = () =>
      settled(async () => {
        const { rows } = await db.pool.query(
          `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
             and query like '%pg_advisory_xact_lock%'`,
        );
        expect(rows).toHaveLength(1);
      });
    try {
      const id = randomUUID();
      await like(id, 9);
      // A fold-in has locked the user and not yet marked them: the store waits for it (it must not take the marker
      // first, or the fold-in's insert would wait for the store, which waits for the fold-in), then takes the marker.
      const folding = holding((tx) => lockUsers(tx, [id]), foldIn([id]));
      await folding.held;
      const storing = forAllUsers(db.db, storeOf([id]));
      await blocked();
      folding.release();
      await folding.done;
      expect(await storing).toEqual({ lists: 1, rows: expect.any(Number) });
      expect(await waiting(id)).toEqual([]);
      // A store holds the user (it deleted the marker): the fold-in waits for it, then marks the user again.
      await like(id, 10);
      const storingFirst = holding(storeOf([id]));
      await storingFirst.held;
      const foldingAfter = forAllUsers(db.db, foldIn([id]));
      await blocked();
      storingFirst.release();
      expect(await storingFirst.done).toEqual({ lists: 1, rows: expect.any(Number) });
      await foldingAfter;
      expect(await waiting(id)).toHaveLength(1);
      // Many at once over overlapping users given in different orders, the job's batch among them.
      const users = Array.from({ length: 6 }, () => randomUUID());
      const pick = (k: number) => {
        const some = users.filter((_, u) => (u + k) % 3 !== 0);
        return k % 2 === 0 ? some : some.reverse();
      };
      for (let round = 0; round < 5; round++)
        await Promise.all([
          ...[0, 1, 2].map((k) => forAllUsers(db.db, foldIn(pick(k + round)))),
          ...[3, 4].map((k) => forAllUsers(db.db, storeOf(pick(k + round)))),
          storeDueLists(h.rec.ctx, 0),
        ]);
    } finally {
      await db.close();
    }
  });

  it('when reasons hold quotes, backslashes, commas, braces or the word NULL, then the stored rows keep them as written', async () => {
    const [tricky, empty] = [randomUUID(), randomUUID()];
    const movies = (
      await query<{ movie_id: number }>(sql`select movie_id from rec_movies order by movie_id limit 6`)
    ).map((r) => r.movie_id);
    const scores = [0.000001, 0.000002, 0.000003, 0.000004, 0.000005, 0.000006];
    const reasons = ['Because you liked "Heat"', 'a\\b \\"', 'x, {y}', 'NULL', '', 'Amélie ✓'];
    const list = (userId: string, items: string[]): StoredList => ({
      userId,
      algorithm: 'hybrid',
      variant: 'control',
      generatedAt: '2026-12-02T01:00:00.000Z',
      items: items.map((reason, k) => ({
        movieId: movies[k]!,
        title: '',
        score: scores[k]!,
        rank: k + 1,
        reason,
      })),
    });
    await forAllUsers(h.rec.deps.database.db, (tx) => storeLists(tx, [list(tricky, reasons), list(empty, [])]));
    const rows = await query<{ user_id: string; movie_id: number; score: number; rank: number; reason: string }>(
      sql`select user_id, movie_id, score, rank, reason from user_recommendations where user_id in (${tricky}, ${empty})
          order by rank`,
    );
    expect(rows).toEqual(
      reasons.map((reason, k) => ({
        user_id: tricky,
        movie_id: movies[k],
        score: scores[k]!,
        rank: k + 1,
        reason,
      })),
    );
  });

  it('when a list names a movie gone from the catalogue, then that movie is not stored', async () => {
    const id = randomUUID();
    const [kept] = (
      await query<{ movie_id: number }>(sql`select movie_id from rec_movies order by movie_id limit 1`)
    ).map((r) => r.movie_id);
    const items = [kept!, 9999].map((movieId, k) => ({
      movieId,
      title: '',
      score: 1 - k / 10,
      rank: k + 1,
      reason: 'r',
    }));
    const rows = await forAllUsers(h.rec.deps.database.db, (tx) =>
      storeLists(tx, [
        { userId: id, algorithm: 'hybrid', variant: 'control', generatedAt: new Date().toISOString(), items },
      ]),
    );
    expect(rows).toBe(1);
    expect((await stored(id)).map((r) => r.movie_id)).toEqual([kept]);
  });

  it('when a stored list is stored again with every score, rank and reason changed, then each row is rewritten in place (a HOT update, no index touched)', async () => {
    const id = randomUUID();
    // Movies still in the catalogue (a test above deletes one).
    const movies = (
      await query<{ movie_id: number }>(sql`select movie_id from rec_movies order by movie_id limit 15`)
    ).map((r) => r.movie_id);
    expect(movies).toHaveLength(15);
    const list = (round: number): StoredList => ({
      userId: id,
      algorithm: 'hybrid',
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
    await forAllUsers(h.rec.deps.database.db, (tx) => storeLists(tx, [list(1)]));
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
      const rows = await storeLists(tx, [list(2)]);
      const after = await read();
      return {
        rows,
        updated: after.updated - before.updated,
        hot: after.hot - before.hot,
        inserted: after.inserted - before.inserted,
        deleted: after.deleted - before.deleted,
      };
    });
    expect(counts).toEqual({ rows: 15, updated: 15, hot: 15, inserted: 0, deleted: 0 });
    expect((await stored(id)).map((r) => r.movie_id)).toEqual(list(2).items.map((i) => i.movieId));
    // Stored again as it is: no row is rewritten.
    expect(await forAllUsers(h.rec.deps.database.db, (tx) => storeLists(tx, [list(2)]))).toBe(0);
  });
});
