import { describe, expect, it } from 'vitest';
import { maskDeviceToken, maskEmail } from './masking';

describe('masking', () => {
  it('When an email is masked, then only its first letter and domain remain', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskEmail('@nope')).toBe('***');
  });
  it('When a device token is masked, then only its last 4 characters remain', () => {
    expect(maskDeviceToken('abcdef123456')).toBe('***3456');
    expect(maskDeviceToken('abc')).toBe('***');
  });
});
