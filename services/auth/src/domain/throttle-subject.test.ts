import { describe, expect, it } from 'vitest';
import { throttleNetwork } from './throttle-subject';

describe('throttleNetwork', () => {
  it('when two IPv6 addresses share a /64, then they share one counter', () => {
    expect(throttleNetwork('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(throttleNetwork('2001:DB8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(throttleNetwork('2001:db8:1:3::1')).not.toBe(throttleNetwork('2001:db8:1:2::1'));
  });

  it('when the address is IPv4 or IPv4-mapped, then it is kept whole', () => {
    expect(throttleNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('when the address carries a zone, then the zone is dropped', () => {
    expect(throttleNetwork('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
