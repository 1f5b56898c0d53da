import { invalidField, Type } from '@marquee/platform-http';
import type { FieldCipher } from '@marquee/platform-crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { FEEDBACK_TYPES, INTERACTION_TYPES, SOURCES } from '../db/schema';
import { openComment } from '../domain/feedback-comment';
import type { InteractionRow } from '../events/interaction-events';

/** A string enum with one error naming the allowed values (a union of literals would report one per literal). */
const stringEnum = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const InteractionTypeSchema = stringEnum(INTERACTION_TYPES, 'What the user did.');
export const FeedbackTypeSchema = stringEnum(FEEDBACK_TYPES, 'Explicit feedback on the movie.');
export const SourceSchema = stringEnum(SOURCES, 'Where it happened (default web).');
export const MovieIdSchema = Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Catalog movie id.' });
export const UserIdSchema = Type.String({ format: 'uuid' });

export const InteractionView = Type.Object({
  id: Type.Integer(),
  movieId: Type.Integer(),
  type: InteractionTypeSchema,
  rating: Nullable(Type.Integer()),
  feedbackType: Nullable(FeedbackTypeSchema),
  feedbackComment: Nullable(Type.String()),
  source: SourceSchema,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type InteractionView = Static<typeof InteractionView>;

/** A stored row as its user reads it (the comment decrypted). */
export function toView(stored: InteractionRow, cipher: FieldCipher): InteractionView {
  const row = openComment(cipher, stored);
  return {
    id: row.id,
    movieId: row.movieId,
    type: row.type,
    rating: row.rating,
    feedbackType: row.feedbackType,
    feedbackComment: row.feedbackComment,
    source: row.source,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorResponse]));
export const security = [{ bearerAuth: [] }];

/** A misspelt filter must not be ignored silently: unknown query keys are a 400 naming the key. */
export function rejectUnknownQueryKeys(allowed: string[]) {
  const known = new Set(allowed);
  return async (req: FastifyRequest) => {
    for (const key of Object.keys((req.query as Record<string, unknown>) ?? {})) {
      if (!known.has(key))
        throw invalidField(`querystring.${key}`, `is not a known parameter (expected one of ${allowed.join(', ')})`);
    }
  };
}
