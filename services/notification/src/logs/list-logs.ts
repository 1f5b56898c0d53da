import type { DbOrTx } from '@marquee/platform-db';
import { invalidField } from '@marquee/platform-http';
import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { type LogRow, notificationLogs as l } from '../db/logs-table';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function logView(r: LogRow) {
  return {
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    channel: r.notificationType,
    kind: r.kind,
    subject: r.subject,
    recipient: r.recipient,
    status: r.status,
    sentAt: iso(r.sentAt),
    deliveredAt: iso(r.deliveredAt),
    openedAt: iso(r.openedAt),
    clickedAt: iso(r.clickedAt),
  };
}

export function adminLogView(r: LogRow) {
  return {
    ...logView(r),
    userId: r.userId,
    externalId: r.externalId,
    errorMessage: r.errorMessage,
    attempts: r.attempts,
  };
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw invalidField('querystring.cursor', 'is not a cursor this API returned');
  }
  return { at, id };
}

/** Newest first, keyset-paginated on (created_at, id); the caller's transaction scopes the rows (RLS). */
export async function listLogs(
  tx: DbOrTx,
  filters: { userId?: string; status?: string; kind?: string },
  limit: number,
  cursor?: string,
): Promise<{ rows: LogRow[]; nextCursor: string | null }> {
  const where: SQL[] = [];
  if (filters.userId) where.push(eq(l.userId, filters.userId));
  if (filters.status) where.push(eq(l.status, filters.status as LogRow['status']));
  if (filters.kind) where.push(eq(l.kind, filters.kind as LogRow['kind']));
  if (cursor) {
    const c = decodeCursor(cursor);
    where.push(sql`(${l.createdAt}, ${l.id}) < (${c.at}::timestamptz, ${c.id}::uuid)`);
  }
  const rows = await tx
    .select()
    .from(l)
    .where(and(...where))
    .orderBy(desc(l.createdAt), desc(l.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url')
      : null;
  return { rows: page, nextCursor };
}
