import { signLink } from '../domain/link-tokens';
import type { EmailLinks } from '../domain/render-message';
import type { NotificationKind } from '../db/logs-table';

/** The signed links of one email: open pixel, tracked movie links, one-click unsubscribe. */
export function emailLinks(
  key: Buffer,
  publicBaseUrl: string,
  log: { id: string; createdAt: Date; userId: string; kind: NotificationKind },
): EmailLinks {
  const c = log.createdAt.toISOString();
  const url = (route: string, token: string) => `${publicBaseUrl}/notifications/${route}?t=${token}`;
  return {
    openPixel: url('track/open', signLink(key, { p: 'open', l: log.id, c })),
    movie: (movieId) => url('track/click', signLink(key, { p: 'click', l: log.id, c, m: movieId })),
    unsubscribe: url('unsubscribe', signLink(key, { p: 'unsub', u: log.userId, k: log.kind })),
  };
}
