import { describe, expect, it } from 'vitest';
import { passwordProblems } from './password-policy';

describe('password policy', () => {
  it('When a password is long, mixed and personal-free, then it passes', () => {
    expect(passwordProblems('correct horse 42', { username: 'ada', email: 'ada.l@example.com' })).toEqual([]);
  });

  it('When a password is short, of one class, common or contains identity, then each reason is listed', () => {
    expect(passwordProblems('short1A')).toContain('must be at least 10 characters');
    expect(passwordProblems('onlylowercaseletters')).toEqual([
      'must mix at least two of lower case, upper case, digits and symbols',
    ]);
    expect(passwordProblems('Password123')).toContain('is a commonly used password');
    expect(passwordProblems('xx-Lovelace-2024', { username: 'lovelace' })).toEqual(['must not contain the username']);
    expect(passwordProblems('9-ada.king-9', { email: 'Ada.King@example.com' })).toEqual([
      'must not contain the email address',
    ]);
  });
});
