import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
// Full-length tags only: GCM would otherwise verify a truncated tag, which is far easier to forge.
const TAG_BYTES = 16;
const KEY_BYTES = 32;

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

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly activeKid: string,
    private readonly names: KeyringNames = { keys: 'the key ring', activeKid: 'the active key id' },
  ) {
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
