import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
// Full-length tags only: GCM would otherwise verify a truncated tag, which is far easier to forge.
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A key ring setting: `kid:base64(32 bytes)`, comma-separated (for a config schema's pattern). */
export const KEYRING_PATTERN =
  '^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44}(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})*$';
/** A key id setting (the active one). */
export const KID_PATTERN = '^[A-Za-z0-9_-]{1,32}$';

/** The settings a key ring came from, so a configuration error names what to fix. */
export interface KeyringNames {
  /** e.g. AUTH_ENCRYPTION_KEYS */
  keys: string;
  /** e.g. AUTH_ENCRYPTION_ACTIVE_KID */
  activeKid: string;
}

/**
 * AES-256-GCM for personal data and secrets at rest, one envelope for every service:
 * `v1:<kid>:<iv>:<tag>:<ciphertext>` (base64). Old values stay readable while their key is listed, so the active
 * key can change and a re-encryption job can find what it still has to move (isStale). The context (a column and
 * row, e.g. `users.email:<userId>`) is authenticated data: a ciphertext copied to another column or row does not
 * decrypt.
 */
export class FieldCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private sivKey: Buffer | undefined;
  readonly activeKid: string;
  private readonly names: KeyringNames;

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    activeKid: string,
    names: KeyringNames = { keys: 'the key ring', activeKid: 'the active key id' },
  ) {
    this.activeKid = activeKid;
    this.names = names;
    for (const [kid, key] of keys) {
      if (key.length !== KEY_BYTES) throw new Error(`${names.keys}: key "${kid}" must be ${KEY_BYTES} bytes`);
    }
    if (!keys.has(activeKid)) {
      throw new Error(`${names.activeKid}: active encryption key "${activeKid}" is not in ${names.keys}`);
    }
    this.keys = keys;
  }

  /** Parses `kid:base64,kid:base64` (each key 32 bytes); errors name the settings in `names`. */
  static fromConfig(keyring: string, activeKid: string, names?: KeyringNames): FieldCipher {
    return new FieldCipher(parseKeyring(keyring, names?.keys ?? 'the key ring'), activeKid, names);
  }

  encrypt(plaintext: string, context: string): string {
    return this.seal(plaintext, context, randomBytes(IV_BYTES));
  }

  /**
   * The same envelope with a synthetic IV: an HMAC of context and plaintext under a key derived from the active
   * one, so the same text in the same context always gives the same value (a store can see that a value did not
   * change) and decrypt reads it like any other. GCM is safe with it because the IV repeats only when context and
   * plaintext both do, which then gives the very same ciphertext; what it reveals is that equality, within one
   * context. Use it only where that is acceptable and a random IV would defeat an equality check.
   */
  encryptDeterministic(plaintext: string, context: string): string {
    this.sivKey ??= Buffer.from(
      hkdfSync('sha256', this.keys.get(this.activeKid) as Buffer, '', 'marquee field-cipher synthetic iv', 32),
    );
    const mac = createHmac('sha256', this.sivKey).update(context).update('\0').update(plaintext, 'utf8').digest();
    return this.seal(plaintext, context, mac.subarray(0, IV_BYTES));
  }

  private seal(plaintext: string, context: string, iv: Buffer): string {
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKid) as Buffer, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.activeKid,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ct.toString('base64'),
    ].join(':');
  }

  /** The plaintext; throws for a value that is not in the envelope, under an unlisted key, tampered or moved. */
  decrypt(value: string, context: string): string {
    const parts = value.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new Error('not an encrypted value');
    const [, kid, iv, tag, ct] = parts as [string, string, string, string, string];
    const key = this.keys.get(kid);
    if (!key) throw new Error(`value is encrypted under key "${kid}", which ${this.names.keys} does not list`);
    const [ivBytes, tagBytes] = [Buffer.from(iv, 'base64'), Buffer.from(tag, 'base64')];
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new Error('malformed encrypted value');
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
  }

  encryptOptional(plaintext: string | null | undefined, context: string): string | null {
    return plaintext === null || plaintext === undefined ? null : this.encrypt(plaintext, context);
  }

  decryptOptional(value: string | null, context: string): string | null {
    return value === null ? null : this.decrypt(value, context);
  }

  /** True when the key that value names is in this ring (a value under a retired key cannot be read). */
  canDecrypt(value: string): boolean {
    const parts = value.split(':');
    return parts.length === 5 && parts[0] === VERSION && this.keys.has(parts[1] as string);
  }

  /** True for a value in the envelope (under any key). */
  isEncrypted(value: string): boolean {
    return value.startsWith(`${VERSION}:`) && value.split(':').length === 5;
  }

  /** True when value was written under a key other than the active one. */
  isStale(value: string): boolean {
    return !value.startsWith(`${VERSION}:${this.activeKid}:`);
  }
}

/** `kid:base64,kid:base64` → key id → key; each key must be 32 bytes, and no id may repeat. */
export function parseKeyring(keyring: string, setting = 'the key ring'): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of keyring.split(',').filter((e) => e.trim() !== '')) {
    const colon = entry.indexOf(':');
    const kid = colon < 0 ? entry : entry.slice(0, colon);
    if (colon <= 0) throw new Error(`${setting}: entry "${kid}" is not kid:base64(32 bytes)`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`${setting}: key "${kid}" must be ${KEY_BYTES} bytes`);
    if (keys.has(kid)) throw new Error(`${setting}: key "${kid}" is listed twice`);
    keys.set(kid, key);
  }
  return keys;
}

/** A fresh one-key ring, `kid:base64(32 random bytes)`: for tests, benches and first-run local secrets. */
export function generateKeyring(kid = 'k1'): string {
  return `${kid}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
