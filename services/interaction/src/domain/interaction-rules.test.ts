import { describe, expect, it } from 'vitest';
import { excludedType, type InteractionInput, interactionProblems, latestPerSlot } from './interaction-rules';
import { decodeCursor, encodeCursor } from './library-cursor';

const row = (over: Partial<InteractionInput>): InteractionInput => ({
  userId: 'u1',
  movieId: 1,
  type: 'view',
  rating: null,
  feedbackType: null,
  feedbackComment: null,
  source: 'web',
  at: null,
  ...over,
});

describe('interaction rules', () => {
  it('When a rating comes on another type or is missing on type rating, then the rating field is named', () => {
    expect(interactionProblems(row({ type: 'like', rating: 4 }))).toEqual([
      { field: 'rating', reason: 'is only accepted on type rating, not like' },
    ]);
    expect(interactionProblems(row({ type: 'rating' }), 'items.3.')).toEqual([
      { field: 'items.3.rating', reason: 'is required for type rating' },
    ]);
    expect(interactionProblems(row({ type: 'rating', rating: 5 }))).toEqual([]);
  });

  it('When a comment comes without a feedback type, then feedbackComment is refused', () => {
    expect(interactionProblems(row({ feedbackComment: 'meh' }))[0]?.field).toBe('feedbackComment');
    expect(interactionProblems(row({ feedbackType: 'negative', feedbackComment: 'meh' }))).toEqual([]);
  });

  it('When like or dislike is recorded, then the other is the excluded type; other types exclude nothing', () => {
    expect(excludedType('like')).toBe('dislike');
    expect(excludedType('dislike')).toBe('like');
    expect(excludedType('favorite')).toBeUndefined();
  });

  it('When imported rows compete for one slot, then the latest wins and like/dislike share a slot', () => {
    const t = (s: number) => new Date(s * 1000);
    const kept = latestPerSlot([
      { index: 0, input: row({ type: 'rating', rating: 3, at: t(10) }) },
      { index: 1, input: row({ type: 'rating', rating: 4, at: t(5) }) },
      { index: 2, input: row({ type: 'like', at: t(1) }) },
      { index: 3, input: row({ type: 'dislike', at: t(2) }) },
      { index: 4, input: row({ type: 'rating', rating: 2, movieId: 2, at: t(1) }) },
    ]);
    expect(kept).toEqual([0, 3, 4]);
  });
});

describe('library cursor', () => {
  it('When a cursor is encoded, then it decodes to the same position', () => {
    const c = { updatedAt: '2026-11-30 17:02:01.123456+00', id: 42 };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('When a cursor is forged or garbled, then it is refused', () => {
    expect(decodeCursor('not-a-cursor')).toBeUndefined();
    expect(decodeCursor(Buffer.from(JSON.stringify(["'; drop table x", 1])).toString('base64url'))).toBeUndefined();
    expect(
      decodeCursor(Buffer.from(JSON.stringify(['2026-11-30 17:02:01+00', -1])).toString('base64url')),
    ).toBeUndefined();
  });
});
