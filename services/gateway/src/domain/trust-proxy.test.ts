import { describe, expect, it } from 'vitest';
import { trustProxySetting } from './trust-proxy';

describe('trustProxySetting', () => {
  it('when the setting is empty or 0, then no proxy is trusted', () => {
    expect(trustProxySetting('')).toBe(false);
    expect(trustProxySetting('0')).toBe(false);
  });

  it('when the setting is a number, then it is a hop count', () => {
    expect(trustProxySetting('2')).toBe(2);
  });

  it('when the setting lists addresses, then exactly those are trusted', () => {
    expect(trustProxySetting('10.0.0.0/8,192.0.2.7')).toBe('10.0.0.0/8,192.0.2.7');
  });
});
