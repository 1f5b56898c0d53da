import { AppError } from '@marquee/platform-http';
import type { FastifyReply } from 'fastify';
import type { Redis } from '@marquee/platform-cache';

/** 429 that carries its Retry-After. */
export class TooManyAttemptsError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'AUTH.TOO_MANY_ATTEMPTS', `Too many failed attempts; retry in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
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
 * Counts failed logins per account and per client IP in fixed windows (Redis INCR + EXPIRE NX).
 * Reaching a limit answers 429 with Retry-After until the window ends; a success clears the
 * account's counter. The account key is the email hash or lower-cased username, never PII.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly limits: ThrottleLimits,
    private readonly prefix: string,
  ) {}

  private keys(account: string, ip: string) {
    return { account: `${this.prefix}:account:${account}`, ip: `${this.prefix}:ip:${ip}` };
  }

  /** Seconds until another attempt is allowed, or null when allowed now. */
  async retryAfter(account: string, ip: string): Promise<number | null> {
    const k = this.keys(account, ip);
    const replies = await this.redis.multi().get(k.account).get(k.ip).ttl(k.account).ttl(k.ip).exec();
    const [accountCount, ipCount, accountTtl, ipTtl] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value as string | number | null;
    });
    const blocked: number[] = [];
    if (Number(accountCount ?? 0) >= this.limits.maxPerAccount) blocked.push(Number(accountTtl));
    if (Number(ipCount ?? 0) >= this.limits.maxPerIp) blocked.push(Number(ipTtl));
    if (blocked.length === 0) return null;
    return Math.max(1, ...blocked.map((t) => (t > 0 ? t : this.limits.windowSeconds)));
  }

  async recordFailure(account: string, ip: string): Promise<void> {
    const k = this.keys(account, ip);
    await this.redis
      .multi()
      .incr(k.account)
      .expire(k.account, this.limits.windowSeconds, 'NX')
      .incr(k.ip)
      .expire(k.ip, this.limits.windowSeconds, 'NX')
      .exec();
  }

  async recordSuccess(account: string): Promise<void> {
    await this.redis.del(this.keys(account, '').account);
  }
}

/**
 * Runs a password-confirming action (password change, account deletion) under the same per-account
 * and per-IP failure counters as login, so a stolen access token cannot brute-force the password.
 */
export async function throttledConfirmation<T>(
  throttle: LoginThrottle,
  who: { userId: string; ip: string },
  onBlocked: (retryAfterSeconds: number) => Error,
  action: () => Promise<T>,
): Promise<T> {
  const account = `id:${who.userId}`;
  const wait = await throttle.retryAfter(account, who.ip);
  if (wait !== null) throw onBlocked(wait);
  try {
    return await action();
  } catch (err) {
    if ((err as { code?: string }).code === 'AUTH.WRONG_PASSWORD') await throttle.recordFailure(account, who.ip);
    throw err;
  }
}
