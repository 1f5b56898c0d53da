import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for the secrets notification keeps in its own database (the VAPID private key, the link-signing
 * key), in auth's envelope: `v1:<kid>:<iv>:<tag>:<ciphertext>` (base64). Old values stay readable while their key
 * is listed; the context (the row's name) is authenticated, so a value moved to another row does not open.
 */
export class SecretCipher {
  private constructor(
    private readonly keys: Map<string, Buffer>,
    readonly activeKid: string,
  ) {}

  /** Parses NOTIFICATION_ENCRYPTION_KEYS (`kid:base64(32 bytes)`, comma-separated) and the active kid. */
  static fromConfig(keyring: string, activeKid: string): SecretCipher {
    const keys = new Map<string, Buffer>();
    for (const entry of keyring.split(',')) {
      const [kid, b64] = entry.split(':') as [string, string];
      const key = Buffer.from(b64 ?? '', 'base64');
      if (key.length !== 32) throw new Error(`NOTIFICATION_ENCRYPTION_KEYS: key "${kid}" must be 32 bytes`);
      if (keys.has(kid)) throw new Error(`NOTIFICATION_ENCRYPTION_KEYS: key "${kid}" is listed twice`);
      keys.set(kid, key);
    }
    if (!keys.has(activeKid)) {
      throw new Error(`NOTIFICATION_ENCRYPTION_ACTIVE_KID: "${activeKid}" is not in NOTIFICATION_ENCRYPTION_KEYS`);
    }
    return new SecretCipher(keys, activeKid);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKid) as Buffer, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.activeKid, iv, cipher.getAuthTag(), ct]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
      .join(':');
  }

  open(value: string, context: string): string {
    const parts = value.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new Error('not a sealed value');
    const [, kid, iv, tag, ct] = parts as [string, string, string, string, string];
    const key = this.keys.get(kid);
    if (!key) throw new Error(`value is sealed under key "${kid}", which NOTIFICATION_ENCRYPTION_KEYS does not list`);
    const [ivBytes, tagBytes] = [Buffer.from(iv, 'base64'), Buffer.from(tag, 'base64')];
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new Error('malformed sealed value');
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
  }

  /** True for a value in the sealed envelope (any key). */
  isSealed(value: string): boolean {
    return value.startsWith(`${VERSION}:`) && value.split(':').length === 5;
  }

  /** True when value was sealed under a key other than the active one. */
  isStale(value: string): boolean {
    return !value.startsWith(`${VERSION}:${this.activeKid}:`);
  }
}
