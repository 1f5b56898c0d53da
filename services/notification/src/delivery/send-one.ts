import { PermanentSendError } from '../channels/send-errors';
import type { Contact } from '../clients/contact-client';
import type { NotificationContext } from '../context';
import type { LogPayload, NotificationKind } from '../db/logs-table';
import { maskDeviceToken, maskEmail } from '../domain/masking';
import { logContent, type MovieLine, renderEmail, renderPush } from '../domain/render-message';
import { emailLinks } from './links';

export interface LeasedLog {
  id: string;
  createdAt: Date;
  userId: string;
  notificationType: 'email' | 'push';
  kind: NotificationKind;
  payload: LogPayload;
  attempts: number;
}

export type Outcome =
  | { ok: true; externalId: string; recipient: string; subject: string; content: string }
  | { ok: false; permanent: boolean; error: string; recipient?: string };

async function moviesFor(
  ctx: NotificationContext,
  log: LeasedLog,
  digest: MovieLine[] | Error | undefined,
): Promise<MovieLine[]> {
  if (log.kind !== 'weekly_digest') return ctx.fetchTitles(log.payload.movieIds ?? []);
  if (digest instanceof Error) throw digest;
  if (!digest) throw new Error('digest content was not fetched');
  return digest;
}

/**
 * One attempt at one notification: the contact auth gave for this round (or why it could not), content (a
 * digest's list as recommendation gave it for this round), provider. Never throws.
 */
export async function sendOne(
  ctx: NotificationContext,
  log: LeasedLog,
  contact: Contact | Error,
  digest?: MovieLine[] | Error,
): Promise<Outcome> {
  let recipient: string | undefined;
  try {
    if (contact instanceof Error) throw contact;
    if (!contact.found) throw new PermanentSendError('recipient unknown to auth (deleted or deactivated)');
    const movies = await moviesFor(ctx, log, digest);
    if (movies.length === 0) throw new PermanentSendError('no recommendations to send');
    if (log.notificationType === 'email') {
      recipient = maskEmail(contact.email);
      const links = emailLinks(ctx.linkKey, ctx.config.PUBLIC_BASE_URL, log);
      const mail = renderEmail(log.kind, contact.firstName, movies, links);
      const { externalId } = await ctx.mailer.send({
        logId: log.id,
        to: contact.email,
        ...mail,
        // RFC 8058 one-click: mail clients POST to the link with List-Unsubscribe=One-Click.
        headers: {
          'List-Unsubscribe': `<${links.unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      });
      return { ok: true, externalId, recipient, subject: mail.subject, content: logContent(movies) };
    }
    if (!contact.deviceToken || !contact.deviceType) throw new PermanentSendError('user has no push device');
    recipient = `${contact.deviceType}:${maskDeviceToken(contact.deviceToken)}`;
    const push = renderPush(log.kind, movies);
    const { externalId } = await ctx.sendPush(contact.deviceType, contact.deviceToken, {
      ...push,
      data: { notificationId: log.id, kind: log.kind, movieIds: movies.map((m) => m.movieId).join(',') },
    });
    return { ok: true, externalId, recipient, subject: push.title, content: logContent(movies) };
  } catch (err) {
    const error = (err as Error).message ?? String(err);
    return {
      ok: false,
      permanent: err instanceof PermanentSendError,
      error: error.slice(0, 1000),
      ...(recipient ? { recipient } : {}),
    };
  }
}
