import type { FieldProblem } from '@marquee/platform-http';

export type InteractionType = 'view' | 'like' | 'dislike' | 'favorite' | 'watchlist' | 'rating';
export type FeedbackType = 'positive' | 'negative' | 'not_interested' | 'already_seen';
export type Source = 'web' | 'mobile' | 'email' | 'push';

/** One interaction as a request states it (live or imported). */
export interface InteractionInput {
  userId: string;
  movieId: number;
  type: InteractionType;
  rating: number | null;
  feedbackType: FeedbackType | null;
  feedbackComment: string | null;
  source: Source;
  /** Original time of an imported interaction; live writes take the commit's clock. */
  at: Date | null;
}

/** Rules the schema cannot say: a rating belongs to type rating only and type rating needs one. */
export function interactionProblems(
  i: Pick<InteractionInput, 'type' | 'rating' | 'feedbackType' | 'feedbackComment'>,
  prefix = '',
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (i.type === 'rating' && i.rating === null)
    problems.push({ field: `${prefix}rating`, reason: 'is required for type rating' });
  if (i.type !== 'rating' && i.rating !== null)
    problems.push({ field: `${prefix}rating`, reason: `is only accepted on type rating, not ${i.type}` });
  if (i.feedbackComment !== null && i.feedbackType === null)
    problems.push({ field: `${prefix}feedbackComment`, reason: 'needs a feedbackType' });
  return problems;
}

/** Like and dislike exclude each other: recording one removes the other. */
export function excludedType(type: InteractionType): InteractionType | undefined {
  if (type === 'like') return 'dislike';
  if (type === 'dislike') return 'like';
  return undefined;
}

/** The key under which two writes compete: like and dislike of one movie are one slot. */
export function slotOf(i: InteractionInput): string {
  const slot = excludedType(i.type) ? 'like|dislike' : i.type;
  return `${i.userId}|${i.movieId}|${slot}`;
}

/**
 * Of imported rows competing for one slot, keeps the latest (ties: the later row), so a batch never writes
 * one row twice; returns the indexes kept, in input order.
 */
export function latestPerSlot(rows: { index: number; input: InteractionInput }[]): number[] {
  const winner = new Map<string, { index: number; at: number }>();
  for (const { index, input } of rows) {
    const at = input.at?.getTime() ?? Number.POSITIVE_INFINITY;
    const key = slotOf(input);
    const current = winner.get(key);
    if (!current || at >= current.at) winner.set(key, { index, at });
  }
  return [...winner.values()].map((w) => w.index).sort((a, b) => a - b);
}
