import { AppError } from '@marquee/platform-http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LimitDecision, SlidingWindowLimiter } from './sliding-window';

export interface RateLimits {
  perUserPerMinute: number;
  perIpPerMinute: number;
  loginPerIpPerMinute: number;
}

const LOGIN_PATH = '/api/v1/auth/login';

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
 * every replica through Redis; login attempts have their own, smaller per-IP budget.
 * If Redis fails the request is let through: losing rate limiting briefly beats losing the API.
 */
export function rateLimitHook(limiter: SlidingWindowLimiter, limits: RateLimits) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!req.url.startsWith('/api/')) return;
    try {
      if (req.method === 'POST' && req.url.split('?')[0] === LOGIN_PATH) {
        const login = await limiter.hit(`login:${req.ip}`, limits.loginPerIpPerMinute);
        if (!login.allowed) {
          setHeaders(reply, login);
          throw tooMany(reply, login, 'login attempts from this address');
        }
      }
      const d = req.identity
        ? await limiter.hit(`user:${req.identity.userId}`, limits.perUserPerMinute)
        : await limiter.hit(`ip:${req.ip}`, limits.perIpPerMinute);
      setHeaders(reply, d);
      if (!d.allowed) throw tooMany(reply, d, 'requests');
    } catch (err) {
      if (err instanceof AppError) throw err;
      req.log.warn({ err }, 'rate limiter unavailable; request let through');
    }
  };
}
