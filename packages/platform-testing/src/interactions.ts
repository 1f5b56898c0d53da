import { randomUUID } from 'node:crypto';
import type { InteractionRecorded, Static } from '@marquee/contracts';

type Interaction = Static<typeof InteractionRecorded.schema>;

/**
 * An interaction.recorded's data as the interaction service would publish it: a web view of the movie, now, with a
 * fresh interaction id and no rating or feedback; a test overrides the fields it is about.
 */
export function interactionRecorded(
  userId: string,
  movieId: number,
  overrides: Partial<Interaction> = {},
): Interaction {
  return {
    interactionId: randomUUID(),
    userId,
    movieId,
    interactionType: 'view',
    rating: null,
    previousRating: null,
    feedbackType: null,
    hasFeedbackComment: false,
    source: 'web',
    at: new Date().toISOString(),
    ...overrides,
  };
}
