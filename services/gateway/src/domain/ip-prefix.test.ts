import { describe, expect, it } from 'vitest';
import { truncateIp } from './ip-prefix';

describe('truncateIp', () => {
  it('When given an IPv4 address, then only its /24 network is kept', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0/24');
  });

  it('When given an IPv4-mapped IPv6 address, then it is treated as IPv4', () => {
    expect(truncateIp('::ffff:127.0.0.1')).toBe('127.0.0.0/24');
  });

  it('When given IPv6 addresses in any spelling, then only their /48 network is kept', () => {
    expect(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::/48');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(truncateIp('::1')).toBe('0:0:0::/48');
    expect(truncateIp('fe80::1%eth0')).toBe('fe80:0:0::/48');
  });

  it('When the address is missing or not an IP, then null is kept instead', () => {
    expect(truncateIp(undefined)).toBeNull();
    expect(truncateIp('')).toBeNull();
    expect(truncateIp('not-an-ip')).toBeNull();
  });
});
