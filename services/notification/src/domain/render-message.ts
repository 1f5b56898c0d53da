import type { NotificationKind } from '../db/logs-table';

export interface MovieLine {
  movieId: number;
  title: string;
  reason?: string;
}

export interface EmailLinks {
  /** The signed, tracked link to a movie. */
  movie(movieId: number): string;
  openPixel: string;
  unsubscribe: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const SUBJECTS: Record<NotificationKind, string> = {
  weekly_digest: 'Your week at the movies',
  recommendation_alert: 'New picks for you',
  trending_alert: 'Trending now',
};

const INTROS: Record<NotificationKind, string> = {
  weekly_digest: 'Here are this week’s recommendations, picked from what you watch and rate.',
  recommendation_alert: 'We just found movies we think you will love.',
  trending_alert: 'These movies are trending on Marquee today.',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** Subject, HTML and text of one email; every value from outside is escaped. */
export function renderEmail(
  kind: NotificationKind,
  firstName: string | undefined,
  movies: MovieLine[],
  links: EmailLinks,
): RenderedEmail {
  const hello = firstName ? `Hi ${firstName},` : 'Hi,';
  const subject = SUBJECTS[kind];
  const items = movies.map((m) => ({ ...m, url: links.movie(m.movieId) }));
  const text = [
    hello,
    '',
    INTROS[kind],
    '',
    ...items.map((m) => `- ${m.title}${m.reason ? ` (${m.reason})` : ''}: ${m.url}`),
    '',
    `Unsubscribe: ${links.unsubscribe}`,
    '',
  ].join('\n');
  const html = `<!doctype html><html><body>
<p>${esc(hello)}</p>
<p>${esc(INTROS[kind])}</p>
<ul>
${items.map((m) => `<li><a href="${esc(m.url)}">${esc(m.title)}</a>${m.reason ? ` <small>${esc(m.reason)}</small>` : ''}</li>`).join('\n')}
</ul>
<p><a href="${esc(links.unsubscribe)}">Unsubscribe</a></p>
<img src="${esc(links.openPixel)}" width="1" height="1" alt="">
</body></html>
`;
  return { subject, html, text };
}

/** Title and body of a push notification. */
export function renderPush(kind: NotificationKind, movies: MovieLine[]): { title: string; body: string } {
  return { title: SUBJECTS[kind], body: movies.map((m) => m.title).join(', ') };
}

/** What the log keeps as content: the movies named, without greeting or links (no personal data). */
export function logContent(movies: MovieLine[]): string {
  return movies.map((m) => `${m.movieId}\t${m.title}`).join('\n');
}
