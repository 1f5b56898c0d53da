import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emailLookupHash } from './field-encryption';

describe('emailLookupHash', () => {
  it('When emails differ only in case or spaces, then their lookup hashes match', () => {
    const key = randomBytes(32);
    expect(emailLookupHash(key, ' Ada@Example.com')).toBe(emailLookupHash(key, 'ada@example.com'));
    expect(emailLookupHash(randomBytes(32), 'ada@example.com')).not.toBe(emailLookupHash(key, 'ada@example.com'));
  });
});
