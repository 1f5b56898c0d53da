import { isIPv4, isIPv6 } from 'node:net';
import { FieldCipher, parseKeyring } from '@marquee/platform-crypto';
import { expandIPv6 } from '@marquee/platform-http';

const CONTEXT = 'user_activity_logs.ip_address';

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
 * prefix AES-256-GCM encrypted in the platform's envelope (`v1:<kid>:<iv>:<tag>:<ciphertext>`, platform-crypto),
 * readable only with the key (GDPR export).
 */
export class IpPolicy {
  readonly name: IpPolicyName;
  private readonly cipher: FieldCipher | null;
  private constructor(name: IpPolicyName, cipher: FieldCipher | null) {
    this.name = name;
    this.cipher = cipher;
  }

  static fromConfig(name: IpPolicyName, keyring: string, activeKid: string): IpPolicy {
    const names = { keys: 'ANALYTICS_IP_KEYS', activeKid: 'ANALYTICS_IP_ACTIVE_KID' };
    if (name === 'truncate') {
      // Keys are optional here; a listed one must still be well formed.
      parseKeyring(keyring, names.keys);
      return new IpPolicy(name, null);
    }
    if (keyring.trim() === '') {
      throw new Error('ANALYTICS_IP_POLICY=encrypt needs ANALYTICS_IP_KEYS with ANALYTICS_IP_ACTIVE_KID among them');
    }
    return new IpPolicy(name, FieldCipher.fromConfig(keyring, activeKid, names));
  }

  /** The value stored in ip_address: never the address itself. */
  protect(ip: string | null): string | null {
    const prefix = networkPrefix(ip);
    if (prefix === null || this.cipher === null) return prefix;
    return this.cipher.encrypt(prefix, CONTEXT);
  }

  /** What a stored value says, for the user's own export; an encrypted value under an unknown key stays hidden. */
  reveal(stored: string | null): string | null {
    if (stored === null || !stored.startsWith('v1:')) return stored;
    if (this.cipher === null || !this.cipher.canDecrypt(stored)) return null;
    return this.cipher.decrypt(stored, CONTEXT);
  }
}
