import { badRequest, type HttpApp, Type } from '@marquee/platform-http';
import type { FastifyReply } from 'fastify';
import type { NotificationContext } from '../context';
import { withUser } from '../db/user-scope';
import { verifyLink } from '../domain/link-tokens';
import { unsubscribe } from '../preferences/preferences';
import { recordClick, recordOpen } from '../tracking/track-engagement';
import { ErrorResponse, Gif, Html, Redirect } from './schemas';

// The smallest transparent GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const TokenQuery = Type.Object({ t: Type.String({ minLength: 1, maxLength: 2048 }) });

const badToken = () => badRequest('NOTIFICATION.BAD_TOKEN', 'This link is not valid (tampered or malformed)');

function page(reply: FastifyReply, body: string) {
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(`<!doctype html><html><body style="font-family:sans-serif">${body}</body></html>`);
}

/** Links in emails: no login, the signature is the credential; a bad one is a 400 that changes nothing. */
export function registerTrackingRoutes(app: HttpApp, ctx: NotificationContext): void {
  app.get(
    '/v1/notifications/track/open',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Open pixel of an email (signed); moves the log to opened',
        querystring: TokenQuery,
        response: { 200: Gif, 400: ErrorResponse },
      },
    },
    async (req, reply) => {
      const claims = verifyLink(ctx.linkKey, req.query.t, 'open');
      if (!claims) throw badToken();
      await recordOpen(ctx, claims.l, claims.c);
      return reply.type('image/gif').header('cache-control', 'no-store').send(PIXEL);
    },
  );

  app.get(
    '/v1/notifications/track/click',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Tracked movie link of an email (signed); moves the log to clicked and redirects to the movie',
        querystring: TokenQuery,
        response: { 302: Redirect, 400: ErrorResponse },
      },
    },
    async (req, reply) => {
      const claims = verifyLink(ctx.linkKey, req.query.t, 'click');
      if (!claims) throw badToken();
      await recordClick(ctx, claims.l, claims.c, claims.m);
      // The target is built here from the signed movie id: the link cannot be turned into an open redirect.
      return reply.redirect(ctx.config.MOVIE_URL_TEMPLATE.replace('{movieId}', String(claims.m)), 302);
    },
  );

  // RFC 8058: mail clients POST `List-Unsubscribe=One-Click` as a form; the body says nothing the token does not.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  app.get(
    '/v1/notifications/unsubscribe',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Unsubscribe page (no side effect: link scanners follow GETs); its button POSTs',
        querystring: TokenQuery,
        response: { 200: Html, 400: ErrorResponse },
      },
    },
    async (req, reply) => {
      if (!verifyLink(ctx.linkKey, req.query.t, 'unsub')) throw badToken();
      const action = `?t=${encodeURIComponent(req.query.t)}`;
      return page(
        reply,
        `<p>Stop receiving these emails from Marquee?</p><form method="post" action="${action}"><button type="submit">Unsubscribe</button></form>`,
      );
    },
  );

  app.post(
    '/v1/notifications/unsubscribe',
    {
      schema: {
        tags: ['notifications'],
        summary: 'One-click unsubscribe (RFC 8058), signed token, no login',
        querystring: TokenQuery,
        response: { 200: Html, 400: ErrorResponse },
      },
    },
    async (req, reply) => {
      const claims = verifyLink(ctx.linkKey, req.query.t, 'unsub');
      if (!claims) throw badToken();
      await withUser(ctx.database.db, claims.u, (tx) => unsubscribe(tx, claims.u, claims.k));
      req.log.info({ userId: claims.u, kind: claims.k, event: 'unsubscribed' }, 'unsubscribed by link');
      return page(reply, '<p>You are unsubscribed. You can change this any time in your notification settings.</p>');
    },
  );

  app.get(
    '/v1/notifications/vapid-public-key',
    {
      schema: {
        tags: ['notifications'],
        summary: 'The VAPID public key browsers subscribe to Web Push with (applicationServerKey)',
        response: { 200: Type.Object({ publicKey: Type.String() }) },
      },
    },
    async () => ({ publicKey: ctx.vapid.publicKey }),
  );
}
