import type { InteractionRecorded, InteractionRemoved, Static } from '@marquee/contracts';

type Recorded = Static<typeof InteractionRecorded.schema>;
type Removed = Static<typeof InteractionRemoved.schema>;

export interface CounterDelta {
  views: number;
  likes: number;
  ratingSum: number;
  ratingCount: number;
}

/** How one interaction event moves a movie's counters; pure, so the rules read in one place. */
export function deltaOf(kind: 'recorded' | 'removed', i: Recorded | Removed): CounterDelta | undefined {
  const sign = kind === 'recorded' ? 1 : -1;
  switch (i.interactionType) {
    case 'view':
      return { views: sign, likes: 0, ratingSum: 0, ratingCount: 0 };
    case 'like':
      return { views: 0, likes: sign, ratingSum: 0, ratingCount: 0 };
    case 'rating': {
      if (i.rating === null) return undefined;
      const previous = 'previousRating' in i ? i.previousRating : null;
      // A changed rating moves the sum, not the count.
      if (kind === 'recorded' && previous !== null)
        return { views: 0, likes: 0, ratingSum: i.rating - previous, ratingCount: 0 };
      return { views: 0, likes: 0, ratingSum: sign * i.rating, ratingCount: sign };
    }
    default:
      return undefined;
  }
}

/**
 * One counter's change over several events, as the table applies each: an event sets x to max(0, x + d), and
 * a run of those is x ↦ max(floor, x + add) (floor ≥ 0). A chunk's events for one movie become one UPDATE that
 * ends where the events one by one would have, clamps at zero included.
 */
export interface ClampedChange {
  floor: number;
  add: number;
}

export type CounterChange = Record<keyof CounterDelta, ClampedChange>;

const clampedThen = (c: ClampedChange, d: number): ClampedChange => ({
  floor: Math.max(0, c.floor + d),
  add: c.add + d,
});

/** No change: max(0, x + 0) is x for the table's counters, which are never negative. */
export function noChange(): CounterChange {
  return {
    views: { floor: 0, add: 0 },
    likes: { floor: 0, add: 0 },
    ratingSum: { floor: 0, add: 0 },
    ratingCount: { floor: 0, add: 0 },
  };
}

/** The change `c` followed by one event's delta. */
export function changeThen(c: CounterChange, d: CounterDelta): CounterChange {
  return {
    views: clampedThen(c.views, d.views),
    likes: clampedThen(c.likes, d.likes),
    ratingSum: clampedThen(c.ratingSum, d.ratingSum),
    ratingCount: clampedThen(c.ratingCount, d.ratingCount),
  };
}

/** A counter value after a change (what the UPDATE computes as greatest(floor, x + add)). */
export function applyClamped(x: number, c: ClampedChange): number {
  return Math.max(c.floor, x + c.add);
}
