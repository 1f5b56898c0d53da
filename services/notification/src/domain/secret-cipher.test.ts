import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretCipher } from './secret-cipher';

const key = () => randomBytes(32).toString('base64');

describe('secret cipher', () => {
  it('when a secret is sealed, then it opens only with the same context and the stored text does not contain it', () => {
    const cipher = SecretCipher.fromConfig(`k1:${key()}`, 'k1');
    const sealed = cipher.seal('very-private-key', 'service_keys.vapid');
    expect(sealed.startsWith('v1:k1:')).toBe(true);
    expect(sealed).not.toContain('very-private-key');
    expect(cipher.isSealed(sealed)).toBe(true);
    expect(cipher.open(sealed, 'service_keys.vapid')).toBe('very-private-key');
    expect(() => cipher.open(sealed, 'service_keys.link-signing')).toThrow();
  });

  it('when the active key changes, then old values still open and are reported stale', () => {
    const ring = `k1:${key()},k2:${key()}`;
    const old = SecretCipher.fromConfig(ring, 'k1').seal('s', 'c');
    const rotated = SecretCipher.fromConfig(ring, 'k2');
    expect(rotated.open(old, 'c')).toBe('s');
    expect(rotated.isStale(old)).toBe(true);
    expect(rotated.isStale(rotated.seal('s', 'c'))).toBe(false);
    expect(() => SecretCipher.fromConfig(`k2:${key()}`, 'k2').open(old, 'c')).toThrow(/"k1"/);
  });

  it('when a value is plain or tampered with, then it does not open', () => {
    const cipher = SecretCipher.fromConfig(`k1:${key()}`, 'k1');
    expect(cipher.isSealed('BKd0plainbase64url')).toBe(false);
    expect(() => cipher.open('BKd0plainbase64url', 'c')).toThrow(/not a sealed value/);
    const parts = cipher.seal('secret', 'c').split(':');
    parts[4] = Buffer.from('other!').toString('base64');
    expect(() => cipher.open(parts.join(':'), 'c')).toThrow();
  });

  it('when the key ring is wrong, then the error names the setting', () => {
    expect(() => SecretCipher.fromConfig('k1:c2hvcnQ=', 'k1')).toThrow(/NOTIFICATION_ENCRYPTION_KEYS.*32 bytes/);
    expect(() => SecretCipher.fromConfig(`k1:${key()}`, 'k9')).toThrow(/NOTIFICATION_ENCRYPTION_ACTIVE_KID/);
  });
});
