import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FieldCipher, parseKeyring } from './index';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const key = () => randomBytes(32).toString('base64');

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

  it('When a value is plain text, then it is not taken for an encrypted one', () => {
    const cipher = FieldCipher.fromConfig(`k1:${key()}`, 'k1');
    expect(cipher.isEncrypted('BKd0plainbase64url')).toBe(false);
    expect(cipher.isEncrypted(cipher.encrypt('x', 'c'))).toBe(true);
    expect(() => cipher.decrypt('BKd0plainbase64url', 'c')).toThrow(/not an encrypted value/);
  });

  it('When a value names a key the ring no longer lists, then canDecrypt says so and decrypt names the key', () => {
    const old = FieldCipher.fromConfig(`k1:${key()}`, 'k1').encrypt('s', 'c');
    const other = FieldCipher.fromConfig(`k2:${key()}`, 'k2');
    expect(other.canDecrypt(old)).toBe(false);
    expect(() => other.decrypt(old, 'c')).toThrow(/"k1"/);
  });

  it('When the key ring is wrong, then the error names the setting to fix', () => {
    const names = { keys: 'X_KEYS', activeKid: 'X_ACTIVE_KID' };
    expect(() => FieldCipher.fromConfig('k1:c2hvcnQ=', 'k1', names)).toThrow(/X_KEYS.*32 bytes/);
    expect(() => FieldCipher.fromConfig(`k1:${key()}`, 'k9', names)).toThrow(/X_ACTIVE_KID.*k9/);
    expect(() => parseKeyring(`k1:${key()},k1:${key()}`, 'X_KEYS')).toThrow(/X_KEYS.*twice/);
    expect(() => parseKeyring('nocolon', 'X_KEYS')).toThrow(/X_KEYS/);
    expect(parseKeyring('').size).toBe(0);
  });

  it('When a value is encrypted deterministically, then the same text and context give the same value, and it decrypts', () => {
    const cipher = FieldCipher.fromConfig(`k1:${key()}`, 'k1');
    const a = cipher.encryptDeterministic('Saw it in 1999', 'comment:u1:13');
    expect(cipher.encryptDeterministic('Saw it in 1999', 'comment:u1:13')).toBe(a);
    expect(a).toMatch(/^v1:k1:/);
    expect(a).not.toContain('1999');
    expect(cipher.decrypt(a, 'comment:u1:13')).toBe('Saw it in 1999');
    expect(cipher.encryptDeterministic('Saw it in 1999', 'comment:u2:13')).not.toBe(a);
    expect(cipher.encryptDeterministic('Saw it in 2000', 'comment:u1:13').split(':')[2]).not.toBe(a.split(':')[2]);
    expect(
      FieldCipher.fromConfig(`k1:${key()}`, 'k1').encryptDeterministic('Saw it in 1999', 'comment:u1:13'),
    ).not.toBe(a);
    expect(() => cipher.decrypt(a, 'comment:u2:13')).toThrow();
  });
});
