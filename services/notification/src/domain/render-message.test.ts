import { describe, expect, it } from 'vitest';
import { renderEmail, renderPush } from './render-message';

const links = {
  movie: (id: number) => `https://x.test/c?m=${id}&t=a"b`,
  openPixel: 'https://x.test/o',
  unsubscribe: 'https://x.test/u',
};

describe('render message', () => {
  it('When a digest is rendered, then text and HTML list every movie with its tracked link and the unsubscribe link', () => {
    const r = renderEmail(
      'weekly_digest',
      'Ada',
      [{ movieId: 1, title: 'Heat', reason: 'because you liked Ronin' }],
      links,
    );
    expect(r.subject).toBe('Your week at the movies');
    expect(r.text).toContain('Hi Ada,');
    expect(r.text).toContain('- Heat (because you liked Ronin): https://x.test/c?m=1&t=a"b');
    expect(r.text).toContain('Unsubscribe: https://x.test/u');
    expect(r.html).toContain('<a href="https://x.test/c?m=1&amp;t=a&quot;b">Heat</a>');
    expect(r.html).toContain('<img src="https://x.test/o"');
  });
  it('When titles or names carry markup, then HTML escapes it', () => {
    const r = renderEmail('trending_alert', '<b>x</b>', [{ movieId: 2, title: '<script>alert(1)</script>' }], links);
    expect(r.html).not.toContain('<script>');
    expect(r.html).toContain('&lt;script&gt;');
    expect(r.html).toContain('Hi &lt;b&gt;x&lt;/b&gt;,');
  });
  it('When a push is rendered, then its body names the movies', () => {
    expect(
      renderPush('recommendation_alert', [
        { movieId: 1, title: 'A' },
        { movieId: 2, title: 'B' },
      ]),
    ).toEqual({
      title: 'New picks for you',
      body: 'A, B',
    });
  });
});
