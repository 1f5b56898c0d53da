/** An IPv6 address (no zone, no embedded IPv4) as its eight 16-bit groups, `::` expanded; undefined when malformed. */
export function expandIPv6(ip: string): number[] | undefined {
  const [head = '', tail] = ip.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}
