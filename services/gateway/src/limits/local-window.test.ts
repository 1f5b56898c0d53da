import { describe, expect, it } from 'vitest';
import { localWindowLimiter } from './local-window';

describe('localWindowLimiter', () => {
  it('when a caller exceeds the limit in one window, then the excess is refused until the window ends', () => {
    const l = localWindowLimiter();
    const t = 1_000_000;
    expect([1, 2, 3, 4].map(() => l.hit('ip:a', 3, 60_000, t).allowed)).toEqual([true, true, true, false]);
    expect(l.hit('ip:a', 3, 60_000, t + 30_000).retryAfterMs).toBe(30_000);
    expect(l.hit('ip:b', 3, 60_000, t).allowed).toBe(true);
    expect(l.hit('ip:a', 3, 60_000, t + 60_000).allowed).toBe(true);
  });

  it('when more callers arrive than it tracks, then the oldest is forgotten', () => {
    const l = localWindowLimiter(2);
    l.hit('a', 1, 60_000, 0);
    l.hit('b', 1, 60_000, 0);
    l.hit('c', 1, 60_000, 0);
    expect(l.hit('a', 1, 60_000, 0).allowed).toBe(true);
    expect(l.hit('c', 1, 60_000, 0).allowed).toBe(false);
  });
});
