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
