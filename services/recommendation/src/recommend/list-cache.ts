import { type Redis, redisReady } from '@marquee/platform-cache';

/** How many keys one DEL of the remembered ones carries. */
const DELETE_BATCH = 500;

/**
 * The writes and deletions of cached lists that follow a commit (fold-ins, profile changes, erasure, deleted movies),
 * which must not be lost to a Redis outage. While Redis is not up they are not waited for — ioredis would hold each
 * through its reconnection attempts, 5–15 s per consumer chunk, and then give up — and their keys are remembered
 * instead, as are those of a write that fails; once the connection is ready again they are deleted, so neither an
 * older list nor an erased user's list outlives the outage in Redis (the next read builds the list from the
 * database). Remembered in this process only: a restart during the outage forgets them, and the lists' TTL bounds
 * what is left then.
 */
export class ListCache {
  private readonly redis: Redis;
  private readonly stale = new Set<string>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(redis: Redis) {
    this.redis = redis;
    redis.on('ready', () => {
      this.flushing = this.flushing.then(() => this.deleteStale());
    });
  }

  /** Keys waiting to be deleted once Redis is back. */
  get pending(): number {
    return this.stale.size;
  }

  /** Sets each key to its value for ttlSeconds, in one round trip. */
  async set(entries: Array<[key: string, value: string]>, ttlSeconds: number): Promise<void> {
    await this.whenUp(
      entries.map(([key]) => key),
      async () => {
        const write = this.redis.multi();
        for (const [key, value] of entries) write.set(key, value, 'EX', ttlSeconds);
        const results = await write.exec();
        const failed = results?.find(([err]) => err)?.[0];
        if (failed) throw failed;
      },
    );
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.whenUp(keys, async () => {
      await this.redis.del(...keys);
    });
  }

  /** Resolves once the keys remembered so far have been deleted or remembered again (for tests). */
  settled(): Promise<void> {
    return this.flushing;
  }

  private async whenUp(keys: string[], work: () => Promise<void>): Promise<void> {
    if (!redisReady(this.redis)) {
      for (const k of keys) this.stale.add(k);
      return;
    }
    try {
      await work();
    } catch (err) {
      for (const k of keys) this.stale.add(k);
      throw err;
    }
  }

  private async deleteStale(): Promise<void> {
    while (this.stale.size > 0 && redisReady(this.redis)) {
      const batch = [...this.stale].slice(0, DELETE_BATCH);
      for (const k of batch) this.stale.delete(k);
      try {
        await this.redis.del(...batch);
      } catch {
        // Remembered again: the next 'ready' tries once more.
        for (const k of batch) this.stale.add(k);
        return;
      }
    }
  }
}
