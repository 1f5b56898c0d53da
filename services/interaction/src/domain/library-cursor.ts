/** Keyset position in a library page: the last row's exact updated_at (PostgreSQL text, microseconds) and id. */
export interface LibraryCursor {
  updatedAt: string;
  id: number;
}

const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function encodeCursor(c: LibraryCursor): string {
  return Buffer.from(JSON.stringify([c.updatedAt, c.id])).toString('base64url');
}

/** The cursor, or undefined when it was not made by encodeCursor (the route answers 400). */
export function decodeCursor(raw: string): LibraryCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [updatedAt, id] = value as [unknown, unknown];
    if (typeof updatedAt !== 'string' || !TIMESTAMP_RE.test(updatedAt)) return undefined;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) return undefined;
    return { updatedAt, id };
  } catch {
    return undefined;
  }
}
