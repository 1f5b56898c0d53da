import type { FieldCipher } from '@marquee/platform-crypto';

/**
 * Feedback comments are free text a user writes: personal data, stored encrypted (INTERACTION_ENCRYPTION_KEYS) and
 * bound to their row's key, so a value copied to another user's or movie's row does not decrypt. The encryption
 * is deterministic (a synthetic IV): the same comment on the same row gives the same stored value, which is how
 * record_interactions sees that a repeated PUT changed nothing and publishes nothing for it.
 */
export const commentContext = (userId: string, movieId: number, type: string): string =>
  `user_movie_interactions.feedback_comment:${userId}:${movieId}:${type}`;

interface CommentKey {
  userId: string;
  movieId: number;
  type: string;
  feedbackComment: string | null;
}

/** The input as it is stored: its comment encrypted under the active key. */
export function sealComment<T extends CommentKey>(cipher: FieldCipher, input: T): T {
  if (input.feedbackComment === null) return input;
  const context = commentContext(input.userId, input.movieId, input.type);
  return { ...input, feedbackComment: cipher.encryptDeterministic(input.feedbackComment, context) };
}

/**
 * The row as a user reads it: its comment decrypted. A comment still in plain text (written before comments were
 * encrypted, until the next start has encrypted it) reads as it is.
 */
export function openComment<T extends CommentKey>(cipher: FieldCipher, row: T): T {
  if (row.feedbackComment === null || !cipher.isEncrypted(row.feedbackComment)) return row;
  const context = commentContext(row.userId, row.movieId, row.type);
  return { ...row, feedbackComment: cipher.decrypt(row.feedbackComment, context) };
}

/** True when a stored comment has to be written again: plain text, or under a key other than the active one. */
export const commentNeedsSealing = (cipher: FieldCipher, stored: string): boolean =>
  !cipher.isEncrypted(stored) || cipher.isStale(stored);
