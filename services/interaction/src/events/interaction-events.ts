import { InteractionRecorded, InteractionRemoved, type Static } from '@marquee/contracts';
import { type PendingEvent, pendingEvent } from '@marquee/platform-events';
import type { FeedbackType, InteractionType, Source } from '../domain/interaction-rules';

/** A stored interaction row as the use cases read it back (RETURNING). */
export interface InteractionRow {
  id: number;
  userId: string;
  movieId: number;
  type: InteractionType;
  rating: number | null;
  feedbackType: FeedbackType | null;
  feedbackComment: string | null;
  source: Source;
  /** ISO-8601 with microseconds, as PostgreSQL has it. */
  createdAt: string;
  updatedAt: string;
}

function facts(row: InteractionRow): Static<typeof InteractionRemoved.schema> {
  return {
    interactionId: String(row.id),
    userId: row.userId,
    movieId: row.movieId,
    interactionType: row.type,
    rating: row.rating,
    feedbackType: row.feedbackType,
    hasFeedbackComment: row.feedbackComment !== null,
    source: row.source,
    at: new Date(row.updatedAt).toISOString(),
  };
}

/** interaction.recorded, keyed by user id so one user's events stay in order. */
export function interactionRecorded(row: InteractionRow, previousRating: number | null): PendingEvent {
  return pendingEvent(InteractionRecorded, row.userId, { ...facts(row), previousRating }) as PendingEvent;
}

export function interactionRemoved(row: InteractionRow): PendingEvent {
  return pendingEvent(InteractionRemoved, row.userId, facts(row)) as PendingEvent;
}
