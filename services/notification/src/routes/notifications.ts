import { requireAdmin, requireUser } from '@marquee/platform-auth';
import { type HttpApp, notFound, Type } from '@marquee/platform-http';
import { listMailbox, showMailboxMessage } from '../channels/mailbox';
import type { NotificationContext } from '../context';
import { forAllUsers, withUser } from '../db/user-scope';
import { adminLogView, listLogs, logView } from '../logs/list-logs';
import {
  AdminNotificationView,
  ErrorResponse,
  MailboxList,
  MailboxMessage,
  NotificationView,
  Page,
  PageQuery,
} from './schemas';

const Status = Type.Union(['pending', 'sent', 'delivered', 'failed', 'opened', 'clicked'].map((s) => Type.Literal(s)));
const Kind = Type.Union(['weekly_digest', 'recommendation_alert', 'trending_alert'].map((s) => Type.Literal(s)));

export function registerNotificationRoutes(app: HttpApp, ctx: NotificationContext): void {
  const security = [{ bearerAuth: [] }];
  app.get(
    '/v1/notifications',
    {
      preHandler: requireUser,
      schema: {
        tags: ['notifications'],
        summary: "The signed-in user's notifications, newest first",
        security,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(NotificationView), 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (req) => {
      const userId = req.identity?.userId as string;
      const page = await withUser(ctx.database.db, userId, (tx) =>
        listLogs(tx, { userId }, req.query.limit ?? 20, req.query.cursor),
      );
      return { items: page.rows.map(logView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/admin/notifications',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['notifications'],
        summary: 'Every notification log (admin), newest first, with delivery details',
        security,
        querystring: Type.Object(
          {
            ...PageQuery,
            userId: Type.Optional(Type.String({ format: 'uuid' })),
            status: Type.Optional(Status),
            kind: Type.Optional(Kind),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(AdminNotificationView), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req) => {
      const { limit, cursor, ...filters } = req.query;
      const page = await forAllUsers(ctx.database.db, (tx) => listLogs(tx, filters, limit ?? 20, cursor));
      return { items: page.rows.map(adminLogView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/admin/notifications/mailbox',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['notifications'],
        summary: 'Messages in the local mailbox (where email goes when no SMTP server is configured)',
        security,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
            offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: MailboxList, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req) => ({
      mode: ctx.mailer.kind,
      ...(await listMailbox(ctx.mailboxDir, req.query.limit ?? 20, req.query.offset ?? 0)),
    }),
  );

  app.get(
    '/v1/admin/notifications/mailbox/:id',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['notifications'],
        summary: 'One message of the local mailbox with its text and HTML',
        security,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: {
          200: MailboxMessage,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (req) => {
      const msg = await showMailboxMessage(ctx.mailboxDir, req.params.id);
      if (!msg) throw notFound('MAILBOX.NOT_FOUND', `No message ${req.params.id} in the local mailbox`);
      return msg;
    },
  );
}
