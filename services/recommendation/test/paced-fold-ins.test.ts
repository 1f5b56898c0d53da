import { randomUUID } from 'node:crypto';
import { UserDeleted } from '@marquee/contracts';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { forAllUsers } from '@marquee/platform-db';
import { parseExposition } from '@marquee/platform-metrics';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulePacedFoldIns } from '../src/jobs/paced-fold-ins';
import { cacheKey, withEffectsAfterCommit } from '../src/recommend/compute-lists';
import { refreshWaitingUsers } from '../src/recommend/refresh-user';
import { decodeStoredList } from '../src/recommend/stored-value';
import { type Harness, likeApplied, livePushes, publishTwentyMovies, queryAll, settled, startHarness } from './helper';

// Four seconds between two fold-ins of a user: long enough that a second interaction consumed right after the
// first always lands within it, short enough to wait out in a test. Lists wait an hour to be stored.
const INTERVAL_MS = 4000;
const paced = { RECOMMENDATION_STORE_DELAY_MS: '3600000', RECOMMENDATION_FOLD_IN_INTERVAL_MS: String(INTERVAL_MS) };
let issuer: TestIssuer;
/** Paced whatever the rate (RECOMMENDATION_FOLD_IN_PACE_ABOVE 0): the tests' few interactions stand for a load. */
let h: Harness;

const query = <T extends Record<string, unknown>>(q: ReturnType<typeof sql>, on = h) => queryAll<T>(on, q);
const like = (userId: string, movieId: number, on = h) => likeApplied(on, userId, movieId);
/** The movie ids of the user's list in Redis (null: none cached). */
const cached = async (userId: string, on = h) => {
  const value = await on.rec.deps.redis.get(cacheKey(on.rec.ctx, userId));
  return value ? decodeStoredList(value).items.map((i) => i.movieId) : null;
};
const marked = async (userId: string, on = h) =>
  (await query(sql`select 1 from rec_pending_lists where user_id = ${userId}`, on)).length;
const metric = async (name: string, on = h) => {
  const res = await on.rec.app.inject('/metrics');
  return parseExposition(res.body).find((s) => s.name === name)?.value ?? 0;
};

beforeAll(async () => {
  issuer = await startTestIssuer();
}, 120_000);

afterAll(async () => {
  await issuer?.close();
});

describe('paced fold-ins', () => {
  beforeAll(async () => {
    h = await startHarness(issuer.jwksUrl, { ...paced, RECOMMENDATION_FOLD_IN_PACE_ABOVE: '0' });
    await publishTwentyMovies(h);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('when a user interacts again within the interval, then the first is folded in at once and the rest together once it ends', async () => {
    const id = randomUUID();
    const live = await livePushes(h, id);
    const { pushed } = live;
    const deferredBefore = await metric('recommendation_fold_ins_deferred_total');
    const pacedBefore = await metric('recommendation_paced_fold_ins_total');

    await like(id, 1);
    // Folded in with its chunk: the list left out the liked movie as soon as the like was applied.
    const first = await cached(id);
    expect(first).not.toBeNull();
    expect(first).not.toContain(1);
    expect(first).toContain(2);
    await settled(async () => expect(pushed).toHaveLength(1));

    const secondAt = performance.now();
    await like(id, 2);
    await like(id, 3);
    // Applied, marked, but not folded in yet: the list is still the first one.
    expect(performance.now() - secondAt).toBeLessThan(INTERVAL_MS);
    expect(await cached(id)).toEqual(first);
    expect(await marked(id)).toBe(1);
    expect(await metric('recommendation_fold_ins_deferred_total')).toBe(deferredBefore + 2);
    expect(await metric('recommendation_fold_ins_waiting')).toBeGreaterThanOrEqual(1);

    // Once the interval has passed: one fold-in for both, cached and pushed.
    await settled(async () => {
      const list = await cached(id);
      expect(list).not.toContain(2);
      expect(list).not.toContain(3);
    });
    await settled(async () => expect(pushed).toHaveLength(2));
    expect(await metric('recommendation_paced_fold_ins_total')).toBe(pacedBefore + 1);
    live.stop();
  });

  it('when the job stops with fold-ins waiting, then it folds them in before it goes', async () => {
    const id = randomUUID();
    await like(id, 4);
    await like(id, 5);
    expect(await cached(id)).toContain(5);
    // A second job over the same pacer (as the service's own stops at shutdown): nothing of this user is due yet.
    const job = schedulePacedFoldIns(h.rec.ctx);
    await job.stop();
    expect(await cached(id)).not.toContain(5);
    expect(h.rec.ctx.pacer.waiting).toBe(0);
  });

  it('when a user is deleted while a fold-in of theirs waits, then it is dropped and no list of theirs is cached again', async () => {
    const id = randomUUID();
    await like(id, 6);
    await like(id, 7);
    expect(h.rec.ctx.pacer.waiting).toBeGreaterThanOrEqual(1);
    await h.publish(UserDeleted, id, { userId: id, deletedAt: new Date().toISOString() });
    await settled(async () => {
      expect(await query(sql`select 1 from rec_feedback where user_id = ${id}`)).toHaveLength(0);
      expect(await marked(id)).toBe(0);
      expect(await cached(id)).toBeNull();
    });
    expect(h.rec.ctx.pacer.takeAll(performance.now())).not.toContain(id);
    // Should a job have taken them just before the deletion: with no marker left, nothing is computed or cached.
    const folded = await withEffectsAfterCommit(h.rec.ctx, (afterCommit) =>
      forAllUsers(h.rec.deps.database.db, (tx) => refreshWaitingUsers(h.rec.ctx, tx, [id], afterCommit)),
    );
    expect(folded).toBe(0);
    expect(await cached(id)).toBeNull();
  });
});

describe('a quiet worker (below RECOMMENDATION_FOLD_IN_PACE_ABOVE, its default)', () => {
  let quiet: Harness;

  beforeAll(async () => {
    quiet = await startHarness(issuer.jwksUrl, paced);
    await publishTwentyMovies(quiet);
  }, 120_000);

  afterAll(async () => {
    await quiet?.close();
  });

  it('when a user interacts again within the interval, then each interaction is folded in at once', async () => {
    const id = randomUUID();
    const deferredBefore = await metric('recommendation_fold_ins_deferred_total', quiet);
    await like(id, 1, quiet);
    await settled(async () => expect(await cached(id, quiet)).not.toContain(1));

    const secondAt = performance.now();
    await like(id, 2, quiet);
    await like(id, 3, quiet);
    await settled(async () => {
      const list = await cached(id, quiet);
      expect(list).not.toContain(2);
      expect(list).not.toContain(3);
    });
    // Well within the interval, and nothing waited for the paced job.
    expect(performance.now() - secondAt).toBeLessThan(INTERVAL_MS * 0.75);
    expect(await metric('recommendation_fold_ins_deferred_total', quiet)).toBe(deferredBefore);
    expect(quiet.rec.ctx.pacer.waiting).toBe(0);
    // The list still waits for the store job like any fold-in's.
    expect(await marked(id, quiet)).toBe(1);
  });
});
