import { PendingDeletions, type Redis, redisReady } from '@marquee/platform-cache';

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

  constructor(redis: Redis) {
    this.redis = redis;
    this.deletions = new PendingDeletions(redis);
  }

  /** Keys waiting to be deleted once Redis is back. */
  get pending(): number {
    return this.deletions.pending;
  }

  /** Sets each key to its value for ttlSeconds, in one round trip. */
  async set(entries: Array<[key: string, value: string]>, ttlSeconds: number): Promise<void> {
    const keys = entries.map(([key]) => key);
    if (!redisReady(this.redis)) return this.deletions.remember(keys);
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
    return this.deletions.delete(keys);
  }

  /** Resolves once the keys remembered so far have been deleted or remembered again (for tests). */
  settled(): Promise<void> {
    return this.deletions.settled();
  }
}
