import type { LimitDecision, SlidingWindowLimiter } from './sliding-window';

/** What this replica last heard from Redis about one caller, and what it let through since. */
interface Known {
  remaining: number;
  /** Local clock time the current window ends, as Redis said. */
  resetAt: number;
  heardAt: number;
  /** Let through here and not yet sent, and sent but not yet answered. */
  pending: number;
  inFlight: number;
}

interface Unsent {
  subject: string;
  limit: number;
  windowMs: number;
  n: number;
}

export interface DeferredHitsOptions {
  /** How often requests let through locally are added to Redis (one pipeline for every caller). */
  flushMs?: number;
  /** Callers remembered; the oldest are forgotten first (they are then checked in Redis again). */
  maxKeys?: number;
  /** How long what Redis said about a caller is used. */
  freshMs?: number;
  onFlushError?: (err: unknown) => void;
}

/** Below this many requests left (or a tenth of the limit, if more), every request is checked in Redis. */
const MIN_MARGIN = 50;

/**
 * The Redis round trip only where it can change the answer. A caller that Redis recently said has plenty
 * of budget left (more than the margin) is let through at once and counted here; every `flushMs` the
 * counts of all such callers go to Redis in one pipeline, whose answers refresh what this replica knows.
 * Near the limit, or when nothing fresh is known, each request waits for Redis as before, so the limit
 * itself holds; the cost is that a caller spread over several replicas may pass it by what the other
 * replicas let through and have not flushed yet (under half the margin each).
 */
export function deferredHits(limiter: SlidingWindowLimiter, opts: DeferredHitsOptions = {}) {
  const flushMs = opts.flushMs ?? 25;
  const maxKeys = opts.maxKeys ?? 50_000;
  const freshMs = opts.freshMs ?? 10_000;
  const known = new Map<string, Known>();
  const unsent = new Map<string, Unsent>();
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();

  const marginOf = (limit: number) => Math.max(MIN_MARGIN, Math.ceil(limit / 10));

  function remember(subject: string, d: LimitDecision, now: number): void {
    let k = known.get(subject);
    if (!k) {
      if (known.size >= maxKeys) known.delete(known.keys().next().value as string);
      k = { remaining: 0, resetAt: 0, heardAt: 0, pending: 0, inFlight: 0 };
      known.set(subject, k);
    }
    k.remaining = d.remaining;
    k.resetAt = now + d.resetMs;
    k.heardAt = now;
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (unsent.size === 0) return sending;
    const batch = [...unsent.values()];
    unsent.clear();
    // Issued in one tick, so ioredis sends them as one pipeline.
    const answers = batch.map((u) => {
      const k = known.get(u.subject);
      if (k) {
        k.pending = Math.max(0, k.pending - u.n);
        k.inFlight += u.n;
      }
      return limiter.record(u.subject, u.limit, u.n, u.windowMs).then(
        (d) => {
          const k = known.get(u.subject);
          if (!k) return;
          k.inFlight = Math.max(0, k.inFlight - u.n);
          remember(u.subject, d, Date.now());
        },
        (err: unknown) => {
          // Unknown again: the caller's next request is checked in Redis.
          known.delete(u.subject);
          throw err;
        },
      );
    });
    const sent = Promise.all(answers).then(
      () => undefined,
      (err: unknown) => opts.onFlushError?.(err),
    );
    // Waiting for the latest flush also waits for the ones before it.
    sending = Promise.all([sending, sent]).then(() => undefined);
    return sending;
  }

  return {
    /**
     * Counts one request of `subject`: answered at once when the caller is known to be well inside its
     * budget, else after Redis has judged it.
     */
    hit(subject: string, limit: number, windowMs = 60_000): LimitDecision | Promise<LimitDecision> {
      const now = Date.now();
      const k = known.get(subject);
      const margin = marginOf(limit);
      if (k && now - k.heardAt < freshMs && k.pending < margin / 2) {
        const left = k.remaining - k.pending - k.inFlight - 1;
        if (left >= margin) {
          k.pending += 1;
          const u = unsent.get(subject);
          if (u) u.n += 1;
          else unsent.set(subject, { subject, limit, windowMs, n: 1 });
          if (!timer) {
            timer = setTimeout(() => void flush(), flushMs);
            timer.unref();
          }
          const resetMs = (((k.resetAt - now) % windowMs) + windowMs) % windowMs || windowMs;
          return { allowed: true, limit, remaining: left, resetMs, retryAfterMs: 0 };
        }
      }
      // Its requests let through here go first, in the same pipeline, so Redis judges this one knowing them.
      if (unsent.has(subject)) void flush();
      return limiter.hit(subject, limit, windowMs).then((d) => {
        remember(subject, d, Date.now());
        return d;
      });
    },
    /** Sends what was let through and not yet counted in Redis (at shutdown, before Redis closes). */
    flush,
  };
}

export type DeferredHits = ReturnType<typeof deferredHits>;
