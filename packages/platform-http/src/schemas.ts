import { type TSchema, Type } from '@sinclair/typebox';

/** The one error body, as a response schema (OpenAPI shows it on every 4xx/5xx a route declares). */
export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

/** Response schemas for a route's error statuses: `response: { 200: View, ...errors(400, 404) }`. */
export const errors = (...statuses: number[]): Record<number, typeof ErrorResponse> =>
  Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));

/** A value or null. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
