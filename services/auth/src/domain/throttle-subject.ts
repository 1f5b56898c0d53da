import { isIPv4, isIPv6 } from 'node:net';
import { expandIPv6 } from '@marquee/platform-http';

/**
 * The client network a failure counter is kept for: an IPv4 address as it is, an IPv6 address by
 * its /64, since one subscriber is routed a whole /64 and could otherwise rotate through it.
 */
export function throttleNetwork(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped) return mapped;
  if (isIPv4(bare) || !isIPv6(bare) || bare.includes('.')) return bare;
  const groups = expandIPv6(bare.toLowerCase());
  if (!groups) return bare;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
