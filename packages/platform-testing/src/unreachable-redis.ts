import type { Redis } from 'ioredis';

export interface UnreachableRedis {
  /** The client, pointed where nothing listens. */
  redis: Redis;
  /** Its reconnection attempts so far: a caller that did not wait on the connection leaves the count as it was. */
  reconnections(): number;
  /**
   * Resolves once it has made `attempts` reconnection attempts. ioredis waits 50 · 2^(n-1) ms (at most 5 s, plus up
   * to 200 ms of jitter) before its nth: after the fifth the next is at least 1.6 s away, room for a call that does
   * not wait, while one that waited in the offline queue would see three more attempts fail.
   */
  backedOff(attempts?: number): Promise<void>;
  close(): void;
}

/**
 * A Redis that cannot be reached, for tests of what a service does without one; `connect` builds the client as the
 * service does (platform-cache's connectRedis).
 */
export function unreachableRedis(name: string, connect: (url: string, name: string) => Redis): UnreachableRedis {
  const redis = connect('redis://127.0.0.1:1', name);
  redis.on('error', () => {});
  let attempts = 0;
  redis.on('reconnecting', () => {
    attempts++;
  });
  return {
    redis,
    reconnections: () => attempts,
    async backedOff(wanted = 5) {
      const deadline = Date.now() + 30_000;
      while (attempts < wanted) {
        if (Date.now() > deadline) throw new Error(`${name}: only ${attempts} reconnection attempts in 30 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => redis.disconnect(),
  };
}
