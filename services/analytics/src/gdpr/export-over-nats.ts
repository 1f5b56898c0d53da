import { type NatsConnection, type Subscription, serveJson, Subjects } from '@marquee/platform-bus';
import { sql } from 'drizzle-orm';
import type { AnalyticsContext } from '../context';
import { withUser } from '@marquee/platform-db';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A NATS reply has a size limit; beyond this many rows the export says it was cut.
const MAX_ROWS = 5000;

export interface AnalyticsExport {
  service: 'analytics';
  userId: string;
  activity: {
    occurredAt: string;
    actionType: string;
    movieId: number | null;
    sessionId: string | null;
    ipAddress: string | null;
    userAgent: string | null;
    referer: string | null;
    source: string | null;
    metadata: unknown;
  }[];
  truncated: boolean;
}

/** What analytics holds about one user (GDPR Art. 15), newest first, IPs as stored (decrypted under encrypt). */
export async function exportUserActivity(ctx: AnalyticsContext, userId: string): Promise<AnalyticsExport> {
  const { rows } = await withUser(ctx.database.db, userId, (tx) =>
    tx.execute<Record<string, unknown>>(sql`
      select occurred_at, action_type, movie_id, session_id, ip_address, user_agent, referer, source, metadata
        from user_activity_logs where user_id = ${userId}
       order by occurred_at desc, event_id desc, event_seq desc limit ${MAX_ROWS + 1}`),
  );
  return {
    service: 'analytics',
    userId,
    activity: rows.slice(0, MAX_ROWS).map((r) => ({
      occurredAt: new Date(r.occurred_at as string).toISOString(),
      actionType: r.action_type as string,
      movieId: r.movie_id as number | null,
      sessionId: r.session_id as string | null,
      ipAddress: ctx.ipPolicy.reveal(r.ip_address as string | null),
      userAgent: r.user_agent as string | null,
      referer: r.referer as string | null,
      source: r.source as string | null,
      metadata: r.metadata,
    })),
    truncated: rows.length > MAX_ROWS,
  };
}

/** Answers `gdpr.export.analytics` ({ userId }) with a queue group, so one replica answers. */
export function serveGdprExport(nats: NatsConnection, ctx: AnalyticsContext, subjectPrefix = ''): Subscription {
  return serveJson<{ userId?: unknown }, AnalyticsExport>(
    nats,
    `${subjectPrefix}${Subjects.gdprExport('analytics')}`,
    async (req) => {
      if (typeof req?.userId !== 'string' || !UUID_RE.test(req.userId)) throw new Error('userId must be a uuid');
      ctx.logger.info({ userId: req.userId, event: 'gdpr_export' }, 'GDPR export answered');
      return exportUserActivity(ctx, req.userId.toLowerCase());
    },
    { queue: 'analytics' },
  );
}
