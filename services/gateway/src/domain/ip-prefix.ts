import { isIPv4, isIPv6 } from 'node:net';

function expandIPv6(ip: string): number[] | undefined {
  const [head = '', tail] = ip.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

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
