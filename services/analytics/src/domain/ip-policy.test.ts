import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IpPolicy, networkPrefix } from './ip-policy';

const key = () => `k1:${randomBytes(32).toString('base64')}`;

describe('ip policy', () => {
  it('when a full address arrives, then only its network prefix is kept', () => {
    expect(networkPrefix('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkPrefix('203.0.113.0/24')).toBe('203.0.113.0/24');
    expect(networkPrefix('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::/48');
    expect(networkPrefix('not an ip')).toBeNull();
  });

  it('when the policy is truncate, then the stored value is the prefix', () => {
    expect(IpPolicy.fromConfig('truncate', '', '').protect('198.51.100.9')).toBe('198.51.100.0/24');
  });

  it('when the policy is encrypt, then the stored value hides the prefix and the key reveals it', () => {
    const policy = IpPolicy.fromConfig('encrypt', key(), 'k1');
    const stored = policy.protect('198.51.100.9') as string;
    expect(stored).toMatch(/^v1:k1:/);
    expect(stored).not.toContain('198.51');
    expect(policy.reveal(stored)).toBe('198.51.100.0/24');
    expect(IpPolicy.fromConfig('encrypt', key(), 'k1').reveal(stored.replace('v1:k1:', 'v1:k9:'))).toBeNull();
  });

  it('when encrypt is chosen without its key, then configuration fails naming the variables', () => {
    expect(() => IpPolicy.fromConfig('encrypt', '', '')).toThrow(/ANALYTICS_IP_KEYS/);
  });
});
