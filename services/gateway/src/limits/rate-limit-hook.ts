import { AppError } from '@marquee/platform-http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeferredHits } from './deferred-hits';
import type { LocalWindowLimiter } from './local-window';
import type { LimitDecision } from './sliding-window';

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
const WARN_EVERY_MS = 10_000;

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
 * A caller well inside its budget is answered without waiting for Redis (deferred-hits.ts).
 * If Redis fails, login and register fall back to a per-replica limit (`fallback`) and everything
 * else is let through: losing general rate limiting briefly beats losing the API.
 */
export function rateLimitHook(limiter: DeferredHits, limits: RateLimits, fallback: LocalWindowLimiter) {
  type Guard = { key: string; route: (typeof GUARDED)[string] };
  // While Redis is down every request comes here, at once (redisReady): one warning per WARN_EVERY_MS says so,
  // with how many requests met it since the last, instead of a line per request.
  let warnedAt = Number.NEGATIVE_INFINITY;
  let unwarned = 0;
  const unavailable = (req: FastifyRequest, reply: FastifyReply, err: unknown, guard?: Guard) => {
    if (err instanceof AppError) return err;
    const now = Date.now();
    if (now - warnedAt >= WARN_EVERY_MS) {
      req.log.warn({ err, requestsSinceLastWarning: unwarned }, 'rate limiter unavailable; local limits only');
      warnedAt = now;
      unwarned = 0;
    } else unwarned++;
    if (guard) {
      const d = fallback.hit(guard.key, guard.route.limit(limits));
      if (!d.allowed) return tooMany(reply, d, guard.route.what);
    }
    return undefined;
  };
  const judge = (reply: FastifyReply, d: LimitDecision): AppError | undefined => {
    setHeaders(reply, d);
    return d.allowed ? undefined : tooMany(reply, d, 'requests');
  };
  const general = (req: FastifyRequest, path: string) => {
    const caller = req.identity ? `user:${req.identity.userId}` : `ip:${req.ip}`;
    // Suggestions come with each keystroke: their own budget, so typing a title neither hits 429 nor spends the general one.
    return req.method === 'GET' && path === SUGGEST_PATH
      ? limiter.hit(`suggest:${caller}`, limits.suggestPerMinute)
      : limiter.hit(caller, req.identity ? limits.perUserPerMinute : limits.perIpPerMinute);
  };

  // Callback style: a caller answered from memory costs no promise and no extra tick.
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    if (!req.url.startsWith('/api/')) {
      done();
      return;
    }
    const path = req.url.split('?', 1)[0] as string;
    const guarded = req.method === 'POST' ? GUARDED[path] : undefined;
    if (guarded) {
      const guard = { key: `${path}:${req.ip}`, route: guarded };
      void (async () => {
        const d = await limiter.hit(guard.key, guarded.limit(limits));
        if (!d.allowed) {
          setHeaders(reply, d);
          return tooMany(reply, d, guarded.what);
        }
        return judge(reply, await general(req, path));
      })().then(
        (err) => done(err),
        (err: unknown) => done(unavailable(req, reply, err, guard)),
      );
      return;
    }
    const d = general(req, path);
    if (d instanceof Promise) {
      d.then(
        (x) => done(judge(reply, x)),
        (err: unknown) => done(unavailable(req, reply, err)),
      );
    } else done(judge(reply, d));
  };
}
