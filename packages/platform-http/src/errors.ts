/** The one error body every Marquee HTTP response uses. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface FieldProblem {
  field: string;
  reason: string;
}

/** An error with a stable code (DOMAIN.REASON) and the HTTP status it maps to. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);
export const invalidField = (field: string, reason: string) =>
  new AppError(400, 'VALIDATION.FAILED', `${field}: ${reason}`, [{ field, reason } satisfies FieldProblem]);
export const unauthorized = (code: string, message: string) => new AppError(401, code, message);
export const forbidden = (code: string, message: string) => new AppError(403, code, message);
export const notFound = (code: string, message: string) => new AppError(404, code, message);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(409, code, message, details);

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
