import { type NatsConnection, type Subscription, serveJson, Subjects } from '@marquee/platform-bus';
import { withUser } from '@marquee/platform-db';
import { desc, eq } from 'drizzle-orm';
import { findUserById } from '../accounts/find-users';
import { toProfile, type UserProfile } from '../accounts/user-record';
import type { AuthContext } from '../context';
import { refreshTokens } from '../db/schema';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuthExport {
  service: 'auth';
  userId: string;
  account: UserProfile | null;
  sessions: {
    createdAt: string;
    expiresAt: string;
    spentAt: string | null;
    revokedAt: string | null;
    revokedReason: string | null;
  }[];
}

/** What auth holds about one user, decrypted (GDPR Art. 15); null account when there is none. */
export async function exportUserData(ctx: AuthContext, userId: string): Promise<AuthExport> {
  // Scoped to the exported user: whatever the query, no one else's rows can reach the export.
  const { row, sessions } = await withUser(ctx.database.db, userId, async (tx) => {
    const found = await findUserById(tx, userId);
    const tokens = found
      ? await tx
          .select()
          .from(refreshTokens)
          .where(eq(refreshTokens.userId, userId))
          .orderBy(desc(refreshTokens.createdAt))
      : [];
    return { row: found, sessions: tokens };
  });
  return {
    service: 'auth',
    userId,
    account: row ? toProfile(row, ctx.cipher) : null,
    sessions: sessions.map((s) => ({
      createdAt: s.createdAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      spentAt: s.spentAt?.toISOString() ?? null,
      revokedAt: s.revokedAt?.toISOString() ?? null,
      revokedReason: s.revokedReason,
    })),
  };
}

/** Answers `gdpr.export.auth` requests ({ userId }) with a queue group, so one replica answers. */
export function serveGdprExport(nats: NatsConnection, ctx: AuthContext, subjectPrefix = ''): Subscription {
  return serveJson<{ userId?: unknown }, AuthExport>(
    nats,
    `${subjectPrefix}${Subjects.gdprExport('auth')}`,
    async (req) => {
      if (typeof req?.userId !== 'string' || !UUID_RE.test(req.userId)) throw new Error('userId must be a uuid');
      ctx.logger.info({ userId: req.userId, event: 'gdpr_export' }, 'GDPR export answered');
      return exportUserData(ctx, req.userId);
    },
    { queue: 'auth' },
  );
}
