import { describe, expect, it } from 'vitest';
import { FoldInPacer } from './fold-in-pacer';

describe('FoldInPacer', () => {
  it('when users have not been folded in within the interval, then they are folded in now', () => {
    const p = new FoldInPacer(5000);
    expect(p.split(['a', 'b'], 1000)).toEqual({ now: ['a', 'b'], later: [] });
    expect(p.split(['c'], 1000)).toEqual({ now: ['c'], later: [] });
    expect(p.waiting).toBe(0);
  });

  it('when a user comes again within the interval, then they wait until it ends, and later chunks add to that wait', () => {
    const p = new FoldInPacer(5000);
    p.split(['a'], 1000);
    expect(p.split(['a', 'b'], 3000)).toEqual({ now: ['b'], later: ['a'] });
    expect(p.split(['a'], 4000)).toEqual({ now: [], later: ['a'] });
    expect(p.waiting).toBe(1);
    expect(p.takeDue(5999, 10)).toEqual([]);
    expect(p.takeDue(6000, 10)).toEqual(['a']);
    expect(p.waiting).toBe(0);
    // Taken at 6000: that counts as a fold-in, so the next interaction within the interval waits again.
    expect(p.split(['a'], 7000)).toEqual({ now: [], later: ['a'] });
    expect(p.takeDue(10_999, 10)).toEqual([]);
    expect(p.takeDue(11_000, 10)).toEqual(['a']);
  });

  it('when the interval has passed since the last fold-in, then the user is folded in at once again', () => {
    const p = new FoldInPacer(5000);
    p.split(['a'], 1000);
    expect(p.split(['a'], 6000)).toEqual({ now: ['a'], later: [] });
    expect(p.split(['a'], 10_999)).toEqual({ now: [], later: ['a'] });
  });

  it('when more users are due than the limit, then the rest stay for the next round', () => {
    const p = new FoldInPacer(100);
    const users = Array.from({ length: 5 }, (_, i) => `u${i}`);
    p.split(users, 0);
    p.split(users, 50);
    expect(p.takeDue(100, 3)).toEqual(['u0', 'u1', 'u2']);
    expect(p.takeDue(100, 3)).toEqual(['u3', 'u4']);
    expect(p.takeDue(100, 3)).toEqual([]);
  });

  it('when a fold-in fails, then its users are put back and due at once', () => {
    const p = new FoldInPacer(1000);
    p.split(['a'], 0);
    p.split(['a'], 10);
    const taken = p.takeDue(1000, 10);
    p.putBack(taken, 1001);
    expect(p.waiting).toBe(1);
    expect(p.takeDue(1001, 10)).toEqual(['a']);
  });

  it('when a user is forgotten (deleted), then nothing of theirs waits and their next interaction folds in at once', () => {
    const p = new FoldInPacer(1000);
    p.split(['a'], 0);
    p.split(['a'], 10);
    p.forget('a');
    expect(p.waiting).toBe(0);
    expect(p.takeDue(5000, 10)).toEqual([]);
    expect(p.split(['a'], 20)).toEqual({ now: ['a'], later: [] });
  });

  it('when the process stops, then every waiting user is taken, due or not', () => {
    const p = new FoldInPacer(1000);
    p.split(['a', 'b', 'c'], 0);
    p.split(['a', 'b'], 10);
    expect(p.takeAll(20).sort()).toEqual(['a', 'b']);
    expect(p.waiting).toBe(0);
  });

  it('when users stream in for a long time, then it remembers only those folded in within the interval', () => {
    const p = new FoldInPacer(1000);
    for (let t = 0; t < 100_000; t += 10) p.split([`u${t}`], t);
    // One user every 10 ms with a 1 s interval: about 100 remembered, not 10,000.
    expect((p as unknown as { last: Map<string, number> }).last.size).toBeLessThanOrEqual(101);
  });

  it('when the interval is 0, then every user is folded in every time', () => {
    const p = new FoldInPacer(0);
    expect(p.split(['a'], 0)).toEqual({ now: ['a'], later: [] });
    expect(p.split(['a'], 0)).toEqual({ now: ['a'], later: [] });
    expect(p.waiting).toBe(0);
  });

  describe('only under load (paceAbovePerSecond)', () => {
    /** Ten users a chunk, a chunk every `every` ms from `from` to `to`. */
    const stream = (p: FoldInPacer, from: number, to: number, every: number) => {
      for (let t = from; t < to; t += every)
        p.split(
          Array.from({ length: 10 }, (_, i) => `load${t}-${i}`),
          t,
        );
    };

    it('when few fold-ins are asked for, then a user is folded in at once each time', () => {
      const p = new FoldInPacer(5000, { paceAbovePerSecond: 100 });
      expect(p.split(['a'], 1000)).toEqual({ now: ['a'], later: [] });
      expect(p.split(['a'], 1500)).toEqual({ now: ['a'], later: [] });
      expect(p.split(['a', 'b'], 2000)).toEqual({ now: ['a', 'b'], later: [] });
      expect(p.waiting).toBe(0);
    });

    it('when more than that are asked for within a second, then users folded in within the interval wait', () => {
      const p = new FoldInPacer(5000, { paceAbovePerSecond: 100 });
      p.split(['a'], 0);
      // 200 a second from 100 ms on: past 100 once more than 100 were asked for within the last second.
      stream(p, 100, 700, 50);
      expect(p.split(['a'], 700)).toEqual({ now: [], later: ['a'] });
      expect(p.waiting).toBe(1);
    });

    it('when the load has gone, then a waiting user is folded in with their next interaction and no longer waits', () => {
      const p = new FoldInPacer(5000, { paceAbovePerSecond: 100 });
      p.split(['a'], 0);
      stream(p, 100, 2000, 50);
      expect(p.split(['a'], 2000)).toEqual({ now: [], later: ['a'] });
      // Nothing for over a second: the window holds only this chunk.
      expect(p.split(['a'], 3100)).toEqual({ now: ['a'], later: [] });
      expect(p.waiting).toBe(0);
      expect(p.takeDue(10_000, 10)).toEqual([]);
    });

    it('when the load eases to the threshold, then the window counts the last second only', () => {
      const p = new FoldInPacer(5000, { paceAbovePerSecond: 100 });
      stream(p, 0, 1000, 50); // 200 a second
      p.split(['a'], 1000);
      expect(p.split(['a'], 1100)).toEqual({ now: [], later: ['a'] });
      // From 1,000 ms on, 50 a second: by 2,900 ms the last second holds about 50 (and 10 % of the busy one).
      stream(p, 1200, 2900, 200);
      expect(p.split(['a'], 2900)).toEqual({ now: ['a'], later: [] });
    });

    it('when one chunk alone holds more than the threshold, then it is paced (an import replaying a backlog)', () => {
      const p = new FoldInPacer(5000, { paceAbovePerSecond: 100 });
      const users = Array.from({ length: 150 }, (_, i) => `u${i}`);
      expect(p.split(users, 0).now).toHaveLength(150);
      expect(p.split(users, 10).later).toHaveLength(150);
    });
  });
});
