import { describe, expect, it } from 'vitest';
import { escapeHighlight } from './highlight';

describe('escapeHighlight', () => {
  it('when the text around a match holds markup, then it is escaped and only the <mark> tags stay', () => {
    expect(escapeHighlight('<img src=x onerror="alert(1)"> <mark>Alien</mark> & co')).toBe(
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>Alien</mark> &amp; co',
    );
  });

  it('when the text has no markup, then it is unchanged', () => {
    expect(escapeHighlight('<mark>Toy</mark> Story')).toBe('<mark>Toy</mark> Story');
  });
});
