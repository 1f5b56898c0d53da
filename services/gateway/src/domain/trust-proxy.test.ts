import { describe, expect, it } from 'vitest';
import { trustProxySetting } from './trust-proxy';

describe('trustProxySetting', () => {
  it('when the setting is empty, then no proxy is trusted', () => {
    expect(trustProxySetting('')).toBe(false);
    expect(trustProxySetting('  ')).toBe(false);
  });

  it('when the setting lists addresses, then exactly those are trusted', () => {
    expect(trustProxySetting('10.0.0.0/8,192.0.2.7')).toBe('10.0.0.0/8,192.0.2.7');
  });
});
