import { assertSelfOrAdmin, requireUser } from '@marquee/platform-auth';
import { type HttpApp, invalidField, Type } from '@marquee/platform-http';
import type { AnalyticsContext } from '../context';
import { type ActivityCursor, encodeCursor, userActivityPage, userActivityPages } from '../reports/report-queries';
import {
  checkedRange,
  ErrorResponse,
  Format,
  IsoDay,
  Nullable,
  rejectUnknownQueryKeys,
  security,
  sendCsv,
} from './shared';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const Entry = Type.Object({
  id: Type.String(),
  occurredAt: Type.String(),
  actionType: Type.String(),
  movieId: Nullable(Type.Integer()),
  sessionId: Nullable(Type.String()),
  source: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
});

function decodeCursor(raw: string): ActivityCursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as ActivityCursor;
    if (
      typeof c.occurredAt === 'string' &&
      !Number.isNaN(Date.parse(c.occurredAt)) &&
      new RegExp(UUID).test(c.eventId) &&
      Number.isInteger(c.seq) &&
      c.seq >= 0 &&
      c.seq < 32768
    )
      return { occurredAt: c.occurredAt, eventId: c.eventId, seq: c.seq };
  } catch {
    // Falls through to the 400 below.
  }
  throw invalidField('querystring.cursor', 'is not a cursor this API returned');
}

/** A user's own activity log (the user, or an admin for anyone), newest first, paginated or as CSV. */
export function registerUserActivityRoutes(app: HttpApp, ctx: AnalyticsContext): void {
  app.get(
    '/v1/analytics/users/:userId/activity',
    {
      preHandler: requireUser,
      preValidation: rejectUnknownQueryKeys(['limit', 'cursor', 'from', 'to', 'format']),
      schema: {
        tags: ['analytics'],
        summary: "A user's activity, newest first (that user or an admin)",
        description:
          'Pages by `cursor` (from `nextCursor`). `from`/`to` (UTC days, both or neither) narrow the range. With `format=csv`, every page as one streamed RFC 4180 download. IP addresses are not shown here (they are in the GDPR export).',
        security,
        params: Type.Object({ userId: Type.String({ pattern: UUID }) }),
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ maxLength: 300 })),
          from: Type.Optional(IsoDay),
          to: Type.Optional(IsoDay),
          format: Format,
        }),
        response: {
          200: Type.Object({ items: Type.Array(Entry), nextCursor: Nullable(Type.String()) }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const userId = req.params.userId.toLowerCase();
      assertSelfOrAdmin(req.identity, userId);
      const asAdmin = req.identity?.userId !== userId;
      const q = req.query;
      if ((q.from === undefined) !== (q.to === undefined)) {
        throw invalidField(
          q.from === undefined ? 'querystring.from' : 'querystring.to',
          'is needed with the other end of the range',
        );
      }
      const range = q.from && q.to ? checkedRange({ from: q.from, to: q.to }) : undefined;
      if (q.format === 'csv') {
        return sendCsv(
          reply,
          `activity-${userId}.csv`,
          entryColumns,
          userActivityPages(ctx.reports, userId, { asAdmin, range }),
        );
      }
      const page = await userActivityPage(ctx.reports, userId, {
        asAdmin,
        limit: q.limit,
        range,
        cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
      });
      return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );
}

const entryColumns: readonly (readonly [string, (r: import('../reports/report-queries').ActivityEntry) => unknown])[] =
  [
    ['occurred_at', (r) => r.occurredAt],
    ['action_type', (r) => r.actionType],
    ['movie_id', (r) => r.movieId],
    ['session_id', (r) => r.sessionId],
    ['source', (r) => r.source],
    ['metadata', (r) => r.metadata],
    ['id', (r) => r.id],
  ];
