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
let issuer: TestIssuer;
let h: Harness;

const query = <T extends Record<string, unknown>>(q: ReturnType<typeof sql>) => queryAll<T>(h, q);
const like = (userId: string, movieId: number) => likeApplied(h, userId, movieId);
/** The movie ids of the user's list in Redis (null: none cached). */
const cached = async (userId: string) => {
  const value = await h.rec.deps.redis.get(cacheKey(h.rec.ctx, userId));
  return value ? decodeStoredList(value).items.map((i) => i.movieId) : null;
};
const marked = async (userId: string) =>
  (await query(sql`select 1 from rec_pending_lists where user_id = ${userId}`)).length;
const metric = async (name: string) => {
  const res = await h.rec.app.inject('/metrics');
  return parseExposition(res.body).find((s) => s.name === name)?.value ?? 0;
};

beforeAll(async () => {
  issuer = await startTestIssuer();
  h = await startHarness(issuer.jwksUrl, {
    RECOMMENDATION_STORE_DELAY_MS: '3600000',
    RECOMMENDATION_FOLD_IN_INTERVAL_MS: String(INTERVAL_MS),
  });
  await publishTwentyMovies(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await issuer?.close();
});

describe('paced fold-ins', () => {
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
