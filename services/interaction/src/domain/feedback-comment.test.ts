import { randomBytes } from 'node:crypto';
import { FieldCipher } from '@marquee/platform-crypto';
import { describe, expect, it } from 'vitest';
import { commentNeedsSealing, openComment, sealComment } from './feedback-comment';

const ring = (...kids: string[]) => kids.map((k) => `${k}:${randomBytes(32).toString('base64')}`).join(',');
const input = {
  userId: '7d8f0f4e-0000-4000-8000-000000000001',
  movieId: 13,
  type: 'view',
  feedbackComment: 'Saw it in 1999',
};

describe('feedback comment at rest', () => {
  it('When a comment is sealed, then it is not readable, the same comment seals the same, and it opens to the text', () => {
    const cipher = FieldCipher.fromConfig(ring('k1'), 'k1');
    const sealed = sealComment(cipher, input);
    expect(sealed.feedbackComment).toMatch(/^v1:k1:/);
    expect(sealed.feedbackComment).not.toContain('1999');
    expect(sealComment(cipher, input).feedbackComment).toBe(sealed.feedbackComment);
    expect(openComment(cipher, sealed)).toEqual(input);
  });

  it('When a sealed comment is moved to another movie or user, then it does not open', () => {
    const cipher = FieldCipher.fromConfig(ring('k1'), 'k1');
    const sealed = sealComment(cipher, input);
    expect(() => openComment(cipher, { ...sealed, movieId: 14 })).toThrow();
    expect(() => openComment(cipher, { ...sealed, userId: '7d8f0f4e-0000-4000-8000-000000000002' })).toThrow();
  });

  it('When there is no comment, or an old plain one, then it passes as it is and only the plain or stale one needs sealing', () => {
    const keys = ring('k1', 'k2');
    const old = FieldCipher.fromConfig(keys, 'k1');
    const cipher = FieldCipher.fromConfig(keys, 'k2');
    expect(sealComment(cipher, { ...input, feedbackComment: null }).feedbackComment).toBeNull();
    expect(openComment(cipher, input)).toEqual(input);
    expect(commentNeedsSealing(cipher, 'Saw it in 1999')).toBe(true);
    expect(commentNeedsSealing(cipher, sealComment(old, input).feedbackComment as string)).toBe(true);
    expect(commentNeedsSealing(cipher, sealComment(cipher, input).feedbackComment as string)).toBe(false);
  });
});
