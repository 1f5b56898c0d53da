import { createHmac } from 'node:crypto';

/** Normalises an email for lookup: trimmed, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The keyed hash that makes emails unique and findable without storing them in clear. */
export function emailLookupHash(hashKey: Buffer, email: string): string {
  return createHmac('sha256', hashKey).update(normalizeEmail(email)).digest('hex');
}
