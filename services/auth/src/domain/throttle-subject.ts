import { isIPv4, isIPv6 } from 'node:net';

function ipv6Groups(ip: string): number[] | undefined {
  const [head = '', tail] = ip.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

/**
 * The client network a failure counter is kept for: an IPv4 address as it is, an IPv6 address by
 * its /64, since one subscriber is routed a whole /64 and could otherwise rotate through it.
 */
export function throttleNetwork(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped) return mapped;
  if (isIPv4(bare) || !isIPv6(bare) || bare.includes('.')) return bare;
  const groups = ipv6Groups(bare.toLowerCase());
  if (!groups) return bare;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
