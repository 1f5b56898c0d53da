import { cacheMetrics, readCached, readCachedMany } from '@marquee/platform-cache';
import { withUser } from '@marquee/platform-db';
import type { RecommendationContext } from '../context';
import { cacheKey, type StoredList } from './compute-lists';
import { refreshUser } from './refresh-user';
import { decodeStoredList, defaultPage, storedDefaultPage } from './stored-value';

/** Lists built at once for users missing from Redis (each is one transaction). */
const REFRESH_CONCURRENCY = 4;

/** Builds and stores a user's list on first use; Redis gets it only after the rows are committed. */
async function refreshCommitted(ctx: RecommendationContext, userId: string): Promise<StoredList> {
  const effects: Array<() => Promise<void> | void> = [];
  const list = await withUser(ctx.database.db, userId, (tx) => refreshUser(ctx, tx, userId, (e) => effects.push(e)));
  for (const effect of effects) await effect();
  return list;
}

/**
 * Users' stored lists (their variant's algorithm, every exclusion applied), in the order asked: from Redis in one
 * MGET, and for a user missing there built and stored on first use — cold-start picks for a user with no history.
 * Behind both `GET /v1/me/recommendations` and the `recommendation.for-users` answer.
 */
export function currentLists(ctx: RecommendationContext) {
  const stored = cacheMetrics(ctx.metrics, 'recommendations');
  return async (userIds: string[]): Promise<StoredList[]> => {
    // Without a connection every list is built from the database at once, not after Redis' reconnections; a read
    // that fails (a connection gone silent: platform-cache's timeouts) the same way, a little later.
    const cached = await readCachedMany(
      ctx.redis,
      userIds.map((id) => cacheKey(ctx, id)),
    );
    const lists = userIds.map((id, i) => {
      const c = cached?.[i];
      stored.record(c ? 'hit' : cached ? 'miss' : 'error');
      if (c) return decodeStoredList(c);
      // Built during this outage already (ListCache): not built again per read.
      const built = cached ? undefined : ctx.lists.writtenInOutage(cacheKey(ctx, id));
      return built ? decodeStoredList(built) : undefined;
    });
    const missing = lists.flatMap((l, i) => (l ? [] : [i]));
    let next = 0;
    const worker = async () => {
      for (let k = next++; k < missing.length; k = next++) {
        const i = missing[k] as number;
        lists[i] = await refreshCommitted(ctx, userIds[i] as string);
      }
    };
    await Promise.all(Array.from({ length: Math.min(REFRESH_CONCURRENCY, missing.length) }, worker));
    return lists as StoredList[];
  };
}
export type CurrentLists = ReturnType<typeof currentLists>;

/**
 * One user's default page (`GET /v1/me/recommendations` with no query), as sent: the prefix of the stored value,
 * neither parsed nor serialised again; built and stored on first use as currentLists does.
 */
export function currentDefaultPage(ctx: RecommendationContext) {
  const stored = cacheMetrics(ctx.metrics, 'recommendations');
  const size = ctx.config.RECOMMENDATION_LIST_SIZE;
  return async (userId: string): Promise<string> => {
    const key = cacheKey(ctx, userId);
    const cached = await readCached(ctx.redis, key);
    stored.record(cached ? 'hit' : cached === null ? 'miss' : 'error');
    const value = cached ?? (cached === undefined ? ctx.lists.writtenInOutage(key) : undefined);
    return value ? storedDefaultPage(value, size) : defaultPage(await refreshCommitted(ctx, userId), size);
  };
}
