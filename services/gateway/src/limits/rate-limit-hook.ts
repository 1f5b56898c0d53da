import { AppError } from '@marquee/platform-http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LocalWindowLimiter } from './local-window';
import type { LimitDecision, SlidingWindowLimiter } from './sliding-window';

export interface RateLimits {
  perUserPerMinute: number;
  perIpPerMinute: number;
  loginPerIpPerMinute: number;
  registerPerIpPerMinute: number;
  suggestPerMinute: number;
}

/** Routes with their own, smaller per-IP budget: password guessing and argon2-costly sign-ups. */
const GUARDED: Record<string, { what: string; limit: (l: RateLimits) => number }> = {
  '/api/v1/auth/login': { what: 'login attempts from this address', limit: (l) => l.loginPerIpPerMinute },
  '/api/v1/auth/register': { what: 'sign-ups from this address', limit: (l) => l.registerPerIpPerMinute },
};

const SUGGEST_PATH = '/api/v1/search/suggest';

function setHeaders(reply: FastifyReply, d: LimitDecision): void {
  reply.header('x-ratelimit-limit', d.limit);
  reply.header('x-ratelimit-remaining', d.remaining);
  reply.header('x-ratelimit-reset', Math.ceil(d.resetMs / 1000));
}

function tooMany(reply: FastifyReply, d: LimitDecision, what: string): AppError {
  const seconds = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
  reply.header('retry-after', seconds);
  return new AppError(429, 'RATE_LIMIT.EXCEEDED', `Too many ${what}; retry after ${seconds} s`, {
    limit: d.limit,
    retryAfterSeconds: seconds,
  });
}

/**
 * onRequest hook (after registerAuth): one budget per signed-in user, else per client IP, shared by
 * every replica through Redis; login and register have their own, smaller per-IP budgets, title suggestions their own larger one.
 * If Redis fails, login and register fall back to a per-replica limit (`fallback`) and everything
 * else is let through: losing general rate limiting briefly beats losing the API.
 */
export function rateLimitHook(limiter: SlidingWindowLimiter, limits: RateLimits, fallback: LocalWindowLimiter) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!req.url.startsWith('/api/')) return;
    const guarded = req.method === 'POST' ? GUARDED[req.url.split('?')[0] as string] : undefined;
    const guardKey = `${req.url.split('?')[0]}:${req.ip}`;
    try {
      if (guarded) {
        const d = await limiter.hit(guardKey, guarded.limit(limits));
        if (!d.allowed) {
          setHeaders(reply, d);
          throw tooMany(reply, d, guarded.what);
        }
      }
      const caller = req.identity ? `user:${req.identity.userId}` : `ip:${req.ip}`;
      // Suggestions come with each keystroke: their own budget, so typing a title neither hits 429 nor spends the general one.
      const d =
        req.method === 'GET' && req.url.split('?')[0] === SUGGEST_PATH
          ? await limiter.hit(`suggest:${caller}`, limits.suggestPerMinute)
          : await limiter.hit(caller, req.identity ? limits.perUserPerMinute : limits.perIpPerMinute);
      setHeaders(reply, d);
      if (!d.allowed) throw tooMany(reply, d, 'requests');
    } catch (err) {
      if (err instanceof AppError) throw err;
      req.log.warn({ err }, 'rate limiter unavailable; local limits only');
      if (guarded) {
        const d = fallback.hit(guardKey, guarded.limit(limits));
        if (!d.allowed) throw tooMany(reply, d, guarded.what);
      }
    }
  };
}
