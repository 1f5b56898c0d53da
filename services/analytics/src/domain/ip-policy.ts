import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { expandIPv6 } from '@marquee/platform-http';

const CONTEXT = Buffer.from('user_activity_logs.ip_address');

/**
 * An address or prefix reduced to its network: IPv4 /24, IPv6 /48; anything else → null. Applied even
 * to what the gateway already truncated, so a forged or buggy event cannot put a full address at rest.
 */
export function networkPrefix(value: string | null): string | null {
  if (!value) return null;
  const bare = value.split('/')[0] as string;
  if (isIPv4(bare)) return `${bare.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(bare) || bare.includes('.')) return null;
  const groups = expandIPv6(bare);
  if (!groups) return null;
  return `${groups
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(':')}::/48`;
}

export type IpPolicyName = 'truncate' | 'encrypt';

/**
 * How ip_address is stored (ANALYTICS_IP_POLICY): `truncate` keeps the network prefix; `encrypt` keeps the
 * prefix AES-256-GCM encrypted as `v1:<kid>:<iv>:<tag>:<ciphertext>`, readable only with the key (GDPR export).
 */
export class IpPolicy {
  private constructor(
    readonly name: IpPolicyName,
    private readonly keys: Map<string, Buffer>,
    private readonly activeKid: string,
  ) {}

  static fromConfig(name: IpPolicyName, keyring: string, activeKid: string): IpPolicy {
    const keys = new Map<string, Buffer>();
    for (const entry of keyring.split(',').filter(Boolean)) {
      const [kid, b64] = entry.split(':') as [string, string];
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32) throw new Error(`ANALYTICS_IP_KEYS: key "${kid}" must be 32 bytes`);
      keys.set(kid, key);
    }
    if (name === 'encrypt' && !keys.has(activeKid)) {
      throw new Error('ANALYTICS_IP_POLICY=encrypt needs ANALYTICS_IP_KEYS with ANALYTICS_IP_ACTIVE_KID among them');
    }
    return new IpPolicy(name, keys, activeKid);
  }

  /** The value stored in ip_address: never the address itself. */
  protect(ip: string | null): string | null {
    const prefix = networkPrefix(ip);
    if (prefix === null || this.name === 'truncate') return prefix;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKid) as Buffer, iv);
    cipher.setAAD(CONTEXT);
    const ct = Buffer.concat([cipher.update(prefix, 'utf8'), cipher.final()]);
    return [
      'v1',
      this.activeKid,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ct.toString('base64'),
    ].join(':');
  }

  /** What a stored value says, for the user's own export; an encrypted value under an unknown key stays hidden. */
  reveal(stored: string | null): string | null {
    if (stored === null || !stored.startsWith('v1:')) return stored;
    const [, kid, iv, tag, ct] = stored.split(':') as [string, string, string, string, string];
    const key = this.keys.get(kid);
    if (!key) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(CONTEXT);
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
  }
}
