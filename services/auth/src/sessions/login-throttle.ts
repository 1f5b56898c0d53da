import { AppError } from '@marquee/platform-http';
import type { FastifyReply } from 'fastify';
import { type Redis, redisReady } from '@marquee/platform-cache';
import { throttleNetwork } from '../domain/throttle-subject';

/** 429 that carries its Retry-After. */
export class TooManyAttemptsError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(429, 'AUTH.TOO_MANY_ATTEMPTS', `Too many failed attempts; retry in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Builds the 429 and sets Retry-After on the reply. */
export const tooMany = (reply: FastifyReply) => (retryAfterSeconds: number) => {
  reply.header('retry-after', String(retryAfterSeconds));
  return new TooManyAttemptsError(retryAfterSeconds);
};

export interface ThrottleLimits {
  windowSeconds: number;
  maxPerAccount: number;
  maxPerIp: number;
}

/**
 * Counts the attempt on both keys before anything is verified, in one step: parallel guesses each
 * get their own number, so no more than the limit ever reach the password check.
 * Returns 0 when allowed, else the seconds until the fullest window ends.
 */
const ATTEMPT_SCRIPT = `
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, window) end
  if n > tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = window end
    if ttl > wait then wait = ttl end
  end
end
return wait
`;

/** A success clears the account's count and gives its attempt back to the network's budget. */
const SUCCESS_SCRIPT = `
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 0
`;

type WithCommand = Redis & {
  marqueeLoginAttempt(account: string, ip: string, window: number, maxAccount: number, maxIp: number): Promise<number>;
  marqueeLoginSuccess(account: string, ip: string): Promise<number>;
};

/**
 * Counts login attempts per account id and per client network (IPv6 by /64) in fixed windows,
 * atomically in one Lua script. Past a limit: 429 with Retry-After until the window ends; a
 * success clears the account's counter. The account key is a user id or a hash, never PII.
 */
export class LoginThrottle {
  private readonly redis: WithCommand;
  private readonly limits: ThrottleLimits;
  private readonly prefix: string;

  constructor(redis: Redis, limits: ThrottleLimits, prefix: string) {
    this.limits = limits;
    this.prefix = prefix;
    this.redis = redis as WithCommand;
    if (typeof this.redis.marqueeLoginAttempt !== 'function') {
      redis.defineCommand('marqueeLoginAttempt', { numberOfKeys: 2, lua: ATTEMPT_SCRIPT });
      redis.defineCommand('marqueeLoginSuccess', { numberOfKeys: 2, lua: SUCCESS_SCRIPT });
    }
  }

  private keys(account: string, ip: string): [string, string] {
    return [`${this.prefix}:account:${account}`, `${this.prefix}:ip:${throttleNetwork(ip)}`];
  }

  /**
   * Counts one attempt; seconds to wait when over a limit, null when it may go on to verification. Without Redis no
   * attempt can be counted, so none is verified: 503 at once rather than after the connection's retries, and 503 too
   * when the count fails (a connection gone silent, failed by platform-cache's timeouts), not a 500.
   */
  async attempt(account: string, ip: string): Promise<number | null> {
    if (!redisReady(this.redis)) throw throttleUnavailable();
    let wait: number;
    try {
      wait = await this.redis.marqueeLoginAttempt(
        ...this.keys(account, ip),
        this.limits.windowSeconds,
        this.limits.maxPerAccount,
        this.limits.maxPerIp,
      );
    } catch {
      throw throttleUnavailable();
    }
    return wait > 0 ? wait : null;
  }

  /**
   * Clears the account's failures; skipped without Redis, and a failure to clear them is not the caller's (they
   * expire with their window): a right password must not turn into an error after it was verified.
   */
  async recordSuccess(account: string, ip: string): Promise<void> {
    if (!redisReady(this.redis)) return;
    await this.redis.marqueeLoginSuccess(...this.keys(account, ip)).catch(() => {});
  }
}

function throttleUnavailable(): AppError {
  return new AppError(503, 'AUTH.THROTTLE_UNAVAILABLE', 'Password attempts cannot be counted right now; retry shortly');
}

/**
 * Runs a password-confirming action (password change, account deletion) under the same per-account
 * and per-network attempt counters as login, so a stolen access token cannot brute-force the password.
 */
export async function throttledConfirmation<T>(
  throttle: LoginThrottle,
  who: { userId: string; ip: string },
  onBlocked: (retryAfterSeconds: number) => Error,
  action: () => Promise<T>,
): Promise<T> {
  const account = `id:${who.userId}`;
  const wait = await throttle.attempt(account, who.ip);
  if (wait !== null) throw onBlocked(wait);
  try {
    const result = await action();
    await throttle.recordSuccess(account, who.ip);
    return result;
  } catch (err) {
    // Any other failure comes after the password was confirmed: the attempt was not a guess.
    if ((err as { code?: string }).code !== 'AUTH.WRONG_PASSWORD') await throttle.recordSuccess(account, who.ip);
    throw err;
  }
}
