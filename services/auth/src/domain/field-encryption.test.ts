import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emailLookupHash, FieldCipher } from './field-encryption';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('FieldCipher', () => {
  it('When a value is encrypted, then it round-trips and names its key id', () => {
    const cipher = new FieldCipher(new Map([['k1', k1]]), 'k1');
    const ct = cipher.encrypt('ada@example.com', 'users.email:1');
    expect(ct).toMatch(/^v1:k1:/);
    expect(ct).not.toContain('ada');
    expect(cipher.decrypt(ct, 'users.email:1')).toBe('ada@example.com');
  });

  it('When the active key changes, then old values still decrypt and are reported stale', () => {
    const old = new FieldCipher(new Map([['k1', k1]]), 'k1').encrypt('+4915112345678', 'users.phone:1');
    const rotated = new FieldCipher(
      new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
      'k2',
    );
    expect(rotated.decrypt(old, 'users.phone:1')).toBe('+4915112345678');
    expect(rotated.isStale(old)).toBe(true);
    expect(rotated.isStale(rotated.encrypt('x', 'c'))).toBe(false);
  });

  it('When a ciphertext is moved to another row or tampered with, then it does not decrypt', () => {
    const cipher = new FieldCipher(new Map([['k1', k1]]), 'k1');
    const ct = cipher.encrypt('secret', 'users.email:1');
    expect(() => cipher.decrypt(ct, 'users.email:2')).toThrow();
    const parts = ct.split(':');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => cipher.decrypt(parts.join(':'), 'users.email:1')).toThrow();
  });

  it('When the tag is cut short or the IV has another length, then the value is refused', () => {
    const cipher = new FieldCipher(new Map([['k1', randomBytes(32)]]), 'k1');
    const [v, kid, iv, tag, ct] = cipher.encrypt('ada@example.com', 'users.email:1').split(':') as string[];
    const short = Buffer.from(tag as string, 'base64')
      .subarray(0, 4)
      .toString('base64');
    expect(() => cipher.decrypt([v, kid, iv, short, ct].join(':'), 'users.email:1')).toThrow();
    const longIv = randomBytes(16).toString('base64');
    expect(() => cipher.decrypt([v, kid, longIv, tag, ct].join(':'), 'users.email:1')).toThrow(/malformed/);
  });

  it('When the key ring lacks the active kid or a key is short, then construction fails', () => {
    expect(() => FieldCipher.fromConfig(`k1:${k1.toString('base64')}`, 'k9')).toThrow(/k9/);
    expect(() => FieldCipher.fromConfig(`k1:${randomBytes(16).toString('base64')}`, 'k1')).toThrow(/32 bytes/);
  });

  it('When emails differ only in case or spaces, then their lookup hashes match', () => {
    const key = randomBytes(32);
    expect(emailLookupHash(key, ' Ada@Example.com')).toBe(emailLookupHash(key, 'ada@example.com'));
    expect(emailLookupHash(randomBytes(32), 'ada@example.com')).not.toBe(emailLookupHash(key, 'ada@example.com'));
  });
});
