import { describe, expect, it } from 'vitest';
import { storableText } from './write-activity';

describe('storable text', () => {
  it('when text holds a NUL or a lone surrogate, then the NUL is dropped and the surrogate replaced; pairs stay', () => {
    expect(storableText('a\0b')).toBe('ab');
    expect(storableText('x\ud800y')).toBe('x\ufffdy');
    expect(storableText('x\udc00')).toBe('x\ufffd');
    expect(storableText('🎬 ok')).toBe('🎬 ok');
    expect(storableText('plain')).toBe('plain');
    expect(storableText(null)).toBeNull();
  });
});
