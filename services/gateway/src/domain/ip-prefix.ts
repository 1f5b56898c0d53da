import { isIPv4, isIPv6 } from 'node:net';
import { expandIPv6 } from '@marquee/platform-http';

/**
 * A client address reduced to its network, so activity logs never hold a full IP (personal data):
 * IPv4 keeps /24 (`203.0.113.0/24`), IPv6 keeps /48 (`2001:db8:85a3::/48`). Anything else → null.
 */
export function truncateIp(ip: string | undefined): string | null {
  if (!ip) return null;
  const bare = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const v4 = mapped?.[1] ?? (isIPv4(bare) ? bare : undefined);
  if (v4) {
    const [a, b, c] = v4.split('.');
    return `${a}.${b}.${c}.0/24`;
  }
  if (!isIPv6(bare) || bare.includes('.')) return null;
  const groups = expandIPv6(bare);
  if (!groups) return null;
  return `${groups
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(':')}::/48`;
}
