import type { LimitDecision } from './sliding-window';

/**
 * A fixed-window counter in this process, for when Redis is down: it guards only login and
 * register (guessing and argon2-heavy account creation) so the limits that matter most hold on each
 * replica. At most `maxKeys` callers are tracked; the oldest are forgotten first.
 */
export function localWindowLimiter(maxKeys = 10_000) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(subject: string, limit: number, windowMs = 60_000, now = Date.now()): LimitDecision {
      let w = windows.get(subject);
      if (!w || now - w.start >= windowMs) {
        windows.delete(subject);
        w = { start: now, count: 0 };
        if (windows.size >= maxKeys) windows.delete(windows.keys().next().value as string);
        windows.set(subject, w);
      }
      const resetMs = w.start + windowMs - now;
      if (w.count >= limit) return { allowed: false, limit, remaining: 0, resetMs, retryAfterMs: resetMs };
      w.count += 1;
      return { allowed: true, limit, remaining: limit - w.count, resetMs, retryAfterMs: 0 };
    },
  };
}

export type LocalWindowLimiter = ReturnType<typeof localWindowLimiter>;
