import { type LocalCache, localCache, PendingDeletions, type Redis, redisReady } from '@marquee/platform-cache';

/**
 * The writes and deletions of cached lists that follow a commit (fold-ins, profile changes, erasure, deleted movies),
 * which must not be lost to a Redis outage. While Redis is not up they are not waited for — ioredis would hold each
 * through its reconnection attempts, 5–15 s per consumer chunk, and then give up — and their keys are remembered
 * instead, as are those of a write that fails; once the connection is ready again they are deleted (platform-cache's
 * PendingDeletions), so neither an older list nor an erased user's list outlives the outage in Redis (the next read
 * builds the list from the database).
 */
export class ListCache {
  private readonly redis: Redis;
  private readonly deletions: PendingDeletions;
  /**
   * The lists written while Redis is not up (at most 2,000 of some 10 KB, for a minute each), so that a user's reads
   * during an outage do not build their list again each time — a fold-in and a queued row per request, while the
   * gateway's general rate limits are off with Redis too. Cleared once Redis is back: it is the cache again.
   */
  private readonly outage: LocalCache<{ value: string }> = localCache({ max: 2_000, ttlMs: 60_000 });

  constructor(redis: Redis) {
    this.redis = redis;
    this.deletions = new PendingDeletions(redis);
    redis.on('ready', () => this.outage.clear());
  }

  /** A list written while Redis is not up; undefined when none is, or once Redis is back. */
  writtenInOutage(key: string): string | undefined {
    return redisReady(this.redis) ? undefined : this.outage.get(key)?.value;
  }

  /** Keys waiting to be deleted once Redis is back. */
  get pending(): number {
    return this.deletions.pending;
  }

  /** Sets each key to its value for ttlSeconds, in one round trip. */
  async set(entries: Array<[key: string, value: string]>, ttlSeconds: number): Promise<void> {
    const keys = entries.map(([key]) => key);
    if (!redisReady(this.redis)) {
      for (const [key, value] of entries) this.outage.set(key, { value });
      return this.deletions.remember(keys);
    }
    try {
      const write = this.redis.multi();
      for (const [key, value] of entries) write.set(key, value, 'EX', ttlSeconds);
      const results = await write.exec();
      const failed = results?.find(([err]) => err)?.[0];
      if (failed) throw failed;
    } catch (err) {
      this.deletions.remember(keys);
      throw err;
    }
  }

  delete(keys: string[]): Promise<void> {
    for (const k of keys) this.outage.delete(k);
    return this.deletions.delete(keys);
  }

  /** Resolves once the keys remembered so far have been deleted or remembered again (for tests). */
  settled(): Promise<void> {
    return this.deletions.settled();
  }
}
