import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
// Full-length tags only: GCM would otherwise verify a truncated tag, which is far easier to forge.
const TAG_BYTES = 16;

/**
 * AES-256-GCM for PII at rest. A value is `v1:<kid>:<iv>:<tag>:<ciphertext>` (base64), so old
 * values stay readable after the active key changes and `reencrypt` can find them.
 * The context (e.g. `users.email:<userId>`) is authenticated data: a ciphertext copied to another
 * column or row does not decrypt.
 */
export class FieldCipher {
  private readonly keys: Map<string, Buffer>;

  constructor(
    keys: Map<string, Buffer>,
    readonly activeKid: string,
  ) {
    if (!keys.has(activeKid)) throw new Error(`active encryption key "${activeKid}" is not in the key ring`);
    for (const [kid, key] of keys) if (key.length !== 32) throw new Error(`encryption key "${kid}" must be 32 bytes`);
    this.keys = keys;
  }

  /** Parses `kid:base64,kid:base64`. */
  static fromConfig(keyring: string, activeKid: string): FieldCipher {
    const keys = new Map<string, Buffer>();
    for (const entry of keyring.split(',')) {
      const [kid, b64] = entry.split(':') as [string, string];
      if (keys.has(kid)) throw new Error(`encryption key "${kid}" is listed twice`);
      keys.set(kid, Buffer.from(b64, 'base64'));
    }
    return new FieldCipher(keys, activeKid);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
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

  decrypt(value: string, context: string): string {
    const parts = value.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new Error('not an encrypted value');
    const [, kid, iv, tag, ct] = parts as [string, string, string, string, string];
    const key = this.keys.get(kid);
    if (!key) throw new Error(`value is encrypted under key "${kid}", which is not configured`);
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

  /** True when value was written under a key other than the active one. */
  isStale(value: string): boolean {
    return !value.startsWith(`${VERSION}:${this.activeKid}:`);
  }
}

/** Normalises an email for lookup: trimmed, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The keyed hash that makes emails unique and findable without storing them in clear. */
export function emailLookupHash(hashKey: Buffer, email: string): string {
  return createHmac('sha256', hashKey).update(normalizeEmail(email)).digest('hex');
}
