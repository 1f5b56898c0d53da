import { type Redis, RedisUnavailableError, redisReady } from '@marquee/platform-cache';

/**
 * Sliding-window counter, atomic in Redis so every gateway replica shares one budget per caller.
 * One hash per caller: w = current window index, c = its count, p = the previous window's count.
 * The estimate p × (share of the previous window still inside the last minute) + c is compared with
 * the limit; rejected requests are not counted, so a client that backs off recovers on time.
 * Time comes from Redis (TIME), not from each replica's clock.
 * With ARGV[3] = n it records n requests the caller already let through (deferred-hits.ts) without judging them.
 * Returns { allowed (1|0), remaining, reset ms (until the current window ends), retry-after ms }.
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local idx = math.floor(now / window)
local h = redis.call('HMGET', KEYS[1], 'w', 'c', 'p')
local w = tonumber(h[1]) or idx
local c = tonumber(h[2]) or 0
local p = tonumber(h[3]) or 0
if w == idx - 1 then p = c; c = 0 elseif w ~= idx then p = 0; c = 0 end
local into = now - idx * window
local weighted = p * (window - into) / window + c
local reset = window - into
local admitted = tonumber(ARGV[3])
if admitted then
  c = c + admitted
  redis.call('HSET', KEYS[1], 'w', idx, 'c', c, 'p', p)
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return {1, math.max(0, math.floor(limit - weighted - admitted)), reset, 0}
end
if weighted + 1 > limit then
  local retry
  if c + 1 > limit then
    retry = reset + math.ceil(math.max(0, 1 - (limit - 1) / c) * window)
  else
    retry = math.max(1, math.ceil((1 - (limit - 1 - c) / p) * window) - into)
  end
  redis.call('HSET', KEYS[1], 'w', idx, 'c', c, 'p', p)
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return {0, 0, reset, retry}
end
c = c + 1
redis.call('HSET', KEYS[1], 'w', idx, 'c', c, 'p', p)
redis.call('PEXPIRE', KEYS[1], window * 2)
return {1, math.max(0, math.floor(limit - weighted - 1)), reset, 0}
`;

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

type WithCommand = Redis & {
  marqueeSlidingWindow(
    key: string,
    windowMs: number,
    limit: number,
    admitted?: number,
  ): Promise<[number, number, number, number]>;
};

export function slidingWindowLimiter(redis: Redis, keyPrefix: string) {
  const r = redis as WithCommand;
  if (typeof r.marqueeSlidingWindow !== 'function') {
    redis.defineCommand('marqueeSlidingWindow', { numberOfKeys: 1, lua: SCRIPT });
  }
  // Not waited for while Redis is down (redisReady): the hook lets the request through, or applies its local limit.
  const ready = () => {
    if (!redisReady(redis)) throw new RedisUnavailableError(redis.status);
  };
  return {
    /** Counts one request of `subject` (e.g. `user:<id>`) against `limit` per `windowMs`. */
    async hit(subject: string, limit: number, windowMs = 60_000): Promise<LimitDecision> {
      ready();
      const [allowed, remaining, resetMs, retryAfterMs] = await r.marqueeSlidingWindow(
        `${keyPrefix}rl:{${subject}}`,
        windowMs,
        limit,
      );
      return { allowed: allowed === 1, limit, remaining, resetMs, retryAfterMs };
    },
    /** Adds `admitted` requests of `subject` that were already let through; answers the budget left after them. */
    async record(subject: string, limit: number, admitted: number, windowMs = 60_000): Promise<LimitDecision> {
      ready();
      const [, remaining, resetMs] = await r.marqueeSlidingWindow(
        `${keyPrefix}rl:{${subject}}`,
        windowMs,
        limit,
        admitted,
      );
      return { allowed: true, limit, remaining, resetMs, retryAfterMs: 0 };
    },
  };
}

export type SlidingWindowLimiter = ReturnType<typeof slidingWindowLimiter>;
