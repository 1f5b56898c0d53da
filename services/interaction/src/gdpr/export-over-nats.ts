import { type NatsConnection, type Subscription, serveJson, Subjects } from '@marquee/platform-bus';
import type { InteractionContext } from '../context';
import { withUser } from '../db/user-scope';
import { decodeCursor } from '../domain/library-cursor';
import type { InteractionRow } from '../events/interaction-events';
import { listLibrary } from '../library/library-queries';
import { toView, type InteractionView } from '../routes/schemas';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface InteractionExport {
  service: 'interaction';
  userId: string;
  interactions: InteractionView[];
}

/** Every interaction of one user, newest first (GDPR Art. 15), read in that user's scope. */
export async function exportUserInteractions(ctx: InteractionContext, userId: string): Promise<InteractionExport> {
  const rows: InteractionRow[] = await withUser(ctx.database.db, userId, async (tx) => {
    const all: InteractionRow[] = [];
    for (let cursor: string | null | undefined; ; ) {
      const page = await listLibrary(tx, userId, undefined, 1000, cursor ? decodeCursor(cursor) : undefined);
      all.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) return all;
    }
  });
  return { service: 'interaction', userId, interactions: rows.map((r) => toView(r, ctx.cipher)) };
}

/** Answers `gdpr.export.interaction` ({ userId }) with a queue group, so one replica answers. */
export function serveGdprExport(nats: NatsConnection, ctx: InteractionContext, subjectPrefix = ''): Subscription {
  return serveJson<{ userId?: unknown }, InteractionExport>(
    nats,
    `${subjectPrefix}${Subjects.gdprExport('interaction')}`,
    async (req) => {
      if (typeof req?.userId !== 'string' || !UUID_RE.test(req.userId)) throw new Error('userId must be a uuid');
      const userId = req.userId.toLowerCase();
      ctx.logger.info({ userId, event: 'gdpr_export' }, 'GDPR export answered');
      return exportUserInteractions(ctx, userId);
    },
    { queue: 'interaction' },
  );
}
